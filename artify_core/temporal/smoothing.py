"""Temporal smoothing of stylized video, after any model.

Output frames are blended with neighbouring outputs carried along the
content's optical flow, where the flow is reliable (forward–backward
consistency), by one of the ``METHODS`` (arithmetic in ``methods``):

* ``forward`` — the first generation: a recursive blend with the previous
  output, ``out_t = (1 − α·m)·stylized_t + α·m·warp(out_{t−1})``.
* ``bidirectional`` — the forward pass, then the same recursion backward in
  time over its output, with the masks of the other flow direction: a
  zero-phase filter along motion trajectories. Chunks are processed offline,
  so the backward pass only needs ``lookahead`` frames past a chunk's end.
* ``long-term`` — the forward blend with the outputs of t − 1 and t − k,
  each along its own flow (Ruder et al. 2016).
* ``gradient`` — gradient-domain blending (Bonneel et al. 2015): only the low
  frequencies are carried, the stylized frame's gradients are kept.

``detail`` then restores the stylized frame's local high-band energy
(``methods.restore_detail``): averaging along the flow steadies the brush
texture but lowers its contrast.

Every method restarts at a scene cut (and where fewer than ``min_reliable``
of the pixels have a trusted flow: an unlisted cut), so nothing of one shot
leaks into the next. Chunks join without a seam: a chunk starts
``warmup`` frames early and, for a backward pass, ends ``lookahead`` frames
late (both smoothed, not emitted); the recursions forget as α^k, so after
``recommended_overlap`` frames only rounding-level differences remain.

Where it runs: flows at a reduced working resolution (``flow_height``) on a
thread pool, submitted as soon as content frames are decoded, so they are
estimated while the model stylizes (``TemporalSmoother.submit``); warping and
blending on the model's device (``ops``: torch ``grid_sample`` on a GPU,
OpenCV kernels on the CPU); the forward pass on a thread of its own, so the
model never waits for it, and each window's backward pass on another while
the forward pass fills the next.

The default (bidirectional, with texture restoration, flow at 288 lines) is the
only method measured to meet the flicker target (warping-error ratio ≤ 0.2 ×
per-frame) with the style kept on both shared clips; the measurements and the
bench that makes them (``bench/bench_temporal.py``): docs/temporal-coherence.md.
"""

from __future__ import annotations

import math
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping, Sequence

import numpy as np
import torch

from artify_core.errors import InputError
from artify_core.temporal.estimators import load_flow_estimator
from artify_core.temporal.flow import FlowEstimator
from artify_core.temporal.methods import (
    Motion,
    carry_backward,
    carry_forward,
    carry_long_term,
    carry_low_band,
    restore_detail,
    texture_energy,
)
from artify_core.temporal.motion import MotionEstimator, PairMotion, WorkingFrame, run_on
from artify_core.temporal.ops import Frame, FrameOps, frame_ops
from artify_core.temporal.settings import (  # noqa: F401  (the smoother's settings, re-exported)
    DEFAULT_OVERLAP,
    METHODS,
    OVERLAP_RESIDUAL,
    PHOTOMETRIC_LEVELS,
    SMOOTHING_ABSOLUTE,
    SMOOTHING_RELATIVE,
    SmoothingSettings,
    recommended_overlap,
    settings_from_options,
)

# DIS "fast" on frames of FLOW_HEIGHT lines (``scaling``): smoothing follows the motion of surfaces.
# On the 720p clip (bench/bench_temporal.py) the flicker left grows as the flow shrinks: warping-error
# ratio 8.7 at full resolution, 12.2 at 360 lines, 13.4 at 288, 14.8 at 240 (target: 14.7), while a
# pair's flows and checks cost 21 ms of one core at 360 lines and 12 at 288 (about an eighth of what
# the smoother takes per frame beside the model).
FLOW_PRESET = "fast"


@dataclass
class _Pending:
    """A frame between the forward and the backward pass."""

    index: int
    energy: Frame | None  # the stylized frame's texture energy, one value per energy block; None without restoration
    forward: np.ndarray
    linked: bool
    to_next: PairMotion | None = field(default=None, repr=False)


