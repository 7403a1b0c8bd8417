"""``artify batch``: stylize every video under a folder or ``s3://`` prefix.

One line per video (done, skipped, failed with its reason, skipped-failed for
a video that failed before on the same bytes); exit code 0 when every video
was published, up to date or known to be broken, 1 when some failed now, 2
when the source, destination or settings cannot be used at all.
"""

from __future__ import annotations

import argparse

from artify_cli.options import add_options, request_from
from artify_core.batch.listing import Listing
from artify_core.batch.outcome import BatchResult, VideoOutcome
from artify_core.settings import FolderRequest

EXIT_OK, EXIT_FAILED = 0, 1


def add_batch_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    batch = commands.add_parser("batch", help="stylize every video under a folder or s3:// prefix",
                                description="Stylize every video under SOURCE into DESTINATION, same "
                                            "relative names with .stylized.mp4, each with a .manifest.json "
                                            "beside it.")
    add_options(batch, FolderRequest)
    return batch


def run_batch(args: argparse.Namespace) -> int:
    request = request_from(args, FolderRequest)
    listing = _check(request)
    settled = _all_settled(request, listing)
    if settled is not None:  # nothing new: said from manifests and hashes, without starting a run
        result = BatchResult.collect(request.source, request.destination, settled, listing.refused)
        for outcome in result.outcomes:
            print(outcome.line())
        print(result.summary())
        return EXIT_OK
    from artify_cli.local_server import use_prefect_api

    use_prefect_api(args.verbose)
    from artify_core.batch import BatchFailedError
    from flows.stylize_folder import stylize_folder

    state = stylize_folder(request, return_state=True)
    result = state.result(raise_on_failure=False)
    if isinstance(result, BatchFailedError):
        result = result.result
    elif isinstance(result, BaseException):
        raise result  # the whole batch could not run: main() prints one line
    for outcome in result.outcomes:
        print(outcome.line())
    print(result.summary())
    return EXIT_FAILED if result.failed else EXIT_OK


def _all_settled(request: FolderRequest, listing: Listing) -> list[VideoOutcome] | None:
    from artify_core.batch import BatchParameters
    from artify_core.batch.pending import all_settled
    from artify_core.pipeline.model_spec import spec_for

    settings = request.settings()
    parameters = BatchParameters.create(settings, spec_for(settings).version)
    return all_settled(listing, parameters, need_metrics=settings.evaluate, retry_failed=request.retry_failed)


def _check(request: FolderRequest) -> Listing:
    """Styles and the source listing are checked before Prefect starts (one line, exit 2)."""
    from artify_core.batch import list_videos
    from artify_core.pipeline.locations import check_schemes
    from artify_core.pipeline.preflight import check_request_styles

    check_schemes(request)
    check_request_styles(request)
    return list_videos(request.source, request.destination)
