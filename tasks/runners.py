"""Where chunk stylization runs when it fans out: Dask workers, one per GPU (in process, the
flow submits chunks to its own one-thread runner and needs nothing from here).

Each Dask worker process loads the model once (``tasks.models.get_model`` is a
per-process cache) and keeps it for every chunk it is given. Decoding and
encoding happen inside the chunk task, next to the model, so frames never cross
the network: workers need the content (a shared path or ``s3://``) and the
artifact store, not the parent's memory.
"""

from __future__ import annotations

import os

from prefect.task_runners import TaskRunner


def chunk_task_runner(workers: int = 0, address: str | None = None, device: str = "auto") -> TaskRunner:
    """The task runner of the fanned-out chunk stage.

    ``address``: an existing Dask scheduler (``dask scheduler`` + ``dask cuda worker``
    on each GPU machine). Otherwise a local Dask cluster of ``workers`` processes:
    one per GPU with dask-cuda's ``LocalCUDACluster`` when CUDA is wanted and
    dask-cuda is installed (it pins each worker to its GPU with
    ``CUDA_VISIBLE_DEVICES``), else CPU processes sharing the cores.
    """
    if address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=address)
    if workers <= 0:
        raise ValueError(f"workers={workers}: a local Dask cluster needs at least one worker")
    from prefect_dask import DaskTaskRunner

    if device in ("cuda", "auto") and _dask_cuda_available() and _cuda_devices() > 0:
        return DaskTaskRunner(cluster_class="dask_cuda.LocalCUDACluster",
                              cluster_kwargs={"n_workers": min(workers, _cuda_devices()), "threads_per_worker": 1})
    threads = str(max(1, (os.cpu_count() or 1) // workers))
    return DaskTaskRunner(cluster_class="distributed.LocalCluster",
                          cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                          "dashboard_address": None,
                                          # Each worker's torch and OpenCV get their share of the cores.
                                          "env": {"OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}})


def _dask_cuda_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("dask_cuda") is not None


def _cuda_devices() -> int:
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0
