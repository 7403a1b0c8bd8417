"""Stylizing one chunk of a video: decode → model → encode, streamed in batches."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from artify_core.memory import MemoryBudget, stream_frames
from artify_core.models.base import ContextualSequence, StylizationModel, VideoStylizationModel
from artify_core.pipeline.chunks import Chunk
from artify_core.pipeline.handover import ChunkHandover, Overlap
from artify_core.pipeline.scale import stylize_at_scale
from artify_core.pipeline.styles import LayeredStylePlan, StylePlan, opening_style, stylize_scheduled
from artify_core.settings import EncodingOptions
from artify_core.temporal.motion import PairMotion
from artify_core.temporal.smoothing import (
    DEFAULT_OVERLAP,
    SmoothingSettings,
    TemporalSmoother,
    lookahead_end,
    warmup_start,
)
from artify_core.video import VideoInfo, VideoWriter, iter_frames, output_size
from artify_core.video.encoders import resolve_encoder


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
    handover: ChunkHandover | None = None,
) -> ChunkResult:
    """Stylizes frames ``[chunk.start, chunk.end)`` of the video into ``destination``.

    Memory holds one batch of frames at a time; decoding and encoding run on
    threads of their own (FFmpeg's libraries, without the GIL), overlapping with the model. With ``smoothing`` (or a
    model with state across frames) the chunk starts ``overlap`` frames early
    (``warmup_start``) and, for a backward-in-time method, ends ``lookahead``
    frames late (``lookahead_end``): those frames are stylized and smoothed but
    not written, so the chunk joins its neighbours without a seam while staying
    independent of them. ``cuts``: the content's scene cuts, where smoothing and
    sequence models restart. ``style_scale``: brush-stroke size relative to the
    frame (``scale.stylize_at_scale``); None paints at the output size.
    ``handover``: see ``ChunkHandover``. ``on_frames``: called with how many of the chunk's own
    frames the model has just stylized (they are written a smoother's window later).
    """
    started = time.perf_counter()
    width, out_height = output_size(info, height)
    codec = resolve_encoder(encode.encoder, str(getattr(model, "device", "cpu")))
    with VideoWriter(destination, width=width, height=out_height, fps=info.fps, crf=encode.crf,
                     preset=encode.preset, times=info.times.window(chunk.start, chunk.end), codec=codec) as writer:
        for emitted in iter_stylized(info, chunk, model, plan, height=height, strength=strength, smoothing=smoothing,
                                     cuts=cuts, overlap=overlap, batch_frames=batch_frames, style_scale=style_scale,
                                     handover=handover, on_stylized=on_frames):
            writer.write(emitted)
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
    handover: ChunkHandover | None = None,
    on_stylized: Callable[[int], None] | None = None,
) -> Iterator[np.ndarray]:
    """The stylized frames ``[chunk.start, chunk.end)`` as RGB uint8 batches (n, H, W, 3), in
    order: what ``stylize_chunk`` encodes (warm-up, schedule, scale and smoothing included).
    ``batch_frames``: frames per decoded batch; None sizes batches from the frame size
    (``memory.stream_frames``: 8 up to 1080p, fewer above, 1 at 8K). ``handover``: model outputs and motion
    shared with the neighbouring chunks when they run one after another (``ChunkHandover``).
    ``on_stylized``: called with how many of the chunk's own frames each batch's model pass made."""
    if batch_frames is None:
        batch_frames = stream_frames(*output_size(info, height), MemoryBudget().resolve("cpu"))
    if smoothing is not None:
        # The smoother's scale-dependent choices follow the output's size and the strokes' (``temporal.scaling``);
        # made before the chunk's warm-up and look-ahead, which follow the strength.
        smoothing = replace(smoothing, style_scale=style_scale).for_frames(output_size(info, height)[1])
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
    smoothing_on = smoothing is not None and smoothing.enabled
    # A backward pass needs frames past the chunk's end; they are stylized and smoothed, not emitted.
    end = lookahead_end(chunk.end, smoothing.lookahead, info.frames, cuts) if smoothing_on else chunk.end
    # What a neighbour chunk already made (the frames both need), and what to pass on.
    taken = handover.take(begin) if handover is not None and sequence is None else None
    reused = taken.stylized if taken is not None else None
    passed_from = (warmup_start(chunk.end, smoothing.warmup, cuts) if smoothing_on and chunk.end < info.frames
                   else end)
    if smoothing_on:
        window, concurrent = smoothing_window(info, height, batch_frames, smoothing.lookahead)
        # The warm-up and look-ahead frames are smoothed only as far as the chunk's own frames need.
        smoother = TemporalSmoother(smoothing, cuts=cuts, start_frame=begin, device=getattr(model, "device", "cpu"),
                                    window=window, concurrent_backward=concurrent, emit_from=chunk.start,
                                    emit_until=chunk.end, known_motion=taken.motion if taken is not None else None,
                                    keep_motion_from=passed_from + 1)
    else:
        smoother = None
    passing: list[np.ndarray] = []
    position, out_position = begin, (chunk.start if smoother is not None else begin)
    try:
        for batch in batches(start=begin, end=end):
            if smoother is not None:
                smoother.submit(batch)  # the flow is estimated on the pool while the model runs
            known = 0 if reused is None else max(0, min(len(batch), len(reused) - (position - begin)))
            stylized = np.empty_like(batch)
            if known:
                stylized[:known] = reused[position - begin:position - begin + known]
            if known < len(batch):
                first = position + known
                stylized[known:] = stylize_at_scale(
                    lambda frames: stylize_scheduled(model, frames, plan, first, strength=strength, sequence=sequence),
                    batch[known:], style_scale)
            own = min(position + len(batch), chunk.end) - max(position, chunk.start)
            if on_stylized is not None and own > 0:
                on_stylized(own)  # progress: out of the model; written after the smoother's window
            if position + len(batch) > passed_from:
                passing.append(stylized[max(0, passed_from - position):])
            position += len(batch)
            finished = smoother.process(batch, stylized) if smoother is not None else stylized
            emitted, out_position = _within(finished, out_position, chunk)
            if len(emitted):
                yield emitted
        if smoother is not None:
            emitted, out_position = _within(smoother.finish(), out_position, chunk)
            if len(emitted):
                yield emitted
        if handover is not None and sequence is None and passing:
            handover.put(Overlap(passed_from, np.concatenate(passing),
                                 smoother.kept_motion() if smoother is not None else {}))
    finally:
        if smoother is not None:
            smoother.close()


def smoothing_window(info: VideoInfo, height: int | None, batch_frames: int, lookahead: int) -> tuple[int, bool]:
    """Frames a backward pass releases at a time, and whether it runs beside the forward pass.

    Held frames are 8-bit and may take half the memory budget. The window is 8 batches, fewer
    where the frames held would not fit, never fewer than ``lookahead`` (each release re-runs the
    look-ahead, so a shorter window costs time, not quality). A window's backward pass runs on a
    thread of its own while the next window fills when two windows fit and each is at least twice
    the look-ahead (720p: 64 frames); otherwise (4K and up) in the calling thread.
    """
    width, out_height = output_size(info, height)
    fitting = MemoryBudget().resolve("cpu") // 2 // (width * out_height * 3)
    paired = min(8 * batch_frames, fitting // 2 - lookahead)  # a window when two must fit
    if paired >= 2 * lookahead:
        return paired, True
    return max(lookahead, 1, min(8 * batch_frames, fitting - lookahead)), False


def _within(frames: np.ndarray, first: int, chunk: Chunk) -> tuple[np.ndarray, int]:
    """The rows of ``frames`` (video frames ``first``, ``first + 1``, …) inside the chunk, and the next index."""
    return frames[max(0, chunk.start - first):max(0, chunk.end - first)], first + len(frames)


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
    smoothing_on = smoothing is not None and smoothing.enabled
    if not (stateful or smoothing_on):
        return chunk.start
    if overlap is None:
        overlap = smoothing.warmup if smoothing_on else DEFAULT_OVERLAP
        # A model whose state decays slower than that says how many frames it needs (feature smoothing).
        overlap = max(overlap, getattr(model, "warmup_frames", 0)) if stateful else overlap
    return warmup_start(chunk.start, overlap, cuts)
