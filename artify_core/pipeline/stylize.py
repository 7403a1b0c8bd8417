"""Stylizing one chunk of a video: decode → model → encode, streamed in batches."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from artify_core.memory import MemoryBudget, stream_frames
from artify_core.models.base import (
    ContextualSequence,
    FrameSequenceStylizer,
    StylizationModel,
    VideoStylizationModel,
)
from artify_core.pipeline.chunks import Chunk
from artify_core.pipeline.handover import ChunkHandover, Overlap
from artify_core.pipeline.recipe import ChunkRecipe
from artify_core.pipeline.scale import stylize_at_scale
from artify_core.pipeline.styles import LayeredStylePlan, StylePlan, opening_style, stylize_scheduled
from artify_core.settings import EncodingOptions
from artify_core.temporal.motion import PairMotion
from artify_core.temporal.scaling import ENERGY_BLOCK
from artify_core.temporal.smoothing import (
    DEFAULT_OVERLAP,
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
    recipe: ChunkRecipe = ChunkRecipe(),
    *,
    encode: EncodingOptions = EncodingOptions(),
    on_frames: Callable[[int], None] | None = None,
    handover: ChunkHandover | None = None,
) -> ChunkResult:
    """Stylizes frames ``[chunk.start, chunk.end)`` of the video into ``destination``, as ``recipe`` says.

    Memory holds one batch of frames at a time; decoding and encoding run on
    threads of their own (FFmpeg's libraries, without the GIL), overlapping with the model. With smoothing
    (or a model with state across frames) the chunk starts ``recipe.overlap`` frames early
    (``warmup_start``) and, for a backward-in-time method, ends ``lookahead``
    frames late (``lookahead_end``): those frames are stylized and smoothed but
    not written, so the chunk joins its neighbours without a seam while staying
    independent of them. ``handover``: see ``ChunkHandover``. ``on_frames``: called with how many
    of the chunk's own frames the model has just stylized (they are written a smoother's window later).
    """
    started = time.perf_counter()
    width, out_height = output_size(info, recipe.height)
    codec = resolve_encoder(encode.encoder, str(getattr(model, "device", "cpu")))
    with VideoWriter(destination, width=width, height=out_height, fps=info.fps, crf=encode.crf,
                     preset=encode.preset, times=info.times.window(chunk.start, chunk.end), codec=codec) as writer:
        for emitted in iter_stylized(info, chunk, model, plan, recipe, handover=handover, on_stylized=on_frames):
            writer.write(emitted)
    return ChunkResult(chunk, destination, writer.frames_written, width, out_height,
                       time.perf_counter() - started)


def iter_stylized(
    info: VideoInfo,
    chunk: Chunk,
    model: StylizationModel,
    plan: StylePlan | LayeredStylePlan,
    recipe: ChunkRecipe = ChunkRecipe(),
    *,
    handover: ChunkHandover | None = None,
    on_stylized: Callable[[int], None] | None = None,
) -> Iterator[np.ndarray]:
    """The stylized frames ``[chunk.start, chunk.end)`` as RGB uint8 batches (n, H, W, 3), in
    order: what ``stylize_chunk`` encodes (warm-up, schedule, scale and smoothing included).

    The stages, each a function below, in the order they run: ``fitted`` (the recipe sized for
    the video), ``open_feed`` (the frames decoded, from the warm-up on, and a sequence model's
    state), ``_open_smoother``, then per batch ``_stylized_batch`` (the model's outputs, or a
    neighbour's), the smoother, ``_Trim`` (only the chunk's own frames are emitted) and
    ``_Passing`` (what the next chunk can reuse). ``handover``: model outputs and motion shared
    with the neighbouring chunks when they run one after another (``ChunkHandover``).
    ``on_stylized``: called with how many of the chunk's own frames each batch's model pass made."""
    recipe = fitted(recipe, info)
    feed = open_feed(info, chunk, model, plan, recipe)
    # What a neighbour chunk already made (the frames both need), and from where this one passes its own on.
    taken = handover.take(feed.begin) if handover is not None and feed.sequence is None else None
    passing = _Passing(warmup_start(chunk.end, recipe.smoothing.warmup, recipe.cuts)
                       if recipe.smoothing_on and chunk.end < info.frames else feed.end)
    smoother = _open_smoother(info, chunk, model, recipe, feed.begin, taken, passing.first_frame)
    trim = _Trim(chunk, chunk.start if smoother is not None else feed.begin)
    position = feed.begin
    try:
        for batch in feed.batches():
            if smoother is not None:
                smoother.submit(batch)  # the flow is estimated on the pool while the model runs
            reused = taken.stylized[position - feed.begin:] if taken is not None else None
            stylized = _stylized_batch(batch, position, reused, model, plan, recipe, feed.sequence)
            own = min(position + len(batch), chunk.end) - max(position, chunk.start)
            if on_stylized is not None and own > 0:
                on_stylized(own)  # progress: out of the model; written after the smoother's window
            passing.collect(stylized, position)
            position += len(batch)
            yield from trim(smoother.process(batch, stylized) if smoother is not None else stylized)
        if smoother is not None:
            yield from trim(smoother.finish())
        if handover is not None and feed.sequence is None and passing.parts:
            handover.put(passing.overlap(smoother.kept_motion() if smoother is not None else {}))
    finally:
        if smoother is not None:
            smoother.close()


def fitted(recipe: ChunkRecipe, info: VideoInfo) -> ChunkRecipe:
    """``recipe`` with its batch size and its smoother's scale-dependent choices made for the video's output size."""
    width, height = output_size(info, recipe.height)
    batch_frames = recipe.batch_frames
    if batch_frames is None:
        batch_frames = stream_frames(width, height, MemoryBudget().resolve("cpu"))
    smoothing = recipe.smoothing
    if smoothing is not None:
        # The smoother's scale-dependent choices follow the output's size and the strokes' (``temporal.scaling``);
        # made before the chunk's warm-up and look-ahead, which follow the strength.
        smoothing = replace(smoothing, style_scale=recipe.style_scale).for_frames(height)
    return replace(recipe, batch_frames=batch_frames, smoothing=smoothing)


@dataclass(frozen=True)
class Feed:
    """The frames a chunk decodes, ``[begin, end)``: its warm-up, its own frames and its look-ahead.

    ``sequence``: a ``VideoStylizationModel``'s state, opened at ``begin`` (None for a stateless model).
    ``batches()``: those frames, RGB uint8 batches (n, H, W, 3), in order.
    """

    begin: int
    end: int
    sequence: FrameSequenceStylizer | None
    batches: Callable[[], Iterator[np.ndarray]]


def open_feed(info: VideoInfo, chunk: Chunk, model: StylizationModel, plan: StylePlan | LayeredStylePlan,
              recipe: ChunkRecipe) -> Feed:
    """Where a ``fitted`` recipe's chunk starts decoding and ends, and a sequence model's state there.
    A backward smoothing pass needs frames past the chunk's end: stylized and smoothed, not emitted."""
    begin = chunk_warmup_start(chunk, model, recipe)
    end = (lookahead_end(chunk.end, recipe.smoothing.lookahead, info.frames, recipe.cuts) if recipe.smoothing_on
           else chunk.end)
    sequence = _open_sequence(model, plan, recipe, begin) if isinstance(model, VideoStylizationModel) else None
    batches = partial(iter_frames, info.path, batch_frames=recipe.batch_frames, height=recipe.height, info=info)
    if isinstance(sequence, ContextualSequence):
        begin, sequence = _warmed_context(info, model, plan, recipe, begin, sequence)
        batches = partial(grid_batches, info.path, batch_frames=recipe.batch_frames, height=recipe.height, info=info)
    return Feed(begin, end, sequence, partial(batches, start=begin, end=end))


