"""Evaluating a stylized video against its content and style: figures, JSON, report.

``evaluate_video`` decodes both videos in lockstep, batch by batch (memory is
bounded by the batch size), and measures per frame:

* warping error of the output and of the content (``warping``) and their ratio;
* SSIM between output and content luminance (``ssim``);
* style distance of the output to the style image(s) (``style``).

With ``report_dir`` it also writes ``metrics.json``, a per-frame plot
(``per_frame.png``), a contact sheet (content | stylized for a few frames,
``contact_sheet.png``) and ``report.md`` tying them together.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from artify_core.errors import InputError
from artify_core.images import load_image
from artify_core.keyframes.schedule import StyleSchedule
from artify_core.metrics.figures import contact_sheet, plot_per_frame, render_markdown
from artify_core.metrics.results import ContactSample, EvaluationResult, PerFrameMetrics, ReportFiles
from artify_core.metrics.ssim import ssim
from artify_core.metrics.style import (
    StyleBackbone,
    StyleTarget,
    arbitrary_backbone,
    prepare_style_target,
    style_distances_to_each,
)
from artify_core.metrics.warping import WarpingErrorMeter
from artify_core.models.base import StyleImage
from artify_core.temporal.estimators import load_flow_estimator
from artify_core.temporal.flow import FlowEstimator
from artify_core.video import VideoInfo, iter_frames, probe_video

_log = logging.getLogger(__name__)
StyleSource = str | Path | np.ndarray | StyleImage
# Full-resolution DIS "medium" for evaluation: slower than what smoothing uses,
# so the metric's flow is not the very flow the smoother followed.
EVALUATION_FLOW = {"preset": "medium", "scale": 1.0}
def evaluate_video(
    stylized_path: str | Path,
    content_path: str | Path,
    style_images: Sequence[StyleSource],
    *,
    backbone: StyleBackbone | None = None,
    flow: FlowEstimator | None = None,
    cuts: Sequence[int] = (),
    batch_frames: int = 16,
    max_frames: int | None = None,
    report_dir: str | Path | None = None,
    contact_frames: int = 4,
    schedule: StyleSchedule | None = None,
    content_start: int = 0,
    on_frames: Callable[[int], None] | None = None,
) -> EvaluationResult:
    """Measures a stylized video against its content video and style image(s).

    Args:
        stylized_path, content_path: videos with the same frame count; the
            content is decoded at the stylized video's height when they differ.
        style_images: paths, RGB uint8 (H, W, 3) arrays or ``StyleImage`` (weighted).
        backbone: networks for the style distance; the arbitrary model's by default.
        flow: content-flow estimator for warping errors; DIS "medium" at full resolution by default.
        cuts: frames starting a new shot; their pair with the previous frame is
            left out of the warping errors (none by default, as in Lai et al.).
        max_frames: evaluate only the first frames.
        on_frames: called with the number of frames measured after each batch (progress).
        report_dir: where to write the JSON, plot, contact sheet and report; None writes nothing.
        contact_frames: frames sampled (evenly) for the contact sheet.
        schedule: styles that change over time (a style video's keyframes);
            ``style_images[i]`` is then style id i, each frame's style distance
            is to the style the schedule gives it most weight, and the distance
            to every style is kept per frame (``style_distance_by_style``).
        content_start: the content frame the stylized video starts at (an excerpt
            made with ``--start``); schedules and cuts are in whole-content frames.
    """
    started = time.perf_counter()
    stylized_info, content_info = probe_video(stylized_path), probe_video(content_path)
    frames = _frame_count(stylized_info, content_info, max_frames, content_start)
    cuts = [c - content_start for c in cuts if c > content_start]
    backbone = backbone or arbitrary_backbone()
    flow = flow or load_flow_estimator("dis", **EVALUATION_FLOW)
    pixels, weights = _style_pixels(style_images)
    if schedule is None:
        targets, scheduled = [prepare_style_target(pixels, backbone, weights=weights)], np.zeros(frames, np.int64)
    else:
        if len(pixels) != schedule.n_styles:
            raise InputError(f"the schedule has {schedule.n_styles} styles; got {len(pixels)} style images")
        targets = [prepare_style_target([image], backbone) for image in pixels]
        if schedule.frames < content_start + frames:
            raise InputError(f"the schedule covers {schedule.frames} frames; the evaluation needs "
                             f"{content_start + frames}")
        scheduled = np.where(schedule.mix >= 0.5, schedule.style_b,
                             schedule.style_a)[content_start:content_start + frames]
    sampler = ContactSampler(frames, contact_frames)
    batches = _paired_batches(stylized_info, content_info, frames, batch_frames, content_start)
    per_frame = _measure(batches, WarpingErrorMeter(flow, cuts=cuts), targets, scheduled, backbone, sampler,
                         on_frames)
    per_frame = replace(per_frame, seconds=stylized_info.times.seconds(0, frames))
    embedding = per_frame.style_distance_embedding
    result = EvaluationResult(
        stylized=str(stylized_path), content=str(content_path), frames=frames,
        warping_error=_mean(per_frame.warping_error), warping_error_content=_mean(per_frame.warping_error_content),
        warping_error_ratio=_ratio(per_frame),
        style_distance=_mean(per_frame.style_distance), ssim=_mean(per_frame.ssim),
        style_distance_embedding=None if embedding is None else _mean(embedding),
        seconds=time.perf_counter() - started, per_frame=per_frame, flow=_describe(flow), backbone=backbone.name,
    )
    _log.info("evaluated %s: %d frames in %.1f s (%.0f ms per frame)", stylized_path, frames, result.seconds,
              1000 * result.seconds_per_frame)
    if report_dir is not None:
        result = replace(result, report=write_report(result, Path(report_dir), sampler.samples))
    return result


class ContactSampler:
    """Keeps ``count`` evenly spaced frames out of a stream of batches (only those, never the video)."""

    def __init__(self, frames: int, count: int):
        wanted = np.linspace(0, frames - 1, num=min(count, frames)).round().astype(int) if frames else []
        self.wanted = sorted(set(int(i) for i in wanted))
        self.samples: list[ContactSample] = []
        self._seen = 0

    def offer(self, content: np.ndarray, stylized: np.ndarray) -> None:
        for index in self.wanted:
            if self._seen <= index < self._seen + len(content):
                local = index - self._seen
                self.samples.append(ContactSample(index, content[local].copy(), stylized[local].copy()))
        self._seen += len(content)


def write_report(result: EvaluationResult, directory: Path, samples: Sequence[ContactSample]) -> ReportFiles:
    """Writes metrics.json, per_frame.png, contact_sheet.png and report.md into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    files = ReportFiles(directory, directory / "metrics.json", directory / "per_frame.png",
                        directory / "contact_sheet.png", directory / "report.md")
    files.json.write_text(result.to_json())
    plot_per_frame(result, files.plot)
    contact_sheet(samples, files.contact_sheet)
    files.markdown.write_text(render_markdown(result, files))
    return files


def _measure(batches: Iterator[tuple[np.ndarray, np.ndarray]], meter: WarpingErrorMeter,
             targets: Sequence[StyleTarget], scheduled: np.ndarray, backbone: StyleBackbone,
             sampler: ContactSampler, on_frames: Callable[[int], None] | None = None) -> PerFrameMetrics:
    """Every metric, batch by batch, over (content, stylized) pairs; frame i's style
    distance is to ``targets[scheduled[i]]``."""
    ssims, grams, embeds, by_style = [], [], [], []
    position = 0
    for content, stylized in batches:
        meter.update(content, stylized)
        ssims.append(ssim(stylized, content))
        each = style_distances_to_each(stylized, targets, backbone)
        rows = np.arange(len(stylized))
        chosen = scheduled[position:position + len(stylized)]
        gram_table = np.stack([d.gram for d in each], axis=1)
        by_style.append(gram_table)
        grams.append(gram_table[rows, chosen])
        if each[0].embedding is not None:
            embeds.append(np.stack([d.embedding for d in each], axis=1)[rows, chosen])
        sampler.offer(content, stylized)
        position += len(stylized)
        if on_frames is not None:
            on_frames(len(stylized))
    warping = meter.result()
    embedding = np.concatenate(embeds) if embeds else None
    table = np.concatenate(by_style) if len(targets) > 1 else None
    return PerFrameMetrics(warping.output, warping.content, _concat(ssims), _concat(grams), embedding, table)


def _ratio(per_frame: PerFrameMetrics) -> float:
    content = _mean(per_frame.warping_error_content)
    return _mean(per_frame.warping_error) / content if content > 0 else float("nan")


def _paired_batches(stylized: VideoInfo, content: VideoInfo, frames: int, batch_frames: int,
                    content_start: int = 0) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    height = None if content.height == stylized.height else stylized.height
    content_batches = iter_frames(content.path, batch_frames=batch_frames, height=height, start=content_start,
                                  end=content_start + frames, info=content)
    stylized_batches = iter_frames(stylized.path, batch_frames=batch_frames, end=frames, info=stylized)
    for content_batch, stylized_batch in zip(content_batches, stylized_batches, strict=True):
        if content_batch.shape != stylized_batch.shape:
            raise InputError(f"{content.path} decodes to {content_batch.shape[2]}x{content_batch.shape[1]} "
                             f"but {stylized.path} is {stylized_batch.shape[2]}x{stylized_batch.shape[1]}; "
                             "evaluate a stylized video against the content it was made from")
        yield content_batch, stylized_batch


def _frame_count(stylized: VideoInfo, content: VideoInfo, max_frames: int | None, content_start: int = 0) -> int:
    if stylized.frames != content.frames - content_start:
        after = f" after frame {content_start}" if content_start else ""
        raise InputError(f"{stylized.path} has {stylized.frames} frames but {content.path} has "
                         f"{content.frames - content_start}{after}; "
                         "evaluate a stylized video against the content it was made from")
    if max_frames is not None and max_frames < 1:
        raise InputError(f"max_frames must be at least 1; got {max_frames}")
    return stylized.frames if max_frames is None else min(max_frames, stylized.frames)


def _style_pixels(sources: Sequence[StyleSource]) -> tuple[list[np.ndarray], list[float]]:
    pixels, weights = [], []
    for source in sources:
        if isinstance(source, StyleImage):
            pixels.append(source.pixels)
            weights.append(source.weight)
        else:
            pixels.append(source if isinstance(source, np.ndarray) else load_image(source))
            weights.append(1.0)
    return pixels, weights


def _describe(flow: FlowEstimator) -> str:
    details = ", ".join(f"{key}={getattr(flow, key)}" for key in ("preset", "scale") if hasattr(flow, key))
    return f"{flow.name}({details})" if details else flow.name


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0)


def _mean(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else float("nan")
