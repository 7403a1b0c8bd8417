"""The ``stylize_folder`` flow: every video under a folder or ``s3://`` prefix,
stylized into the same relative name under a destination.

list → style identities and model version → for each video, at most
``max_concurrent`` at once: skip when its manifest is current, else the
``stylize_video`` subflow then its manifest → summary table and links.
A video that fails is reported with its reason; the others go on, and the run
ends Failed when any failed.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow
from prefect.states import Failed, State
from prefect.task_runners import ThreadPoolTaskRunner

from artify_core.batch import BatchFailedError, BatchResult
from artify_core.errors import InputError
from flows.stylize_video import stylize_video
from tasks.folder import batch_parameters, list_folder, publish_batch_report, run_bounded, stylize_one
from tasks.models import ModelSpec
from tasks.style import model_version

# Threads for the per-video tasks; max_concurrent bounds how many of them run at once.
MAX_CONCURRENT = 16


@flow(name="stylize-folder", log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=MAX_CONCURRENT))
def stylize_folder(
    source: str,
    destination: str,
    style: list[str],
    model: str = "arbitrary",
    height: int | None = None,
    strength: float = 1.0,
    chunk_frames: int = 100,
    smooth: bool = True,
    evaluate: bool = False,
    device: str = "auto",
    max_concurrent: int = 2,
    store: str | None = None,
) -> BatchResult | State:
    if not 1 <= max_concurrent <= MAX_CONCURRENT:
        raise InputError(f"max_concurrent={max_concurrent}: must be between 1 and {MAX_CONCURRENT}")
    listing = list_folder(source, destination)
    version = model_version(ModelSpec.create(model, device))
    parameters = batch_parameters(style, model, version, height, strength, chunk_frames, smooth)
    options = dict(model=model, height=height, strength=strength, chunk_frames=chunk_frames, smooth=smooth,
                   device=device, store=store)
    outcomes = run_bounded(stylize_one, [dict(item=item, parameters=parameters, stylize=stylize_video,
                                              options=options, evaluate=evaluate) for item in listing.items],
                           max_concurrent)
    result = BatchResult.collect(source, destination, outcomes, listing.refused)
    publish_batch_report(result)
    if result.failed:
        error = BatchFailedError(result)
        return Failed(message=str(error), data=error)
    return result


if __name__ == "__main__":
    import sys

    examples = Path(__file__).resolve().parents[1] / "examples"
    print(stylize_folder(sys.argv[1] if len(sys.argv) > 1 else str(examples),
                         sys.argv[2] if len(sys.argv) > 2 else str(examples / "stylized"),
                         [sys.argv[3] if len(sys.argv) > 3 else str(examples / "starrynight.jpg")]).summary())
