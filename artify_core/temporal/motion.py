"""Content motion for the temporal stage, computed ahead of the model.

The flow depends only on the content, so it can be estimated while the
model is still stylizing: ``MotionEstimator.submit`` queues a frame pair on a
thread pool (OpenCV's DIS releases the GIL) and returns a future. Flows are
estimated at a reduced working resolution (``flow_height`` lines) and
upsampled by the frame ops on the model's device: smoothing needs the motion
of surfaces, not of single pixels, and DIS's cost grows with the pixel count
(720p, DIS "fast": 15.6 ms per flow at full size, 4.1 ms at half, one thread).

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
from typing import Callable

import numpy as np

from artify_core.temporal.flow import FlowEstimator
from artify_core.temporal.functional import consistency_mask, warp


@dataclass(frozen=True)
class PairMotion:
    """Motion between an earlier frame a and a later frame b, at the working resolution.

    Attributes:
        to_earlier: float32 (h, w, 2), flow b → a on b's grid: warps a onto b.
        to_later: float32 (h, w, 2), flow a → b on a's grid: warps b onto a.
        earlier_mask: float32 (h, w) in {0, 1}, where ``to_earlier`` is trusted (b's grid).
        later_mask: float32 (h, w) in {0, 1}, where ``to_later`` is trusted (a's grid).
    """

    to_earlier: np.ndarray
    to_later: np.ndarray
    earlier_mask: np.ndarray
    later_mask: np.ndarray

    @property
    def reliable(self) -> float:
        """The fraction of b's pixels whose flow to a is trusted; near 0 across an unlisted cut."""
        return float(self.earlier_mask.mean())


def working_size(height: int, width: int, flow_height: int) -> tuple[int, int]:
    """(h, w) at most ``flow_height`` lines, the aspect kept; the frame's own size when smaller."""
    if height <= flow_height:
        return height, width
    return flow_height, max(1, round(width * flow_height / height))


class MotionEstimator:
    """Estimates ``PairMotion`` for frame pairs on a thread pool.

    Args:
        make_flow: builds one flow estimator; each pool thread gets its own
            (DIS instances are not thread-safe).
        flow_height: working resolution in lines (0: full resolution).
        relative, absolute, motion_boundaries: consistency tolerances, as
            ``functional.consistency_mask`` (``absolute`` in full-resolution pixels²).
        photometric: also distrust pixels whose content, carried along the flow, differs from the
            content there by more than this many levels (mean over RGB; 0: no such check).
        threads: pool size; 0 estimates in the calling thread when asked.
    """

    def __init__(self, make_flow: Callable[[], FlowEstimator], *, flow_height: int, relative: float,
                 absolute: float, motion_boundaries: bool, photometric: float = 0.0, threads: int | None = None):
        import cv2

        self._cv2 = cv2
        self._make_flow = make_flow
        self.flow_height = flow_height
        self.relative, self.absolute, self.motion_boundaries = relative, absolute, motion_boundaries
        self.photometric = photometric
        threads = min(4, os.cpu_count() or 1) if threads is None else threads
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="artify-flow") if threads > 0 else None
        self._local = threading.local()

    def submit(self, earlier: np.ndarray, later: np.ndarray) -> Future[PairMotion]:
        """Queues the pair (RGB uint8 (H, W, 3) each); the future holds its ``PairMotion``."""
        if self._pool is None:
            future: Future[PairMotion] = Future()
            future.set_result(self.estimate(earlier, later))
            return future
        return self._pool.submit(self.estimate, earlier, later)

    def estimate(self, earlier: np.ndarray, later: np.ndarray) -> PairMotion:
        """``PairMotion`` of one pair, in the calling thread."""
        flow = getattr(self._local, "flow", None)
        if flow is None:
            flow = self._local.flow = self._make_flow()
        height, width = earlier.shape[:2]
        size = working_size(height, width, self.flow_height) if self.flow_height > 0 else (height, width)
        if size != (height, width):
            earlier, later = (self._cv2.resize(frame, size[::-1], interpolation=self._cv2.INTER_AREA)
                              for frame in (earlier, later))
        to_earlier, to_later = flow.estimate(np.stack([later, earlier]), np.stack([earlier, later]))
        # Tolerances are in pixels² of the grid the flows live on.
        absolute = self.absolute * (size[0] / height) ** 2
        flows = np.stack([to_earlier, to_later])
        masks = consistency_mask(flows, np.stack([to_later, to_earlier]), relative=self.relative, absolute=absolute,
                                 motion_boundaries=self.motion_boundaries)
        if self.photometric > 0:
            # Where the content carried along the flow does not look like the content it lands on
            # (a thin moving part, an ear over the background), the output must not be carried either.
            carried = warp(np.stack([earlier, later]).astype(np.float32), flows)
            difference = np.abs(carried - np.stack([later, earlier])).mean(axis=-1)
            masks *= difference <= self.photometric
        return PairMotion(to_earlier, to_later, masks[0], masks[1])

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
