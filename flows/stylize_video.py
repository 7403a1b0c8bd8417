"""The ``stylize_video`` flow: a content video and a style in, a stylized video out.

check locations, inputs and store → fetch → probe → fingerprint → content cuts → (style
video → keyframes) → style plan → stylize each chunk (found in the store or
stylized, smoothed along the flow, seamless across chunks) → assemble with the
original audio → check every planned frame is there → (evaluate) → publish.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from prefect import flow
from prefect.futures import as_completed
from prefect.states import Completed
from prefect.task_runners import ThreadPoolTaskRunner

from artify_core.foundation.paths import default_store_uri, scratch_dir
from artify_core.foundation.publish import sweep_older_than, sweep_parts, sweep_scratch
from artify_core.pipeline import keys
from artify_core.pipeline.excerpt import plan_excerpt
from artify_core.pipeline.naming import output_name, report_name
from artify_core.pipeline.preflight import check_video_request
from artify_core.pipeline.recipe import ChunkRecipe
from artify_core.pipeline.styles import StyleInput, classify_style_sources, localized
from artify_core.pipeline.handover import ChunkHandover
from artify_core.settings import NO_STYLE, ScheduleOptions, VideoRequest
from artify_core.storage.local import DIGESTS
from artify_core.storage.uri import is_remote
from artify_core.video import output_size
from artify_core.video.encoders import resolve_encoder
from artify_core.video.timing import rate_label
from tasks.artifacts import (
    ProgressArtifact,
    RunFacts,
    artifact_key,
    label_run,
    publish_result,
    publish_style_artifacts,
)
from tasks.evaluate import evaluate_output
from tasks.locations import check_locations
from tasks.models import ModelSpec, spec_for
from tasks.progress import add_listener, report_frames
from tasks.runners import chunk_task_runner
from tasks.style import detect_cuts, extract_style_keyframes, prepare_style_plan
from tasks.stages import forget_stages, publish_failure, run_stages
from tasks.stylize import ChunkJob, ChunkOutcome, stylize_chunk_task
from tasks.video import (
    assemble,
    check_output,
    before_after,
    fetch_input,
    fingerprint,
    local_output_for,
    probe,
    publish_output,
    record_published,
)


# Downloads left by runs that died are removed once no run has touched them for this long.
DOWNLOADS_KEPT_S = 24 * 3600


@dataclass(frozen=True)
class StylizeResult:
    output: str
    frames: int
    chunks: int
    chunks_cached: int
    metrics: dict[str, Any] | None = None


def run_name() -> str:
    """``bikes · starrynight``: the content and the style, as the runs list shows them."""
    from prefect.runtime import flow_run

    request = VideoRequest.model_validate(flow_run.parameters["request"])
    return f"{_stem(request.content)} · {describe_style(request)}"


@flow(name="stylize-video", log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=1),
      flow_run_name=run_name, on_failure=[publish_failure], on_completion=[forget_stages])
def stylize_video(request: VideoRequest) -> StylizeResult:
    """Stylizes one video. A failed run leaves a report of the stage it stopped in and why.

    Args:
        request: the content, the style, where the output goes and how to stylize it.
    """
    check_locations(request)
    stages = run_stages()
    stages.begin("check inputs")
    preflight = check_video_request(request)  # a local content is probed here, once for the run
    output = request.output or output_name(request.content)
    run = request.execution
    store = run.store or default_store_uri()
    _sweep_leftovers(output, store)
    spec = spec_for(request)
    # The encoder that runs, not "auto", shapes the pixels and so the chunks' keys.
    request = request.model_copy(update={"encoding": request.encoding.model_copy(
        update={"encoder": resolve_encoder(request.encoding.encoder, spec.device)})})
    label_run(spec)

    stages.begin("fetch and probe")
    local_content = fetch_input(request.content, "content")
    info = preflight.info if preflight.info is not None else \
        probe(local_content, run.allow_truncated, request.height, request.content)
    content_id = fingerprint(request.content, "content")
    name = Path(request.content).name
    schedules = _layer_schedules(request)
    needs_cuts = request.smoothing.smooth or request.evaluate or spec.stateful \
        or any(schedule.schedule == "scenes" for schedule in schedules.values())
    stages.begin("content cuts")
    cuts = detect_cuts(local_content, store, keys.cuts_key(content_id)) if needs_cuts else []

    stages.begin("styles")
    layers, identities = {}, []
    for layer, paths in request.layer_styles().items():
        if paths == [NO_STYLE]:
            layers[layer] = None
            continue
        weights = request.schedule.style_weights if layer == "style" else []
        layers[layer], layer_ids = style_input(paths, weights, run.device, store, layer, schedules[layer])
        identities += layer_ids
    plan_key = keys.plan_key(spec.version, identities, {k: len(v) if v != [NO_STYLE] else NO_STYLE
                                                        for k, v in request.layer_styles().items()},
                             {k: v.model_dump(mode="json") for k, v in schedules.items()}, info.frames,
                             keys.timeline_identity(info.fps, info.times.seconds() if info.times.variable else None),
                             cuts)
    plan = prepare_style_plan(layers, spec, request.schedule, info, cuts, store, plan_key)
    reference = next(layer for layer in (layers.get("style"), layers.get("fg"), layers.get("bg")) if layer)
    publish_style_artifacts(plan, layers, store, name, content_id)

    # An excerpt's chunks are the whole video's chunks clipped to it: inner ones share a full run's keys.
    excerpt = plan_excerpt(info, run.chunk_frames, request.start or None, request.duration or None)
    chunks, frames = excerpt.chunks, excerpt.frames
    width, height = output_size(info, request.height)
    print(f"{name}: {info.width}x{info.height}, {info.frames} frames at {rate_label(info.fps)} fps "
          f"({info.duration:.2f} s; {info.times.describe()}) -> {width}x{height}; frames {frames.start}-"
          f"{frames.end - 1} in {len(chunks)} chunk(s) of up to {run.chunk_frames} frames; {spec.name} on "
          f"{spec.resolved_device}; store {store}")
    settings_digest = request.output_digest()
    recipe = ChunkRecipe.from_request(request, cuts)
    jobs = [ChunkJob(info, chunk, plan, spec, recipe, request.encoding, store,
                     keys.chunk_key(content_id, plan_key, settings_digest, chunk.start, chunk.end))
            for chunk in chunks]
    progress = ProgressArtifact(artifact_key(name, content_id, "progress"), frames.frames,
                                f"stylizing {name}: {frames.frames} frames in {len(chunks)} chunk(s)")
    remove = add_listener(progress.advance)
    stages.begin("stylize")
    try:
        if run.workers or run.dask_address:
            outcomes = stylize_chunks.with_options(
                task_runner=chunk_task_runner(run.workers, run.dask_address, run.device))(jobs)
        else:  # one at a time: a failure stops the run; neighbours share the frames both stylize
            handover = ChunkHandover()
            outcomes = [stylize_chunk_task(job, handover).result() for job in jobs]
    finally:
        remove()

    stages.begin("assemble")
    whole = frames.frames == info.frames
    assembled = local_output_for(output)
    try:
        assemble(store, [o.key for o in outcomes], info, assembled, None if whole else excerpt.audio_window,
                 [chunk.start for chunk in chunks])
        check_output(assembled, excerpt.times, output)  # nothing short is ever published
        metrics = None
        if request.evaluate:
            stages.begin("evaluate")
            metrics = evaluate_output(assembled, local_content, reference.references, plan, cuts,
                                      request.report or _report_dir(output), store, name, content_id, frames.start)
        stages.begin("before/after")
        loop = before_after(info, assembled, cuts, frames.start)
        stages.begin("publish")
        size = Path(assembled).stat().st_size
        published = publish_output(assembled, output)
        record_published(store, request, content_id, spec, published, frames.frames)
        stages.begin("result")  # what the facts report is done
        facts = RunFacts(output=output, frames=frames.frames, fps=info.fps, duration=float(frames.duration),
                         width=width, height=height, size_bytes=size, model=spec.name, precision=spec.precision,
                         device=spec.resolved_device, style=describe_style(request), chunks=len(chunks),
                         chunks_cached=sum(o.cached for o in outcomes), stages=dict(stages.seconds))
        publish_result(facts, loop, store, name, content_id)
    finally:
        Path(assembled).unlink(missing_ok=True)  # published by now, or refused, or never whole (a full disk)
    if is_remote(request.content):
        Path(local_content).unlink(missing_ok=True)  # downloaded for this run; the next one fetches its own
    result = StylizeResult(published, frames.frames, len(chunks), facts.chunks_cached, metrics)
    return Completed(message=facts.line(), data=result)  # callers get ``result``; the UI shows the message


def chunks_run_name() -> str:
    from prefect.runtime import flow_run

    jobs = flow_run.parameters["jobs"]
    return f"chunks · {_stem(jobs[0].info.path)}" if jobs else "chunks"


@flow(name="stylize-chunks", validate_parameters=False, flow_run_name=chunks_run_name)
def stylize_chunks(jobs: list[ChunkJob]) -> list[ChunkOutcome]:
    """The chunks fanned out to this subflow's task runner (Dask workers), in order. The first
    failure cancels the chunks not yet started and fails the run."""
    futures = [stylize_chunk_task.submit(job) for job in jobs]
    try:
        for future in as_completed(futures):
            report_frames(future.result().frames)  # frames stylized on a worker report here
    except BaseException:
        for future in futures:
            future.wrapped_future.cancel()  # Dask's (or the thread pool's) own future
        raise
    return [future.result() for future in futures]


def style_input(paths: list[str], weights: list[float], device: str, store: str, role: str,
                schedule: ScheduleOptions | None = None) -> tuple[StyleInput, list[str]]:
    """One layer's style: local copies, identities for cache keys, keyframes of a style video."""
    sources = classify_style_sources(paths)
    label = {"style": "style", "fg": "foreground style", "bg": "background style"}[role]
    identities = [fingerprint(p, label) for p in paths]
    local = localized(sources, [fetch_input(p, label) for p in paths])
    keyframes = None
    if local.video is not None:
        key = keys.keyframes_key(identities[0], ModelSpec.create("arbitrary", device).version)
        keyframes = extract_style_keyframes(local.video, device, store, key)
    return StyleInput(local, tuple(weights or [1.0] * len(paths)), keyframes, schedule), identities


