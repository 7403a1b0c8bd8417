"""What a person sees in Prefect's UI: the result, progress, the style schedule, keyframes, evaluation.

Pictures must load in a browser wherever the run happened, so they are never ``file://`` links:
with a local store they are inlined as ``data:`` URIs (compact JPEGs, and the result's
before/after as an animated WebP of at most 290 kB); with an object store they are uploaded there
and shown through presigned ``https`` links.
Artifact keys carry the video's name and identity, so the catalog keeps each video's history.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
from prefect import get_run_logger
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

from artify_core.before_after import BeforeAfter
from artify_core.foundation.hashing import combine
from artify_core.images import AnimatedImage, compact_jpeg, data_uri, jpeg_bytes, labelled_grid, load_image
from artify_core.keyframes.contact_sheet import render_contact_sheet
from artify_core.metrics.figures import figure_rows
from artify_core.metrics.results import EvaluationResult
from artify_core.pipeline.styles import LayeredStylePlan, StyleInput, StylePlan
from artify_core.storage import open_store
from artify_core.storage.uri import browser_url, is_remote
from artify_core.video.timing import rate_label

# A picture inlined in an artifact stays below this (Prefect keeps artifacts in its database).
INLINE_BYTES = 150_000
# Presigned links in the UI outlive a run by a week, the longest SigV4 allows.
LINK_LIFETIME_S = 7 * 24 * 3600
# How often a progress artifact is written, at most (each update is one API call).
PROGRESS_INTERVAL_S = 2.0


def artifact_key(name: str, identity: str, kind: str) -> str:
    """``bikes-1e0f47de-result``: lowercase letters, digits and dashes, unique per video and kind."""
    stem = re.sub(r"[^a-z0-9]+", "-", PurePosixPath(name).stem.lower()).strip("-")[:40] or "video"
    return f"{stem}-{combine(identity)[:8]}-{kind}"


def picture(pixels: np.ndarray, alt: str, store_uri: str, identity: str) -> str:
    """Markdown showing ``pixels`` in the UI: a presigned link to a copy in an object store, else an
    inlined compact JPEG."""
    if is_remote(store_uri):
        data = jpeg_bytes(pixels, max_width=1920)
        key = f"pictures/{combine(identity, alt)[:32]}.jpg"
        store = open_store(store_uri)
        store.put_bytes(key, data)
        return f"![{alt}]({store.presigned_url(key, LINK_LIFETIME_S)})"
    return f"![{alt}]({data_uri(compact_jpeg(pixels, max_bytes=INLINE_BYTES))})"


class ProgressArtifact:
    """A progress artifact that follows frames as they complete (at most one update every
    ``PROGRESS_INTERVAL_S``, and always at the end)."""

    def __init__(self, key: str, total: int, description: str) -> None:
        self.total, self.done, self._last = max(1, total), 0, 0.0
        self.id = create_progress_artifact(progress=0.0, key=key, description=description)

    def advance(self, frames: int) -> None:
        self.done = min(self.total, self.done + frames)
        now = time.monotonic()
        if self.done >= self.total or now - self._last >= PROGRESS_INTERVAL_S:
            self._last = now
            update_progress_artifact(artifact_id=self.id, progress=round(100.0 * self.done / self.total, 1))


def label_run(spec: Any) -> None:
    """Tags the running flow run with the model and the device it actually uses (``model:gatys``,
    ``device:cuda``), beside the tags it already has (a deployment's)."""
    from prefect.client.orchestration import get_client
    from prefect.runtime import flow_run

    if not flow_run.id:
        return
    with get_client(sync_client=True) as client:
        current = client.read_flow_run(flow_run.id).tags
        wanted = ["artify", f"model:{spec.name}", f"device:{spec.resolved_device}"]
        client.update_flow_run(flow_run.id, tags=sorted(set(current) | set(wanted)))


def publish_style_artifacts(plan: StylePlan | LayeredStylePlan, layers: dict[str, StyleInput | None],
                            store_uri: str, name: str, identity: str) -> None:
    """Each layer's schedule as a table with its styles' thumbnails (and a style video's keyframe sheet)."""
    titles = {"style": "Style schedule", "fg": "Foreground schedule", "bg": "Background schedule"}
    plans = ({"style": plan} if isinstance(plan, StylePlan) else {"fg": plan.foreground, "bg": plan.background})
    parts = []
    for layer, layer_plan in plans.items():
        source = layers.get(layer)
        if layer_plan is None or source is None:
            parts += [f"## {titles[layer]}", "", "none: this layer keeps its original pixels", ""]
            continue
        parts += [f"## {titles[layer]} ({layer_plan.schedule.mode})", "", *_schedule_rows(layer_plan), ""]
        thumbnails = [(reference.pixels, [f"{k}: {_short(reference.name) or _style_name(layer_plan, k)}"])
                      for k, reference in enumerate(source.references)]
        if thumbnails:
            parts += [picture(labelled_grid(thumbnails, thumb_width=200, columns=6), f"{layer} styles", store_uri,
                              identity + layer + "styles"), ""]
        if source.keyframes is not None:
            parts += ["### Keyframes of the style video", "",
                      picture(np.asarray(render_contact_sheet(source.keyframes)), f"{layer} keyframes", store_uri,
                              identity + layer + "keyframes"), ""]
    create_markdown_artifact(key=artifact_key(name, identity, "style-schedule"), markdown="\n".join(parts),
                             description=f"which style each part of {name} gets")


def _schedule_rows(plan: StylePlan) -> list[str]:
    schedule, fps = plan.schedule, float(plan.schedule.fps)
    rows = ["| from (s) | to (s) | style | transition (s) |", "| --- | --- | --- | --- |"]
    bounds = [0.0, *(t.at for t in schedule.transitions), float(schedule.frames)]
    widths = [0.0, *(t.width for t in schedule.transitions)]
    for k, style in enumerate(schedule.runs):
        rows.append(f"| {bounds[k] / fps:.2f} | {bounds[k + 1] / fps:.2f} | {style}: {_style_name(plan, style)} | "
                    f"{widths[k] / fps:.2f} |")
    return rows


@dataclass(frozen=True)
class RunFacts:
    """What one stylize-video run made, for the result artifact and its log line."""

    output: str
    frames: int
    fps: Fraction
    duration: float
    width: int
    height: int
    size_bytes: int
    model: str
    precision: str
    device: str
    style: str
    chunks: int
    chunks_cached: int
    stages: dict[str, float]

    @property
    def seconds(self) -> float:
        return sum(self.stages.values())

    @property
    def frames_per_second(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else float("nan")

    def line(self) -> str:
        return (f"{self.output}: {self.frames} frames, {self.duration:.2f} s at {rate_label(self.fps)} fps, "
                f"{self.width}x{self.height}, {self.size_bytes / 1e6:.1f} MB; {self.model} ({self.precision}) on "
                f"{self.device} with {self.style}; {self.chunks} chunk(s): {self.chunks - self.chunks_cached} "
                f"stylized, {self.chunks_cached} from cache; {self.seconds:.1f} s, {self.frames_per_second:.1f} "
                f"frames/s ({_stage_times(self.stages)})")


def publish_result(facts: RunFacts, loop: BeforeAfter | None, store_uri: str, name: str, identity: str) -> None:
    """The result artifact (where the output is, what it is, what the run did, a playable
    before/after), a link artifact to the output in object storage, and the same facts in one
    log line."""
    if is_remote(facts.output):
        create_link_artifact(key=artifact_key(name, identity, "output"),
                             link=browser_url(facts.output, LINK_LIFETIME_S), link_text=Path(facts.output).name,
                             description=f"the stylized video {facts.output}")
    facts_list = [
        f"- **output**: {location(facts.output)}",
        f"- **video**: {facts.frames} frames, {facts.duration:.2f} s at {rate_label(facts.fps)} fps, "
        f"{facts.width}×{facts.height}, {facts.size_bytes / 1e6:.1f} MB",
        f"- **model**: {facts.model} ({facts.precision}) on {facts.device}, style {facts.style}",
        f"- **chunks**: {facts.chunks - facts.chunks_cached} stylized, {facts.chunks_cached} from cache",
        f"- **time**: {facts.seconds:.1f} s, {facts.frames_per_second:.1f} frames/s: {_stage_times(facts.stages)}",
    ]
    create_markdown_artifact(key=artifact_key(name, identity, "result"),
                             markdown="\n".join([f"## {Path(facts.output).name}", "", *facts_list, "",
                                                 *_loop_section(loop, store_uri, identity)]),
                             description=f"result of stylizing {name}")
    get_run_logger().info(facts.line())


def _loop_section(loop: BeforeAfter | None, store_uri: str, identity: str) -> list[str]:
    if loop is None:
        return ["No before/after: it could not be made (the run's logs say why)."]
    window, image = loop.window, loop.image
    which = "all of the output" if loop.whole else f"the {loop.seconds:.1f} s of the output that move most"
    return ["### Before / after", "",
            f"Content on the left, stylized on the right: frames {window.start}–{window.end - 1}, {which}, played "
            f"at {image.fps:.3g} frames/s ({image.width}×{image.height}, {len(image.data) / 1000:.0f} kB).", "",
            animation(image, "content | stylized", store_uri, identity + "before-after")]


def animation(image: AnimatedImage, alt: str, store_uri: str, identity: str) -> str:
    """Markdown playing ``image``: a presigned link to a copy in an object store, else inlined."""
    if is_remote(store_uri):
        key = f"pictures/{combine(identity, alt)[:32]}.{image.mime.split('/')[-1]}"
        store = open_store(store_uri)
        store.put_bytes(key, image.data)
        return f"![{alt}]({store.presigned_url(key, LINK_LIFETIME_S)})"
    return f"![{alt}]({data_uri(image.data, image.mime)})"


def location(uri: str) -> str:
    """Markdown for where a file is: a presigned link to an ``s3://`` object; a local path or an
    ``s3://`` prefix as text (a browser refuses ``file://`` links; a prefix has no one URL)."""
    if not is_remote(uri):
        return f"`{uri}` (on the machine that ran it)"
    if uri.endswith("/"):
        return f"`{uri}`"
    return f"[{uri}]({browser_url(uri, LINK_LIFETIME_S)}) (link valid for 7 days)"


def _stage_times(stages: dict[str, float]) -> str:
    return ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in stages.items())


def publish_evaluation_artifacts(result: EvaluationResult, store_uri: str, name: str, identity: str) -> None:
    """The whole-video figures as a readable table, and the per-frame plot and contact sheet."""
    create_table_artifact(key=artifact_key(name, identity, "evaluation"), table=figure_rows(result),
                          description=f"quality of {Path(result.stylized).name}: what each figure means")
    if result.report is None:
        return
    parts = [f"## Evaluation of {Path(result.stylized).name}", ""]
    for label, path in (("per-frame metrics", result.report.plot), ("content | stylized", result.report.contact_sheet)):
        parts += [f"### {label}", "", picture(load_image(path), label, store_uri, identity + label), ""]
    create_markdown_artifact(key=artifact_key(name, identity, "evaluation-report"), markdown="\n".join(parts),
                             description=f"per-frame plot and contact sheet of {Path(result.stylized).name}")


def _style_name(plan: StylePlan, style: int) -> str:
    return _short(plan.names[style]) if style < len(plan.names) else str(style)


def _short(name: str) -> str:
    """A style's name as people know it: file names without their folders (``starrynight.jpg``,
    ``fg wave.jpg / bg candy.jpg``)."""
    return "+".join(re.sub(r"\S*/(\S+)", r"\1", part) for part in str(name).split("+"))
