"""Which runtime computes the arbitrary model's style transfer network, by name.

``torch`` is the PyTorch network itself (eager, channels-last oneDNN convs;
CUDA, fp16 and bf16 autocast). ``openvino`` and ``onnxruntime`` run the same
network as fp32 ONNX graphs built from its weights (``graph.py``) on the CPU.
The style prediction network always runs on torch, so a style's embedding is
the same whatever the backend.

Backends round differently (the order of float additions), so a frame's
pixels can differ by one level between them: the backend is part of the
model's version, hence of every cache key, except ``torch``, whose versions
are those from before backends existed.

``auto`` is a rule, not a calibration: cache keys are computed in the flow's
process, which never loads the weights, and must name the backend the
chunk's worker will run; a rule of the device, the precision and the
installed packages gives both processes the same answer with no measurement.
The rule follows ``bench/bench_backends.py`` (docs/backends.md): on a CPU in
fp32, OpenVINO was the fastest, then ONNX Runtime, then torch eager (and
``torch.compile`` was no faster than eager after minutes of compiling); CUDA
and bf16 (CPUs with native bf16) stay on torch, where the graphs' runtimes
were not measured to be faster.

This module imports neither torch nor the runtimes: ``artify_core.settings``
reads the names.
"""

from __future__ import annotations

import importlib.util

from artify_core.errors import InputError
from artify_core.foundation.registry import Registry

# Bump when the ONNX graphs (graph.py) or how a backend runs them would give different pixels.
GRAPH_VERSION = "1"
AUTO = "auto"

# Each entry names what runs the network: the torch module itself, or a runner of its graphs (runtimes.py).
BACKENDS: Registry[object] = Registry("backend")
BACKENDS.register("torch", "artify_core.models.arbitrary.networks:StyleTransferNetwork",
                  summary="PyTorch: CPU (fp32, bf16) or CUDA (fp16, fp32)",
                  devices=("cpu", "cuda"), precisions=("fp32", "bf16", "fp16"), package="torch")
BACKENDS.register("openvino", "artify_core.models.arbitrary.runtimes:OpenVinoRunner",
                  summary="OpenVINO on the CPU, fp32", devices=("cpu",), precisions=("fp32",), package="openvino")
BACKENDS.register("onnxruntime", "artify_core.models.arbitrary.runtimes:OnnxRuntimeRunner",
                  summary="ONNX Runtime on the CPU, fp32", devices=("cpu",), precisions=("fp32",),
                  package="onnxruntime")
# ``auto``'s preference on a CPU in fp32, fastest first (docs/backends.md).
CPU_FP32_PREFERENCE: tuple[str, ...] = ("openvino", "onnxruntime", "torch")
BACKEND_CHOICES: tuple[str, ...] = (AUTO, *BACKENDS.names())


def installed(backend: str) -> bool:
    """Whether the backend's package can be imported (found without importing it)."""
    return importlib.util.find_spec(BACKENDS.extra(backend, "package")) is not None


def resolve_backend(backend: str, device_type: str, precision: str) -> str:
    """The backend that runs: ``backend`` itself, checked, or what ``auto`` picks for the device and
    the resolved precision ("fp32", "bf16", "fp16"). Raises ``InputError`` for a combination the
    backend cannot run."""
    if backend == AUTO:
        if device_type == "cpu" and precision == "fp32":
            return next(name for name in CPU_FP32_PREFERENCE if installed(name))
        return "torch"
    entry = BACKENDS.entry(backend)
    if device_type not in entry.extras["devices"]:
        raise InputError(f"backend {backend!r} runs on {', '.join(entry.extras['devices'])} only, not "
                         f"{device_type}; use backend 'torch' or 'auto' there")
    if precision not in entry.extras["precisions"]:
        raise InputError(f"backend {backend!r} computes in {', '.join(entry.extras['precisions'])} only, not "
                         f"{precision}; use backend 'torch' for {precision}")
    if not installed(backend):
        raise InputError(f"backend {backend!r} needs the package {entry.extras['package']!r}, which is not "
                         f"installed; `pip install {entry.extras['package']}` or choose backend 'auto'")
    return backend


def version_suffix(backend: str) -> str:
    """What the backend adds to the model's version: nothing for torch (its keys predate backends)."""
    return "" if backend == "torch" else f"+{backend}-g{GRAPH_VERSION}"
