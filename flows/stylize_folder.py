"""The ``stylize_folder`` flow: every video under a folder or ``s3://`` prefix,
stylized into the same relative name under a destination.

check locations → list → style identities and model version → for each video, at most
``max_concurrent`` at once: skip when its manifest is current (or it failed
before on the same bytes), else the ``stylize_video`` subflow then its
manifest → summary table and links. A video that fails is reported with its
reason; the others go on, and the run ends Failed when any failed.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow
from prefect.states import Failed, State
from prefect.task_runners import ThreadPoolTaskRunner

from artify_core.batch import BatchFailedError, BatchResult
from artify_core.settings import FolderRequest
from flows.stylize_video import stylize_video
from tasks.folder import batch_parameters, list_folder, publish_batch_report, run_bounded, stylize_one
from tasks.locations import check_locations
from tasks.models import spec_for
from tasks.stages import forget_stages, publish_failure, run_stages

# Threads for the per-video tasks; the request's max_concurrent (at most this) bounds how many run at once.
MAX_CONCURRENT = 16


@flow(name="stylize-folder", log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=MAX_CONCURRENT),
      on_failure=[publish_failure], on_completion=[forget_stages])
def stylize_folder(request: FolderRequest) -> BatchResult | State:
    """Stylizes every new video under a folder. A failed run leaves a report of the stage it
    stopped in and why (each failed video's own run leaves one too).

    Args:
        request: where the videos are, where their outputs go, and how to stylize them.
    """
    check_locations(request)
    stages = run_stages()
    stages.begin("list videos")
    listing = list_folder(request.source, request.destination)
    stages.begin("identify styles and model")
    settings = request.settings()
    parameters = batch_parameters(settings, spec_for(settings).version)
    stages.begin("stylize videos")
    outcomes = run_bounded(stylize_one, [dict(item=item, settings=settings, parameters=parameters,
                                              stylize=stylize_video, retry_failed=request.retry_failed)
                                         for item in listing.items], request.max_concurrent)
    stages.begin("report")
    result = BatchResult.collect(request.source, request.destination, outcomes, listing.refused)
    publish_batch_report(result)
    if result.failed:
        stages.begin("stylize videos")  # the report is out: what failed is some videos' stylization
        error = BatchFailedError(result)
        return Failed(message=str(error), data=error)
    return result


if __name__ == "__main__":
    import sys

    examples = Path(__file__).resolve().parents[1] / "examples"
    print(stylize_folder(FolderRequest(
        source=sys.argv[1] if len(sys.argv) > 1 else str(examples),
        destination=sys.argv[2] if len(sys.argv) > 2 else str(examples / "stylized"),
        style=[sys.argv[3] if len(sys.argv) > 3 else str(examples / "starrynight.jpg")])).summary())