class TemporalSmoother:
    """Streams (content, stylized) batches in frame order and returns smoothed frames.

    Frames come back in order but late: up to two batches (the forward pass's
    queue) and, with a backward pass, ``window + lookahead`` frames more;
    ``finish`` returns the rest. Submitting content ahead of the model
    (``submit``) lets the flow be estimated meanwhile.

    Args:
        settings: the method and its parameters.
        cuts: frame indices that start a new shot; frame c is never blended with c - 1.
        start_frame: the index (in the whole video) of the first frame fed.
        device: where warping and blending run (the model's device).
        flow: the flow estimator for single-threaded use; default: one per pool
            thread, built from ``settings.flow``.
        window: frames released per backward pass (memory: up to ``2·(window + lookahead)`` frames,
            since one window's backward pass runs on a thread of its own while the next fills, and two
            batches queued for the forward pass).
        threads: flow-estimation threads (None: half the cores, 1 to 4); 0 runs everything,
            the forward and backward passes too, in the calling thread.
        concurrent_backward: run each window's backward pass on a thread of its own (False: in the
            calling thread, holding at most ``window + lookahead`` frames, for frames too large for two windows).
        emit_from, emit_until: only frames in ``[emit_from, emit_until)`` are returned (None: no
            bound). The others (a chunk's warm-up and look-ahead) are fed for their effect on those
            and skip the work only returned frames need: frames before ``emit_from`` take the forward
            pass alone, frames from ``emit_until`` on no texture restoration.
        known_motion: the motion of (t − 1, t) by frame t where a neighbouring chunk already
            estimated it (the same content, so the same motion): not estimated again.
        keep_motion_from: keep the motion of the frames from this one on for ``kept_motion``.
    """

    def __init__(
        self,
        settings: SmoothingSettings = SmoothingSettings(),
        *,
        cuts: Iterable[int] = (),
        start_frame: int = 0,
        device: str | torch.device = "cpu",
        flow: FlowEstimator | None = None,
        window: int = 64,
        threads: int | None = None,
        concurrent_backward: bool = True,
        emit_from: int | None = None,
        emit_until: int | None = None,
        known_motion: Mapping[int, PairMotion] | None = None,
        keep_motion_from: int | None = None,
    ):
        self.settings = settings
        self.cuts = frozenset(int(c) for c in cuts)
        self.ops: FrameOps = frame_ops(device)
        self.window = max(1, window)
        self.emit_from = start_frame if emit_from is None else emit_from
        self.emit_until = emit_until
        if flow is not None:
            threads = 0
        make_flow = (lambda: flow) if flow is not None else (lambda: smoothing_flow_estimator(settings.flow, device))
        if settings.flow != "dis" and flow is None:
            threads = 1  # one network, one stream of work
        self._make_flow, self._threads = make_flow, threads
        # Made for the frame size, with the first frames (``_check``).
        self._motion: MotionEstimator | None = None
        self._submitted = start_frame  # index of the next content frame to submit
        self._fed = start_frame  # index of the next stylized frame to be fed (``process``)
        self._processed = start_frame  # index of the next stylized frame the forward pass takes
        self._recent: deque[tuple[int, Future[WorkingFrame]]] = deque(maxlen=settings.long_term_offset)
        self._pairs: dict[int, Future[PairMotion]] = {}  # frame t -> motion of (t - 1, t)
        self._known_motion = dict(known_motion or {})
        self._keep_motion_from = keep_motion_from
        self._kept_motion: dict[int, PairMotion] = {}
        self._anchors: dict[int, Future[PairMotion]] = {}  # frame t -> motion of (t - k, t)
        self._shot_start = start_frame
        self._previous: Frame | None = None
        self._outputs: deque[tuple[int, Frame]] = deque(maxlen=settings.long_term_offset)
        self._pending: list[_Pending] = []
        # The backward pass of a full window runs on its own thread while the forward pass goes on
        # (one core does the forward pass and the flow while the other does the backward pass and the
        # texture restoration); the windows' results come back in order.
        concurrent = concurrent_backward and threads != 0
        self._backward_pool = (ThreadPoolExecutor(1, thread_name_prefix="artify-backward")
                               if self._has_backward_pass and concurrent else None)
        # The forward pass runs on a thread of its own too, so that the caller (the model) never waits
        # for it: an accelerator's work and the smoother's overlap. On a 2-core CPU, busy either way,
        # the gain measured within noise.
        self._forward_pool = (ThreadPoolExecutor(1, thread_name_prefix="artify-forward")
                              if settings.enabled and threads != 0 else None)
        self._forwarding: deque[Future[None]] = deque()  # batches queued for the forward pass
        self._released: deque[Future[list[np.ndarray]]] = deque()  # finished frames, in order
        self._last_window: Future[list[np.ndarray]] | None = None
        self._shape: tuple[int, ...] | None = None

    @property
    def lookahead(self) -> int:
        return self.settings.lookahead if self.settings.enabled else 0

    def submit(self, content: np.ndarray) -> None:
        """Queues the next content frames (RGB uint8 (n, H, W, 3)) for motion estimation."""
        self._check(content, "content")
        for frame in content:
            index = self._submitted
            self._submitted += 1
            if not self.settings.enabled:
                continue
            working = self._motion.prepare(frame)
            previous = self._recent[-1][1] if self._recent and self._recent[-1][0] == index - 1 else None
            if previous is not None and index not in self.cuts:
                known = self._known_motion.pop(index, None)
                self._pairs[index] = (run_on(None, lambda known=known: known) if known is not None
                                      else self._motion.submit(previous, working))
                offset = self.settings.long_term_offset
                if self.settings.method == "long-term" and len(self._recent) == offset \
                        and not any(c in self.cuts for c in range(index - offset + 1, index + 1)):
                    self._anchors[index] = self._motion.submit(self._recent[0][1], working)
            self._recent.append((index, working))

    def process(self, content: np.ndarray, stylized: np.ndarray) -> np.ndarray:
        """Smooths the next batch; submits ``content`` first unless ``submit`` already had it.

        Args:
            content: RGB uint8 (n, H, W, 3), the frames the model saw.
            stylized: RGB uint8 (n, H, W, 3), the model's outputs for them.

        Returns:
            RGB uint8 (m, H, W, 3): the frames finished since the last call, in order (m = n only with
            ``threads=0`` and no backward pass).
        """
        self._check(content, "content")
        if not isinstance(stylized, np.ndarray) or content.shape != stylized.shape:
            found = stylized.shape if isinstance(stylized, np.ndarray) else type(stylized).__name__
            raise InputError(f"content and stylized batches differ in shape: {content.shape} vs {found}; "
                             "stylize at the content's resolution or resize the content to match")
        self._check(stylized, "stylized")
        if self._submitted < self._fed + len(content):
            if self._submitted != self._fed:
                raise InputError("submit content batches in order, each before its stylized batch")
            self.submit(content)
        self._fed += len(content)
        self._forwarding.append(run_on(self._forward_pool, self._forward, stylized))
        # At most two batches wait for the forward pass: memory stays bounded when it is the slower stage.
        while len(self._forwarding) > 2 or (self._forwarding and self._forwarding[0].done()):
            self._forwarding.popleft().result()  # its errors surface here
        return self._emit(final=False)

    def kept_motion(self) -> dict[int, PairMotion]:
        """The motion of (t − 1, t) by frame t for the frames from ``keep_motion_from`` on processed so far."""
        self._drain()
        return dict(self._kept_motion)

    def finish(self) -> np.ndarray:
        """The frames still held for the backward pass, smoothed as the end of the stream."""
        if self._has_backward_pass:
            self._forwarding.append(run_on(self._forward_pool, self._schedule_backward, True))
        self._drain()
        out = self._emit(final=True)
        self.close()
        return out

    def close(self) -> None:
        if self._forward_pool is not None:
            self._forward_pool.shutdown(wait=True, cancel_futures=True)
        if self._motion is not None:
            self._motion.close()
        if self._backward_pool is not None:
            self._backward_pool.shutdown(wait=True, cancel_futures=True)

    @property
    def _has_backward_pass(self) -> bool:
        return self.settings.method == "bidirectional" and self.settings.enabled

    def _forward(self, stylized: np.ndarray) -> None:
        """The forward pass over a batch (on the forward thread): its frames, or full windows, released in order."""
        frames = [frame for one in stylized for frame in self._step(one)]
        if frames:
            self._released.append(run_on(None, lambda: frames))
        if self._has_backward_pass:
            self._schedule_backward(final=False)

    def _emits(self, index: int) -> bool:
        return self.emit_from <= index and (self.emit_until is None or index < self.emit_until)

    def _drain(self) -> None:
        while self._forwarding:
            self._forwarding.popleft().result()

    def _step(self, stylized_frame: np.ndarray) -> list[np.ndarray]:
        settings, ops = self.settings, self.ops
        index = self._processed
        self._processed += 1
        stylized = ops.load(stylized_frame)
        motion = self._pair(index)
        if motion is None:
            self._shot_start = index
            output = stylized
        else:
            near = self._motion_field(motion.to_earlier, motion.earlier_mask, stylized)
            if settings.method == "gradient":
                output = carry_low_band(ops, stylized, self._previous, near, settings.strength,
                                        settings.interpolation, settings.screening,
                                        factor=poisson_factor(settings.screening))
            elif settings.method == "long-term" and index - settings.long_term_offset >= self._shot_start \
                    and index in self._anchors:
                anchor_motion = self._anchors.pop(index).result()
                far = self._motion_field(anchor_motion.to_earlier, anchor_motion.earlier_mask, stylized)
                output = carry_long_term(ops, stylized, self._previous, near, self._outputs[0][1], far,
                                         settings.strength, settings.interpolation, anchor_weight=0.5)
            else:
                output = carry_forward(ops, stylized, self._previous, near, settings.strength, settings.interpolation)
        self._anchors.pop(index, None)
        self._previous = output
        if settings.method == "long-term":
            self._outputs.append((index, output))
        if not self._has_backward_pass:
            if not self._emits(index):
                return []
            if motion is None or settings.detail == 0.0:
                return [ops.store(output)]
            band, block = settings.detail_band, settings.energy_block
            energy = texture_energy(ops, stylized, band, block)
            return [ops.store(restore_detail(ops, output, energy, settings.detail, band, block))]
        if index < self.emit_from:  # nothing after it reaches back to it in the backward pass
            return []
        if self._pending and motion is not None:
            self._pending[-1].to_next = motion
        energy = (texture_energy(ops, stylized, settings.detail_band, settings.energy_block)
                  if settings.detail > 0.0 and self._emits(index) else None)
        self._pending.append(_Pending(index, energy, ops.store(output), linked=motion is not None))
        return []

    def _pair(self, index: int) -> PairMotion | None:
        future = self._pairs.pop(index, None)
        if future is None:
            return None
        motion = future.result()
        if self._keep_motion_from is not None and index >= self._keep_motion_from:
            self._kept_motion[index] = motion
        return motion if motion.reliable >= self.settings.min_reliable else None

    def _motion_field(self, flow: np.ndarray, mask: np.ndarray, like: Frame) -> Motion:
        size = tuple(like.shape[:2]) if isinstance(like, np.ndarray) else tuple(like.shape[1:])
        return Motion(self.ops.load_flow(flow, size), self.ops.load_mask(mask, size))

    def _emit(self, *, final: bool) -> np.ndarray:
        """The frames finished so far (all, when ``final``), in order."""
        frames: list[np.ndarray] = []
        while self._released and (final or self._released[0].done()):
            frames += self._released.popleft().result()
        if frames:
            return np.stack(frames)
        shape = self._shape or (0, 0, 3)
        return np.zeros((0, *shape), np.uint8)

    def _schedule_backward(self, final: bool) -> None:
        """Hands the pending frames to a backward pass once a window (and its look-ahead) is full,
        keeping the last ``lookahead`` of them: the next window's pass needs them as its warm-up."""
        lookahead = self.lookahead
        if not self._pending or (not final and len(self._pending) < self.window + lookahead):
            return
        release = len(self._pending) if final else len(self._pending) - lookahead
        # Copies: the last pending frame learns its motion to the next frame after this.
        window = [replace(pending) for pending in self._pending]
        self._pending = self._pending[release:]
        passes = [(window, release)]
        if final and len(window) >= 2 * (lookahead + 1):
            # The last window is split in two, so that the calling thread, with nothing left to
            # overlap, takes one half. At a shot's start when there is one near the middle (the
            # pass restarts there: exact), else in the middle with the look-ahead into the second
            # half (as between windows). Split with or without a thread: frames must not depend on the cores.
            quarter = len(window) // 4
            starts = [i for i in range(quarter, len(window) - quarter) if not window[i].linked]
            middle = min(starts, key=lambda i: abs(2 * i - len(window)), default=len(window) // 2)
            first = window[:middle] if starts else window[:middle + lookahead]
            passes = [(first, middle), (window[middle:], len(window) - middle)]
        if self._last_window is not None and not self._last_window.done():
            # At most one window waits: memory stays bounded when the backward pass is the slower.
            self._last_window.exception()
        for number, (frames, count) in enumerate(passes):  # the second half, if any, in this thread
            future = run_on(self._backward_pool if number == 0 else None, self._backward_window, frames, count)
            self._released.append(future)
            if number == 0:  # the one that may still be running on the backward thread
                self._last_window = future

    def _backward_window(self, window: list[_Pending], release: int) -> list[np.ndarray]:
        """The backward pass over a window of forward outputs; the first ``release`` frames, finished."""
        ops, settings = self.ops, self.settings
        out: list[np.ndarray] = []
        following: Frame | None = None
        for position in range(len(window) - 1, -1, -1):
            pending = window[position]
            frame = ops.load(pending.forward)
            if following is not None and pending.to_next is not None:
                motion = self._motion_field(pending.to_next.to_later, pending.to_next.later_mask, frame)
                frame = carry_backward(ops, frame, following, motion, settings.strength, settings.interpolation)
            following = frame
            if position < release and self._emits(pending.index):  # finished: only its 8-bit result is kept
                if (pending.linked or pending.to_next is not None) and pending.energy is not None:
                    frame = restore_detail(ops, frame, pending.energy, settings.detail, settings.detail_band,
                                           settings.energy_block)
                out.append(ops.store(frame))
        return out[::-1]

    def _check(self, frames: np.ndarray, what: str) -> None:
        if not isinstance(frames, np.ndarray) or frames.dtype != np.uint8 or frames.ndim != 4 \
                or frames.shape[-1] != 3:
            found = f"{frames.dtype} {frames.shape}" if isinstance(frames, np.ndarray) else type(frames).__name__
            raise InputError(f"{what} frames must be RGB uint8 (n, H, W, 3); got {found}")
        if self._shape is None:
            self._shape = frames.shape[1:]
            self.settings = settings = self.settings.for_frames(frames.shape[1])
            self._motion = MotionEstimator(
                self._make_flow, flow_height=settings.flow_height, relative=settings.relative,
                absolute=settings.absolute, motion_boundaries=settings.motion_boundaries,
                photometric=settings.photometric, photometric_range=settings.photometric_range,
                graded=settings.graded, threads=self._threads)
        elif frames.shape[1:] != self._shape:
            raise InputError(f"frames are {frames.shape[1:]} but the smoother follows {self._shape}; "
                             "a smoother follows one video at one size")


def poisson_factor(screening: float) -> int:
    """The coarsest grid (1/factor resolution, at most 8) that still has 4 samples per wavelength
    of the screened-Poisson low-pass's cutoff, 2π/sqrt(λ) pixels."""
    return max(1, min(8, int(2 * math.pi / math.sqrt(screening) / 4)))


def smooth_frames(content: np.ndarray, stylized: np.ndarray, settings: SmoothingSettings = SmoothingSettings(), *,
                  cuts: Iterable[int] = (), batch_frames: int = 8, **options) -> np.ndarray:
    """Smooths a whole sequence held in memory (tests, benchmarks); see ``TemporalSmoother``."""
    smoother = TemporalSmoother(settings, cuts=cuts, **options)
    try:
        pieces = [smoother.process(content[i:i + batch_frames], stylized[i:i + batch_frames])
                  for i in range(0, len(content), batch_frames)]
        pieces.append(smoother.finish())
    finally:
        smoother.close()
    return np.concatenate(pieces)


def smoothing_flow_estimator(name: str = "dis", device: str | torch.device = "cpu") -> FlowEstimator:
    """The estimator smoothing follows: DIS "fast" (resizing is the motion estimator's), or RAFT
    on the model's device."""
    if name == "dis":
        return load_flow_estimator("dis", preset=FLOW_PRESET, scale=1.0)
    if name == "raft":
        return load_flow_estimator("raft", device=device)
    return load_flow_estimator(name)


def warmup_start(start: int, overlap: int = DEFAULT_OVERLAP, cuts: Sequence[int] = ()) -> int:
    """The first frame to feed a fresh smoother for a chunk that emits frames from ``start``.

    ``max(0, start - overlap)``, moved forward to the last cut in between when
    there is one: the recursion restarts at a cut, so from there on the chunk
    reproduces a whole-video pass exactly, with fewer warm-up frames.
    """
    if overlap < 0:
        raise InputError(f"overlap must be >= 0 frames; got {overlap}")
    begin = max(0, start - overlap)
    return max((c for c in cuts if begin < c <= start), default=begin)


def lookahead_end(end: int, lookahead: int, frames: int, cuts: Sequence[int] = ()) -> int:
    """The frame after the last one to feed a chunk that emits frames before ``end``: ``end + lookahead``,
    cut back to the next cut (nothing after a cut reaches back over it) and to the video's length."""
    if lookahead < 0:
        raise InputError(f"lookahead must be >= 0 frames; got {lookahead}")
    stop = min(frames, end + lookahead)
    return min((c for c in cuts if end <= c < stop), default=stop)
