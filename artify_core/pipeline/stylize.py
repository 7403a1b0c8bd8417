"""Stylizing one chunk of a video: decode → model → encode, streamed in batches."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from artify_core.memory import MemoryBudget, stream_frames
from artify_core.models.base import ContextualSequence, StylizationModel, VideoStylizationModel
from artify_core.pipeline.chunks import Chunk
from artify_core.pipeline.scale import stylize_at_scale
from artify_core.pipeline.styles import LayeredStylePlan, StylePlan, opening_style, stylize_scheduled
from artify_core.settings import EncodingOptions
from artify_core.temporal.smoothing import (
    DEFAULT_OVERLAP,
    SmootherState,
    SmoothingSettings,
    TemporalSmoother,
    recommended_overlap,
    warmup_start,
)
from artify_core.video import VideoInfo, VideoWriter, iter_frames, output_size


# (Bump artify_core.pipeline.keys.PIPELINE_VERSION when this module changes the pixels it writes.)
# Frames before a chunk (back to the shot's start, 10 s at most at 25 fps) that a sequence with a
# warm-up sees first: a motion mask's background model then follows the shot as a single pass
# would; started mid-shot it takes a subject standing still for background.
SEQUENCE_CONTEXT_FRAMES = 250


@dataclass(frozen=True)
class ChunkResult:
    """A stylized chunk written as an H.264 segment."""

    chunk: Chunk
    path: Path
    frames: int
    width: int
    height: int
    seconds: float


def stylize_chunk(
    info: VideoInfo,
    chunk: Chunk,
    model: StylizationModel,
    plan: StylePlan | LayeredStylePlan,
    destination: Path,
    *,
    height: int | None = None,
    strength: float = 1.0,
    smoothing: SmoothingSettings | None = SmoothingSettings(),
    cuts: Sequence[int] = (),
    overlap: int | None = None,
    batch_frames: int | None = None,
    encode: EncodingOptions = EncodingOptions(),
    on_frames: Callable[[int], None] | None = None,
    style_scale: float | None = None,
) -> ChunkResult:
    """Stylizes frames ``[chunk.start, chunk.end)`` of the video into ``destination``.

    Memory holds one batch of frames at a time; ffmpeg decodes and encodes in
    their own processes, overlapping with the model. With ``smoothing`` (or a
    model with state across frames) the chunk starts ``overlap`` frames early
    (``warmup_start``): those frames are stylized and smoothed but not written,
    so the chunk joins its predecessor without a seam while staying
    independent of it. ``cuts``: the content's scene cuts, where smoothing and
    sequence models restart. ``style_scale``: brush-stroke size relative to the
    frame (``scale.stylize_at_scale``); None paints at the output size.
    """
    started = time.perf_counter()
    width, out_height = output_size(info, height)
    with VideoWriter(destination, width=width, height=out_height, fps=info.fps, crf=encode.crf,
                     preset=encode.preset, times=info.times.window(chunk.start, chunk.end)) as writer:
        for emitted in iter_stylized(info, chunk, model, plan, height=height, strength=strength, smoothing=smoothing,
                                     cuts=cuts, overlap=overlap, batch_frames=batch_frames, style_scale=style_scale):
            writer.write(emitted)
            if on_frames is not None:
                on_frames(len(emitted))
    return ChunkResult(chunk, destination, writer.frames_written, width, out_height,
                       time.perf_counter() - started)


def iter_stylized(
    info: VideoInfo,
    chunk: Chunk,
    model: StylizationModel,
    plan: StylePlan | LayeredStylePlan,
    *,
    height: int | None = None,
    strength: float = 1.0,
    smoothing: SmoothingSettings | None = SmoothingSettings(),
    cuts: Sequence[int] = (),
    overlap: int | None = None,
    batch_frames: int | None = None,
    style_scale: float | None = None,
) -> Iterator[np.ndarray]:
    """The stylized frames ``[chunk.start, chunk.end)`` as RGB uint8 batches (n, H, W, 3), in
    order: what ``stylize_chunk`` encodes (warm-up, schedule, scale and smoothing included).
    ``batch_frames``: frames per decoded batch; None sizes batches from the frame size
    (``memory.stream_frames``: 8 up to 1080p, fewer above, 1 at 8K)."""
    if batch_frames is None:
        batch_frames = stream_frames(*output_size(info, height), MemoryBudget().resolve("cpu"))
    begin = chunk_warmup_start(chunk, model, smoothing, cuts, overlap)

    def open_at(frame: int):
        return model.open_sequence(opening_style(model, plan, frame), strength=strength, start_frame=frame, cuts=cuts)

    sequence = open_at(begin) if isinstance(model, VideoStylizationModel) else None
    batches = partial(iter_frames, info.path, batch_frames=batch_frames, height=height, info=info)
    if isinstance(sequence, ContextualSequence):
        # Context the sequence needs but neither stylizes nor emits (a motion mask's background model),
        # in the batches a single pass would have fed it: on multiples of batch_frames (a mask source
        # starts its background from the first batch it sees), the chunk's own batches too.
        context = warmup_start(begin, SEQUENCE_CONTEXT_FRAMES, cuts)
        aligned = max(context, begin // batch_frames * batch_frames)
        if aligned != begin:
            begin, sequence = aligned, open_at(aligned)
        batches = partial(grid_batches, info.path, batch_frames=batch_frames, height=height, info=info)
        sequence.warm_up_stream(batches(start=context, end=begin), context)
    smoother = (TemporalSmoother(settings=smoothing, cuts=cuts, state=SmootherState(frame=begin))
                if smoothing is not None and smoothing.strength > 0 else None)
    position = begin
    for batch in batches(start=begin, end=chunk.end):
        stylized = stylize_at_scale(
            lambda frames: stylize_scheduled(model, frames, plan, position, strength=strength, sequence=sequence),
            batch, style_scale)
        if smoother is not None:
            stylized = smoother.process(batch, stylized)
        emitted = stylized[max(0, chunk.start - position):]
        position += len(batch)
        if len(emitted):
            yield emitted


def grid_batches(path: Path | str, *, batch_frames: int, start: int, end: int, height: int | None = None,
                 info: VideoInfo | None = None) -> Iterator[np.ndarray]:
    """``iter_frames`` batches of frames ``[start, end)`` that break on multiples of ``batch_frames``
    (the first may be short), as a pass from frame 0 would batch them."""
    head = min(end, -(-start // batch_frames) * batch_frames)
    for first, last in ((start, head), (head, end)):
        if last > first:
            yield from iter_frames(path, batch_frames=batch_frames, height=height, start=first, end=last, info=info)


def chunk_warmup_start(chunk: Chunk, model: StylizationModel, smoothing: SmoothingSettings | None,
                       cuts: Sequence[int], overlap: int | None = None) -> int:
    """The first frame a chunk decodes: earlier than ``chunk.start`` only when something carries state."""
    stateful = isinstance(model, VideoStylizationModel)
    smoothing_on = smoothing is not None and smoothing.strength > 0
    if not (stateful or smoothing_on):
        return chunk.start
    if overlap is None:
        overlap = recommended_overlap(smoothing.strength) if smoothing_on else DEFAULT_OVERLAP
        # A model whose state decays slower than that says how many frames it needs (feature smoothing).
        overlap = max(overlap, getattr(model, "warmup_frames", 0)) if stateful else overlap
    return warmup_start(chunk.start, overlap, cuts)
