"""Masks that do not boil: each mask blended with its predecessor carried along the optical flow.

    m_t = (1 - α·c_t)·raw_t + α·c_t·warp(m_{t-1}, flow_{t→t-1})

with α the ``strength`` and c_t the forward–backward consistency of the
content flow (``temporal.functional.consistency_mask``, without its motion
boundary test: the subject's outline *is* a motion boundary, and that is
where the boundary boils). The same recursive filter as
``temporal.smoothing`` applies to the stylized pixels: per-frame jitter of
the edge is averaged over about (1 + α)/(1 - α) frames, while the edge still
follows the subject because the previous mask moves with the flow. Flow and
consistency are computed at ``work_height`` rows and upsampled; the masks keep
their resolution.
"""

from __future__ import annotations

import cv2
import numpy as np

from artify_core.errors import InputError
from artify_core.segmentation.modes import DEFAULT_STABILIZE as DEFAULT_STRENGTH
from artify_core.temporal.flow import DISFlow, FlowEstimator
from artify_core.temporal.functional import blend, consistency_mask, previous_frames, warp



def propagate(previous: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Carries masks of frame t-1 onto frame t: float32 (N, H, W) and flow t→t-1 (N, H, W, 2) → (N, H, W)."""
    return warp(previous[..., None], flow)[..., 0]


def stabilize_step(raw: np.ndarray, carried: np.ndarray, reliable: np.ndarray, strength: float) -> np.ndarray:
    """(1 - strength·reliable)·raw + strength·reliable·carried; float32 (N, H, W) in [0, 1] each."""
    mixed = blend(raw[..., None], carried[..., None], reliable, strength)[..., 0]
    return np.clip(mixed, 0.0, 1.0)


class MaskStabilizer:
    """Streams (frames, raw masks) batches of one shot in order; returns stabilized masks.

    Args:
        strength: α in [0, 1); 0 returns the raw masks.
        flow: estimator for the content flow; DIS "medium" at ``work_height`` rows by default
            ("fast" locks on at its quarter-resolution finest scale only for large motions).
        work_height: rows at which the default flow and the consistency check run.
    """

    def __init__(self, *, strength: float = DEFAULT_STRENGTH, flow: FlowEstimator | None = None,
                 work_height: int = 180):
        if not 0.0 <= strength < 1.0:
            raise InputError(f"mask stabilization strength must be in [0, 1); got {strength}")
        self.strength, self.work_height, self._flow = strength, work_height, flow
        self.reset()

    def reset(self) -> None:
        """Forgets the previous frame and mask (a new shot)."""
        self._frame: np.ndarray | None = None
        self._mask: np.ndarray | None = None

    def stabilize(self, frames: np.ndarray, masks: np.ndarray) -> np.ndarray:
        """RGB uint8 (N, H, W, 3) and their raw masks float32 (N, H, W) → stabilized float32 (N, H, W)."""
        if len(frames) == 0 or self.strength == 0.0:
            return masks.astype(np.float32, copy=True)
        flows, reliable = self._backward_flows(frames)
        size, small_size = frames.shape[1:3], flows.shape[1:3]
        out = np.empty(masks.shape, np.float32)
        previous = self._mask
        for i, raw in enumerate(masks.astype(np.float32, copy=False)):
            if previous is None:
                out[i] = raw
            else:
                # Carried at the flow's resolution and upsampled: a 720p warp per frame cost 4x the rest,
                # and the carried mask is only blended, so its edge may be a few pixels soft.
                carried = propagate(_resize(previous, small_size)[None], flows[i:i + 1])[0]
                out[i] = stabilize_step(raw[None], _resize(carried, size)[None], _resize(reliable[i], size)[None],
                                        self.strength)[0]
            previous = out[i]
        self._frame, self._mask = frames[-1].copy(), out[-1].copy()
        return out

    def _backward_flows(self, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Flow t→t-1 (N, h, w, 2) and its consistency (N, h, w) at the working size; row 0 of a
        shot's first batch is unused."""
        height, width = frames.shape[1:3]
        small_size = (self.work_height, max(1, round(width * self.work_height / height)))
        small = frames if height <= self.work_height else np.stack([_resize(f, small_size) for f in frames])
        carried = None if self._frame is None else _resize(self._frame, small.shape[1:3])
        previous = previous_frames(small, carried)
        estimator = self._flow or DISFlow(preset="medium")
        backward, forward = estimator.estimate(small, previous), estimator.estimate(previous, small)
        return backward, consistency_mask(backward, forward, motion_boundaries=False)


def _resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    height, width = size
    if image.shape[:2] == (height, width):
        return image
    interpolation = cv2.INTER_AREA if image.shape[0] > height else cv2.INTER_LINEAR
    return cv2.resize(image, (width, height), interpolation=interpolation)
