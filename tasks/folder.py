"""Tasks of the folder scan: list, stylize one video (a subflow) with its manifest,
report the batch. Each video's failure is caught and reported, never raised, so
one bad file cannot stop the others."""

from __future__ import annotations

import time
from pathlib import PurePosixPath
from typing import Any, Callable, Sequence

from prefect import Task, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.artifacts import create_table_artifact
from prefect.futures import PrefectFuture, as_completed

from artify_core.batch import (
    BatchItem,
    BatchParameters,
    BatchResult,
    Listing,
    VideoOutcome,
    build_manifest,
    clear_failure,
    failure_reason,
    list_videos,
    prepare_output,
    record_failure,
    staged_report,
    write_manifest,
)
from artify_core.batch.pending import settled
from artify_core.errors import VideoError
from artify_core.pipeline.naming import report_name
from artify_core.settings import StylizeSettings, VideoRequest
from artify_core.storage.uri import browser_url, is_remote, remote_identity

# Presigned links in the UI outlive a run by a week, the longest SigV4 allows.
LINK_LIFETIME_S = 7 * 24 * 3600
# Files of an evaluation report worth a click (artify_core.metrics writes them).
REPORT_LINKS = {"per_frame.png": "per-frame plot", "contact_sheet.png": "contact sheet"}


@task(cache_policy=NO_CACHE, task_run_name="list videos")
def list_folder(source: str, destination: str) -> Listing:
    return list_videos(source, destination)


@task(cache_policy=NO_CACHE, task_run_name="identify styles and model")
def batch_parameters(settings: StylizeSettings, model_version: str) -> BatchParameters:
    """The parameters every manifest is compared on; styles hashed or HEAD-ed once per scan."""
    return BatchParameters.create(settings, model_version)


@task(cache_policy=NO_CACHE, task_run_name="video {item.relative}")
def stylize_one(item: BatchItem, settings: StylizeSettings, parameters: BatchParameters,
                stylize: Callable[..., Any], retry_failed: bool) -> VideoOutcome:
    """Skips ``item`` when its manifest is current or it failed before on the same bytes, else runs
    ``stylize`` (the ``stylize_video`` flow, so a subflow run) and publishes the manifest after the
    output; a failure of the video's own (corrupt, unsupported) is recorded beside the output."""
    started, identity = time.monotonic(), None
    try:
        identity = remote_identity(item.input_uri)
        outcome = settled(item, identity, parameters, need_metrics=settings.evaluate, retry_failed=retry_failed)
        if outcome is not None:
            return outcome
        prepare_output(item)
        with staged_report(item, settings.evaluate) as report_dir:
            request = VideoRequest.model_validate({**settings.model_dump(), "content": item.input_uri,
                                                   "output": item.output_uri, "report": report_dir or ""})
            result = stylize(request)
        seconds = time.monotonic() - started
        write_manifest(item.manifest_uri, build_manifest(item, identity, parameters, frames=result.frames,
                                                         chunks=result.chunks, seconds=seconds,
                                                         metrics=result.metrics))
        clear_failure(item.failure_uri)
    except Exception as error:  # reported per video; the batch goes on
        reason = failure_reason(error)
        get_run_logger().warning("%s: failed: %s", item.relative, reason)
        if isinstance(error, VideoError) and identity is not None:
            record_failure(item.failure_uri, item.input_uri, identity, reason)
        return VideoOutcome(item.relative, item.input_uri, None, "failed", reason)
    return VideoOutcome(item.relative, item.input_uri, item.output_uri, "done", None, result.frames,
                        round(seconds, 2), report_name(item.output_uri) if settings.evaluate else None)


def run_bounded(task: Task[..., VideoOutcome], calls: Sequence[dict[str, Any]], limit: int) -> list[VideoOutcome]:
    """Submits ``task(**call)`` for each call with at most ``limit`` running at once;
    results in call order."""
    running: list[PrefectFuture[VideoOutcome]] = []
    futures: list[PrefectFuture[VideoOutcome]] = []
    for call in calls:
        if len(running) >= limit:
            running.remove(next(as_completed(running)))
        future = task.submit(**call)
        running.append(future)
        futures.append(future)
    return [future.result() for future in futures]


@task(cache_policy=NO_CACHE, task_run_name="report batch")
def publish_batch_report(result: BatchResult) -> None:
    """One table of every video: its status, a link to its output and to its evaluation report,
    and why it failed. Prefect draws text cells as markdown, so links work in the table;
    ``s3://`` ones are presigned, local files are named as paths (a browser refuses ``file://``)."""
    create_table_artifact(key="stylize-folder-summary", table=summary_rows(result),
                          description=f"{result.summary()} -> {result.destination}")
    get_run_logger().info(result.summary())


def summary_rows(result: BatchResult) -> list[dict[str, Any]]:
    """``BatchResult.table()`` with the output and report as markdown links."""
    rows = []
    for outcome, row in zip(result.outcomes, result.table()):
        output, report = outcome.output_uri, outcome.report_uri
        row["output"] = _link(output, PurePosixPath(output).name) if output else ""
        row["report"] = " · ".join(_link(f"{report}/{name}", text) for name, text in REPORT_LINKS.items()) \
            if report else ""
        row["reason"] = row.pop("reason")  # last: the longest
        rows.append(row)
    return rows


def _link(uri: str, text: str) -> str:
    if is_remote(uri):
        return f"[{text}]({browser_url(uri, LINK_LIFETIME_S)})"
    return f"`{uri}`"