def _open_sequence(model: VideoStylizationModel, plan: StylePlan | LayeredStylePlan, recipe: ChunkRecipe,
                   frame: int) -> FrameSequenceStylizer:
    return model.open_sequence(opening_style(model, plan, frame), strength=recipe.strength, start_frame=frame,
                               cuts=recipe.cuts)


def _warmed_context(info: VideoInfo, model: VideoStylizationModel, plan: StylePlan | LayeredStylePlan,
                    recipe: ChunkRecipe, begin: int, sequence: ContextualSequence,
                    ) -> tuple[int, FrameSequenceStylizer]:
    """The first frame to stylize and the sequence, fed the context it needs but neither stylizes
    nor emits (a motion mask's background model), in the batches a single pass would have fed it:
    on multiples of batch_frames (a mask source starts its background from the first batch it
    sees), the chunk's own batches too; so ``begin`` moves back to a multiple where it can."""
    batch_frames = recipe.batch_frames
    context = warmup_start(begin, SEQUENCE_CONTEXT_FRAMES, recipe.cuts)
    aligned = max(context, begin // batch_frames * batch_frames)
    if aligned != begin:
        begin, sequence = aligned, _open_sequence(model, plan, recipe, aligned)
    sequence.warm_up_stream(grid_batches(info.path, batch_frames=batch_frames, start=context, end=begin,
                                         height=recipe.height, info=info), context)
    return begin, sequence


def _open_smoother(info: VideoInfo, chunk: Chunk, model: StylizationModel, recipe: ChunkRecipe, begin: int,
                   taken: Overlap | None, passed_from: int) -> TemporalSmoother | None:
    """The smoother over frames from ``begin`` on (None without smoothing), emitting the chunk's own;
    with the motion a neighbour handed over, keeping its own from ``passed_from`` on for the next."""
    if not recipe.smoothing_on:
        return None
    window, concurrent = smoothing_window(info, recipe.height, recipe.batch_frames, recipe.smoothing.lookahead,
                                          recipe.smoothing.energy_block)
    # The warm-up and look-ahead frames are smoothed only as far as the chunk's own frames need.
    return TemporalSmoother(recipe.smoothing, cuts=recipe.cuts, start_frame=begin,
                            device=getattr(model, "device", "cpu"), window=window, concurrent_backward=concurrent,
                            emit_from=chunk.start, emit_until=chunk.end,
                            known_motion=taken.motion if taken is not None else None, keep_motion_from=passed_from + 1)


def _stylized_batch(batch: np.ndarray, first: int, reused: np.ndarray | None, model: StylizationModel,
                    plan: StylePlan | LayeredStylePlan, recipe: ChunkRecipe,
                    sequence: FrameSequenceStylizer | None) -> np.ndarray:
    """The model's outputs for ``batch`` (frames ``first``, ``first + 1``, …): the leading ones a
    neighbour chunk made (``reused``, from frame ``first`` on), the rest from the model."""
    known = 0 if reused is None else min(len(batch), len(reused))
    stylized = np.empty_like(batch)
    if known:
        stylized[:known] = reused[:known]
    if known < len(batch):
        start = first + known
        stylized[known:] = stylize_at_scale(
            lambda frames: stylize_scheduled(model, frames, plan, start, strength=recipe.strength,
                                             sequence=sequence),
            batch[known:], recipe.style_scale)
    return stylized


class _Passing:
    """The model's outputs from ``first_frame`` on, collected for the next chunk (``ChunkHandover``)."""

    def __init__(self, first_frame: int):
        self.first_frame = first_frame
        self.parts: list[np.ndarray] = []

    def collect(self, stylized: np.ndarray, first: int) -> None:
        """Keeps the rows of ``stylized`` (frames ``first``, ``first + 1``, …) from ``first_frame`` on."""
        if first + len(stylized) > self.first_frame:
            self.parts.append(stylized[max(0, self.first_frame - first):])

    def overlap(self, motion: dict[int, PairMotion]) -> Overlap:
        return Overlap(self.first_frame, np.concatenate(self.parts), motion)


class _Trim:
    """What is emitted: of the frames leaving the model or the smoother (video frames ``first``,
    ``first + 1``, … across calls), those inside the chunk; the warm-up and look-ahead dropped."""

    def __init__(self, chunk: Chunk, first: int):
        self.chunk, self.next = chunk, first

    def __call__(self, frames: np.ndarray) -> Iterator[np.ndarray]:
        first, self.next = self.next, self.next + len(frames)
        inside = frames[max(0, self.chunk.start - first):max(0, self.chunk.end - first)]
        if len(inside):
            yield inside


def smoothing_window(info: VideoInfo, height: int | None, batch_frames: int, lookahead: int,
                     energy_block: int = ENERGY_BLOCK) -> tuple[int, bool]:
    """Frames a backward pass releases at a time, and whether it runs beside the forward pass.

    Held frames (8-bit, with their texture energy: ``held_frame_bytes``) may take half the memory
    budget. The window is 8 batches, fewer where the frames held would not fit, never fewer than
    ``lookahead`` (each release re-runs the look-ahead, so a shorter window costs time, not quality).
    A window's backward pass runs on a thread of its own while the next window fills when two windows
    fit and each is at least twice the look-ahead (720p: 64 frames); otherwise (4K and up) in the
    calling thread.
    """
    width, out_height = output_size(info, height)
    fitting = int(MemoryBudget().resolve("cpu") // 2 // held_frame_bytes(width, out_height, energy_block))
    paired = min(8 * batch_frames, fitting // 2 - lookahead)  # a window when two must fit
    if paired >= 2 * lookahead:
        return paired, True
    return max(lookahead, 1, min(8 * batch_frames, fitting - lookahead)), False


def held_frame_bytes(width: int, height: int, energy_block: int = ENERGY_BLOCK) -> float:
    """Bytes the smoother holds per frame between its passes: the 8-bit frame and its texture energy
    (float32 RGB, one value per ``energy_block``² pixels)."""
    return width * height * (3 + 12 / energy_block**2)


def grid_batches(path: Path | str, *, batch_frames: int, start: int, end: int, height: int | None = None,
                 info: VideoInfo | None = None) -> Iterator[np.ndarray]:
    """``iter_frames`` batches of frames ``[start, end)`` that break on multiples of ``batch_frames``
    (the first may be short), as a pass from frame 0 would batch them."""
    head = min(end, -(-start // batch_frames) * batch_frames)
    for first, last in ((start, head), (head, end)):
        if last > first:
            yield from iter_frames(path, batch_frames=batch_frames, height=height, start=first, end=last, info=info)


def chunk_warmup_start(chunk: Chunk, model: StylizationModel, recipe: ChunkRecipe) -> int:
    """The first frame a chunk decodes: earlier than ``chunk.start`` only when something carries state."""
    stateful = isinstance(model, VideoStylizationModel)
    if not (stateful or recipe.smoothing_on):
        return chunk.start
    overlap = recipe.overlap
    if overlap is None:
        overlap = recipe.smoothing.warmup if recipe.smoothing_on else DEFAULT_OVERLAP
        # A model whose state decays slower than that says how many frames it needs (feature smoothing).
        overlap = max(overlap, getattr(model, "warmup_frames", 0)) if stateful else overlap
    return warmup_start(chunk.start, overlap, recipe.cuts)
