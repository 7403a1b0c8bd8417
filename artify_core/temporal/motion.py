"""Content motion for the temporal stage, computed ahead of the model.

The flow depends only on the content, so it can be estimated while the
model is still stylizing: ``MotionEstimator.submit`` queues a frame pair on a
thread pool (OpenCV's DIS releases the GIL) and returns a future. Flows are
estimated at a working resolution (``flow_height`` lines; ``scaling``) and
resampled by the frame ops on the model's device: smoothing needs the motion
of surfaces, not of single pixels, and DIS's cost grows with the pixel count
(720p, DIS "fast": 15.6 ms per flow at full size, 4.1 ms at half, one thread);
frames smaller than the working height are upsampled to it, where DIS follows
them better.

For each pair both directions are estimated, since the forward–backward
check that makes the reliability masks needs both, and a backward-in-time
pass uses the other direction: ``PairMotion`` carries the two flows and
their two masks.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, NamedTuple, TypeVar

import numpy as np

from artify_core.temporal.flow import FlowEstimator
from artify_core.temporal.functional import consistency_mask, consistency_weight
from artify_core.temporal.ops import OpenCVOps

T = TypeVar("T")


@dataclass(frozen=True)
class PairMotion:
    """Motion between an earlier frame a and a later frame b, at the working resolution.

    Attributes:
        to_earlier: float32 (h, w, 2), flow b → a on b's grid: warps a onto b.
        to_later: float32 (h, w, 2), flow a → b on a's grid: warps b onto a.
        earlier_mask: float32 (h, w) in [0, 1], how far ``to_earlier`` is trusted (b's grid): 0 where it
            fails the checks, else the share of the strength its round-trip error leaves.
        later_mask: float32 (h, w) in [0, 1], the same for ``to_later`` (a's grid).
    """

    to_earlier: np.ndarray
    to_later: np.ndarray
    earlier_mask: np.ndarray
    later_mask: np.ndarray

    @property
    def nbytes(self) -> int:
        """Memory the two flows and masks hold."""
        return sum(a.nbytes for a in (self.to_earlier, self.to_later, self.earlier_mask, self.later_mask))

    @property
    def reliable(self) -> float:
        """The fraction of b's pixels whose flow to a is trusted at least half-way; near 0 across an unlisted cut."""
        return float(np.count_nonzero(self.earlier_mask >= 0.5)) / self.earlier_mask.size


class WorkingFrame(NamedTuple):
    """A frame reduced to the working resolution, and the height it had."""

    frame: np.ndarray
    height: int


def run_on(pool: ThreadPoolExecutor | None, work: Callable[..., T], *args) -> Future[T]:
    """``work(*args)`` queued on ``pool``, or run now in the calling thread when there is none."""
    if pool is not None:
        return pool.submit(work, *args)
    future: Future[T] = Future()
    future.set_result(work(*args))
    return future


def working_size(height: int, width: int, flow_height: int) -> tuple[int, int]:
    """(h, w) of ``flow_height`` lines, the aspect kept (larger or smaller than the frame); the
    frame's own size for 0."""
    if flow_height <= 0 or height == flow_height:
        return height, width
    return flow_height, max(1, round(width * flow_height / height))


def photometric_difference(carried: np.ndarray, target: np.ndarray, *, neighbourhood: bool) -> np.ndarray:
    """How far content carried along a flow is from the content it lands on: RGB uint8 (h, w, 3) each →
    uint8 (h, w), the mean over RGB of |carried − target|, or with ``neighbourhood`` of the distance
    from carried to the range (min to max) of target's 3×3 neighbourhood: 0 for fine texture carried
    a fraction of a pixel off, large where a different surface lands (an occlusion)."""
    import cv2

    if neighbourhood:
        kernel = np.ones((3, 3), np.uint8)
        below = cv2.subtract(cv2.erode(target, kernel), carried)  # saturates at 0 where carried >= the minimum
        above = cv2.subtract(carried, cv2.dilate(target, kernel))
        difference = cv2.add(below, above)
    else:
        difference = cv2.absdiff(carried, target)
    return cv2.transform(difference, np.full((1, 3), 1 / 3, np.float32))  # over RGB, rounded


class MotionEstimator:
    """Estimates ``PairMotion`` for frame pairs on a thread pool.

    Args:
        make_flow: builds one flow estimator; each pool thread gets its own
            (DIS instances are not thread-safe).
        flow_height: working resolution in lines (0: the frame's own), above or below the frame's.
        relative, absolute, motion_boundaries: consistency tolerances, as
            ``functional.consistency_mask`` (``absolute`` in full-resolution pixels²).
        photometric: also distrust pixels whose content, carried along the flow, differs from the
            content there by more than this many levels (mean over RGB; 0: no such check).
        photometric_range: measure that difference from the range of the content's 3×3
            neighbourhood rather than from its pixel, so that fine texture carried a fraction of a
            pixel off (which the flow cannot place better) is not taken for an occlusion.
        graded: beyond the tolerance a pixel's weight falls with its round-trip error as
            ``functional.consistency_weight`` with this falloff; 0: drops to 0 (``consistency_mask``).
        threads: pool size; 0 estimates in the calling thread when asked. None: half the CPU's
            cores, 1 to 4 (a pair takes about 15 ms of one core at 720p, so one thread keeps up
            with 60 frames/s; more threads on a 2-core machine only take turns with the model's).
    """

    def __init__(self, make_flow: Callable[[], FlowEstimator], *, flow_height: int, relative: float,
                 absolute: float, motion_boundaries: bool, photometric: float = 0.0,
                 photometric_range: bool = False, graded: float = 0.0, threads: int | None = None):
        import cv2

        self._cv2 = cv2
        self._make_flow = make_flow
        self.flow_height = flow_height
        self.relative, self.absolute, self.motion_boundaries = relative, absolute, motion_boundaries
        self.photometric, self.photometric_range, self.graded = photometric, photometric_range, graded
        threads = min(4, max(1, (os.cpu_count() or 1) // 2)) if threads is None else threads
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="artify-flow") if threads > 0 else None
        self._local = threading.local()
        # The checks' warps on OpenCV's kernels: at 640x360 the two checks took 45 ms per pair with
        # torch's CPU grid_sample (functional.warp), six times the two flows; with remap, 2 ms.
        self._ops = OpenCVOps()

    def prepare(self, frame: np.ndarray) -> Future[WorkingFrame]:
        """Queues ``frame`` (RGB uint8 (H, W, 3)) reduced to the working resolution, once for both
        pairs it belongs to (at 720p the reduction cost as much per pair as the checks)."""
        return run_on(self._pool, self.reduce, frame)

    def submit(self, earlier: Future[WorkingFrame], later: Future[WorkingFrame]) -> Future[PairMotion]:
        """Queues the pair of ``prepare``d frames; the future holds its ``PairMotion``."""
        # It only ever waits on tasks queued before it, so a pool of any size cannot deadlock.
        return run_on(self._pool, lambda: self._estimate(earlier.result(), later.result()))

    def estimate(self, earlier: np.ndarray, later: np.ndarray) -> PairMotion:
        """``PairMotion`` of one pair of RGB uint8 (H, W, 3) frames, in the calling thread."""
        return self._estimate(self.reduce(earlier), self.reduce(later))

    def reduce(self, frame: np.ndarray) -> WorkingFrame:
        """``frame`` at the working resolution, with its full height: halved by block means while
        it stays at least twice the working size, then interpolated (bilinear) the rest of the way;
        a smaller frame upsampled (bicubic)."""
        cv2 = self._cv2
        height, width = frame.shape[:2]
        size = working_size(height, width, self.flow_height)
        # OpenCV's INTER_AREA is fast for whole factors only: 720p to 288 lines (2.5x) took 2.2 ms
        # of one core, halving it 0.25 ms and the bilinear rest 0.2.
        while frame.shape[0] >= 2 * size[0] and frame.shape[1] >= 2 * size[1]:
            frame = cv2.resize(frame, (frame.shape[1] // 2, frame.shape[0] // 2), interpolation=cv2.INTER_AREA)
        if frame.shape[:2] != size:
            upsampling = frame.shape[0] < size[0]
            frame = cv2.resize(frame, size[::-1], interpolation=cv2.INTER_CUBIC if upsampling else cv2.INTER_LINEAR)
        return WorkingFrame(frame, height)

    def _estimate(self, earlier_frame: WorkingFrame, later_frame: WorkingFrame) -> PairMotion:
        flow = getattr(self._local, "flow", None)
        if flow is None:
            flow = self._local.flow = self._make_flow()
        earlier, later = earlier_frame.frame, later_frame.frame
        to_earlier, to_later = flow.estimate(np.stack([later, earlier]), np.stack([earlier, later]))
        # Tolerances are in pixels² of the grid the flows live on.
        scale = earlier.shape[0] / earlier_frame.height
        earlier_mask = self._trusted(to_earlier, to_later, earlier, later, scale)
        later_mask = self._trusted(to_later, to_earlier, later, earlier, scale)
        return PairMotion(to_earlier, to_later, earlier_mask, later_mask)

    def _trusted(self, flow: np.ndarray, reverse: np.ndarray, source: np.ndarray, target: np.ndarray,
                 scale: float) -> np.ndarray:
        """How far ``flow`` (on ``target``'s grid, pulling ``source`` onto it) is trusted: (h, w) in [0, 1].
        ``scale``: working-grid pixels per full-resolution pixel."""
        ops = self._ops
        field = ops.load_flow(flow, flow.shape[:2])
        back = ops.warp(reverse, field)
        if self.graded > 0:
            mask = consistency_weight(flow[None], reverse[None], relative=self.relative,
                                      absolute=self.absolute * scale ** 2, warped_reverse=back[None],
                                      falloff=self.graded)[0]
        else:
            mask = consistency_mask(flow[None], reverse[None], relative=self.relative,
                                    absolute=self.absolute * scale ** 2, motion_boundaries=self.motion_boundaries,
                                    warped_reverse=back[None])[0]
        if self.photometric > 0:
            # Where the content carried along the flow does not look like the content it lands on
            # (a thin moving part, an ear over the background), the output must not be carried either.
            mask *= photometric_difference(ops.warp(source, field), target,
                                           neighbourhood=self.photometric_range) <= self.photometric
        return mask

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
