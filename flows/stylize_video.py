"""The ``stylize_video`` flow: a content video and a style in, a stylized video out.

probe → fingerprint → content cuts → (style video → keyframes) → style plan
→ stylize each chunk (cached on content, smoothed along the flow, seamless
across chunks) → assemble with the original audio → (evaluate).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from prefect import flow
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from artify_core.hashing import combine, params_digest
from artify_core.pipeline.chunks import Chunk, plan_chunks
from artify_core.pipeline.styles import (
    NO_STYLE,
    ScheduleChoice,
    ScheduleSettings,
    StyleInput,
    StylePlan,
    classify_style_sources,
    localized,
)
from artify_core.pipeline.stylize import PIPELINE_VERSION, EncodeSettings
from artify_core.storage import default_store_uri
from artify_core.storage.uri import is_remote
from artify_core.temporal.smoothing import SmoothingSettings
from artify_core.video import VideoInfo
from tasks.artifacts import publish_style_artifacts
from tasks.evaluate import evaluate_output
from tasks.models import ModelSpec
from tasks.progress import report_frames
from tasks.style import (
    CUTS_VERSION,
    KEYFRAMES_VERSION,
    carries_state,
    detect_cuts,
    extract_style_keyframes,
    model_version,
    prepare_style_plan,
)
from tasks.stylize import missing_chunks, stylize_chunk_task
from tasks.results import ArtifactStoreResults, result_storage, stored
from tasks.runners import chunk_task_runner
from tasks.video import assemble, fetch_input, fingerprint, local_output_for, probe, publish_output, scratch_dir


@dataclass(frozen=True)
class StylizeResult:
    output: str
    frames: int
    chunks: int
    chunks_cached: int
    metrics: dict[str, Any] | None = None


def default_output_path(content: str) -> str:
    """``<content name>.stylized.mp4`` beside the content (a local path or an ``s3://`` URI)."""
    folder, _, name = content.rpartition("/")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{folder}/{stem}.stylized.mp4" if folder or content.startswith("/") else f"{stem}.stylized.mp4"


def default_report_dir(output: str) -> str:
    """``<output name>.report/`` beside a local output; in the scratch directory for a remote one."""
    if is_remote(output):
        return str(scratch_dir() / "reports" / Path(default_output_path(output)).stem)
    path = Path(output)
    return str(path.with_name(f"{path.stem}.report"))


def style_input(paths: list[str], weights: list[float], device: str, store_uri: str,
                results: ArtifactStoreResults) -> tuple[StyleInput, list[str], str | None]:
    """One layer's style: local copies, identities for cache keys, keyframes of a style video."""
    sources = classify_style_sources(paths)
    identities = [fingerprint(p) for p in paths]
    local = localized(sources, [fetch_input(p) for p in paths])
    keyframes, keyframes_key = None, None
    if local.video is not None:
        keyframes_key = combine(identities[0], model_version(ModelSpec("arbitrary", device)), KEYFRAMES_VERSION)
        keyframes = stored(extract_style_keyframes, results)(local.video, device, store_uri, key=keyframes_key)
    return StyleInput(local, tuple(weights), keyframes), identities, keyframes_key


@flow(name="stylize-chunks", validate_parameters=False)
def stylize_chunks(info: VideoInfo, chunks: list[Chunk], chunk_keys: list[str], missing: set[str], plan: StylePlan,
                   spec: ModelSpec, height: int | None, strength: float, smoothing: SmoothingSettings | None,
                   cuts: list[int], encode: EncodeSettings, store_uri: str,
                   results: ArtifactStoreResults) -> tuple[list[str], int]:
    """The GPU stage: every chunk submitted to this subflow's task runner (in process, or Dask
    workers); returns the segments' store keys in order and how many came from cache."""
    futures = {stored(stylize_chunk_task, results, refresh_cache=key in missing).submit(
        info, chunk, plan, spec, height, strength, smoothing, cuts, encode, store_uri, key): chunk
        for chunk, key in zip(chunks, chunk_keys)}
    cached = 0
    for future in as_completed(list(futures)):
        future.wait()  # keeps the engine's final state: the API may not have recorded "Cached" yet
        from_cache = future.state.name == "Cached"
        if from_cache or _remote(future):
            report_frames(futures[future].frames)  # frames stylized elsewhere (or not at all) report here
        cached += from_cache
    return [future.result() for future in futures], cached


def _remote(future: Any) -> bool:
    return type(future).__name__ == "PrefectDaskFuture"


@flow(name="stylize-video", log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=1))
def stylize_video(
    content: str,
    style: list[str],
    output: str | None = None,
    model: str = "arbitrary",
    height: int | None = None,
    strength: float = 1.0,
    device: str = "auto",
    chunk_frames: int = 100,
    style_weights: list[float] | None = None,
    fg_style: list[str] | None = None,
    bg_style: list[str] | None = None,
    fg_schedule: ScheduleChoice | None = None,
    bg_schedule: ScheduleChoice | None = None,
    fg_transition_seconds: float | None = None,
    bg_transition_seconds: float | None = None,
    schedule: ScheduleChoice = "auto",
    transition_seconds: float = 1.0,
    smooth: bool = True,
    smooth_strength: float = 0.5,
    smooth_flow: str = "dis",
    evaluate: bool = False,
    report_dir: str | None = None,
    model_options: dict[str, Any] | None = None,
    crf: int = 18,
    preset: str = "medium",
    store: str | None = None,
    allow_truncated: bool = False,
    workers: int = 0,
    dask_address: str | None = None,
) -> StylizeResult:
    output = output or default_output_path(content)
    store_uri = store or default_store_uri()
    results = result_storage(store_uri)
    spec = ModelSpec.create(model, device, model_options)
    weights = style_weights or [1.0] * len(style)
    smoothing = SmoothingSettings(strength=smooth_strength, flow=smooth_flow) if smooth else None
    encode = EncodeSettings(crf=crf, preset=preset)

    local_content = fetch_input(content)
    info = probe(local_content, allow_truncated)
    content_digest = fingerprint(content)
    version = model_version(spec)
    # Cuts reset smoothing, sequence models and evaluation, and drive scenes schedules; nothing else needs them.
    layer_paths = ({"style": style} if fg_style is None and bg_style is None
                   else {"fg": fg_style or style, "bg": bg_style or style})
    run_schedule = ScheduleSettings(schedule, transition_seconds)
    schedules = {"style": run_schedule, "fg": run_schedule.override(fg_schedule, fg_transition_seconds),
                 "bg": run_schedule.override(bg_schedule, bg_transition_seconds)}
    scenes = any(schedules[name].choice == "scenes" for name in layer_paths)
    cuts = (stored(detect_cuts, results)(local_content, key=combine(content_digest, CUTS_VERSION))
            if smooth or evaluate or scenes or carries_state(spec) else [])
    layers, identities, keyframes_key = {}, [], None
    for name, paths in layer_paths.items():
        if paths == [NO_STYLE]:
            layers[name] = None
            continue
        layer_weights = weights if name == "style" else [1.0] * len(paths)
        layers[name], layer_identities, layer_keyframes_key = style_input(paths, layer_weights, device, store_uri,
                                                                          results)
        layers[name] = replace(layers[name], schedule=schedules[name])
        identities += layer_identities
        keyframes_key = keyframes_key or layer_keyframes_key
    plan_params = {"layers": {k: v if v == [NO_STYLE] else len(v) for k, v in layer_paths.items()}, "weights": weights,
                   "schedule": schedule, "transition": transition_seconds, "frames": info.frames, "fps": str(info.fps),
                   "cuts": cuts, "keyframes": KEYFRAMES_VERSION}
    if "style" not in layer_paths:  # layered runs: each layer's own schedule (single-style keys unchanged)
        plan_params["layer_schedules"] = {k: [schedules[k].choice, schedules[k].transition_seconds] for k in layers}
    plan_key = combine(version, *identities, params_digest(plan_params))
    plan = stored(prepare_style_plan, results)(layers, spec, schedule, info.frames, info.fps, cuts,
                                               transition_seconds, key=plan_key)
    publish_style_artifacts(plan, store_uri, keyframes_key)

    params = params_digest({"height": height, "strength": strength, "crf": crf, "preset": preset,
                            "smoothing": smoothing, "model_options": spec.options, "pipeline": PIPELINE_VERSION})
    chunks = plan_chunks(info.frames, chunk_frames)
    chunk_keys = [combine(content_digest, plan_key, params, f"{c.start}-{c.end}") for c in chunks]
    missing = missing_chunks(store_uri, chunk_keys)
    # On Dask the chunk stage is a subflow with its own task runner; in process it runs on this
    # flow's one-thread runner, without a subflow run's start-up and teardown.
    chunk_stage = (stylize_chunks.with_options(task_runner=chunk_task_runner(workers, dask_address, device))
                   if workers or dask_address else stylize_chunks.fn)
    segments, cached = chunk_stage(info, chunks, chunk_keys, missing, plan, spec, height, strength, smoothing,
                                   cuts, encode, store_uri, results)
    assembled = assemble(store_uri, segments, info, local_output_for(output))

    metrics = None
    if evaluate:
        reference = next(layer for layer in (layers.get("style"), layers.get("fg"), layers.get("bg")) if layer)
        metrics = evaluate_output(assembled, local_content, reference.references, plan, cuts,
                                  report_dir or default_report_dir(output))
    published = publish_output(assembled, output)
    return StylizeResult(published, info.frames, len(chunks), cached, metrics)


if __name__ == "__main__":
    import sys

    media = Path(__file__).resolve().parents[1] / "examples"
    print(stylize_video(sys.argv[1] if len(sys.argv) > 1 else str(media / "bikes_3s.mp4"),
                        [sys.argv[2] if len(sys.argv) > 2 else str(media / "starrynight.jpg")]))