def describe_style(request: VideoRequest) -> str:
    """``starrynight``, ``wave+udnie``, ``fg wave / bg none``: the style as a run's name shows it."""
    def names(paths: list[str]) -> str:
        return "+".join(_stem(p) for p in paths) or "main style"

    fg, bg = request.segmented.fg_style, request.segmented.bg_style
    if fg or bg:
        return f"fg {names(fg or request.style)} / bg {names(bg or request.style)}"
    return names(request.style)


def _stem(path: str) -> str:
    return PurePosixPath(path).stem if path != NO_STYLE else NO_STYLE


def _layer_schedules(request: VideoRequest) -> dict[str, ScheduleOptions]:
    """The run's schedule, and each layer's own (its choice and transition where given)."""
    run = request.schedule
    return {"style": run, "fg": request.segmented.layer_schedule("fg", run),
            "bg": request.segmented.layer_schedule("bg", run)}


def _report_dir(output: str) -> str:
    """Beside a local output; in the scratch folder for a remote one."""
    report = report_name(output)
    return str(scratch_dir() / "reports" / report.rsplit("/", 1)[-1]) if is_remote(output) else report


def _sweep_leftovers(output: str, store: str) -> None:
    """Removes what runs that died left behind: temporary files beside the output, scratch folders."""
    if not is_remote(output):
        target = Path(output).expanduser()
        sweep_parts(target.parent, target.name)
    if not is_remote(store):  # a chunk or cached value (or its digest) whose copy into the store was cut short
        root = Path(store).expanduser()
        for name in ("chunks", "cuts", "plans", "published"):
            sweep_parts(root / name)
            sweep_parts(root / DIGESTS / name)
    sweep_scratch()
    sweep_scratch(scratch_dir() / "outputs")
    sweep_older_than(scratch_dir() / "inputs", DOWNLOADS_KEPT_S)


if __name__ == "__main__":
    import sys

    media = Path(__file__).resolve().parents[1] / "examples"
    print(stylize_video(VideoRequest(content=sys.argv[1] if len(sys.argv) > 1 else str(media / "bikes_3s.mp4"),
                                     style=[sys.argv[2] if len(sys.argv) > 2 else str(media / "starrynight.jpg")])))
