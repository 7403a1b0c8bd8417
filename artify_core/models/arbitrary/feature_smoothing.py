"""Feature-level temporal stabilisation inside the arbitrary model (arbitrary-only).

``TrunkBlender`` (``arbitrary(feature_smoothing=α)``, ``--feature-smoothing``) blends the
residual trunk's output — a quarter of the resolution, 32 channels, so cheap to warp —
recursively with the previous frame's, warped by DIS flow on the content and masked by the
forward–backward check, restarting at cuts; the decoder then renders the same texture for the
same surface, with no extra forward pass. Smoothing the instance norms' statistics instead was
measured and does nothing (docs/feature-smoothing.md).
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from artify_core.models.arbitrary.networks import SIZE_MULTIPLE
from artify_core.models.arbitrary.spec import check_feature_smoothing
from artify_core.temporal.estimators import load_flow_estimator
from artify_core.temporal.flow import FlowEstimator
from artify_core.temporal.functional import consistency_mask, linked_frames, previous_frames, sampling_grid

# A chunk joins its predecessor when the state it starts without has decayed below this share (as
# temporal.smoothing.OVERLAP_RESIDUAL for the output smoother).
WARMUP_RESIDUAL = 0.02
# DIS at the trunk's quarter resolution: "medium" costs there what "fast" costs at full size.
TRUNK_FLOW = {"preset": "medium", "scale": 1.0}
# OpenCV's DIS needs one side of at least 12 pixels: frames under 48 pixels on both sides stay unblended.
MIN_FLOW_SIDE = 12


class TrunkBlender:
    """Recursive warp-and-blend of the transformer's trunk features along one sequence of frames.

    Frame t's trunk output a_t, (32, ⌈H/4⌉, ⌈W/4⌉), becomes
    ã_t = a_t + α·m_t·(warp(ã_{t−1}, f_t) − a_t), with f_t the content's flow
    from t to t−1 and m_t its forward–backward consistency mask, both at the
    trunk's resolution; frames that start the sequence or a shot keep a_t.
    The decoder then renders a surface's texture from features that change
    only where the content does. Use: ``prepare(frames)`` before the forward
    pass over those frames, which calls this object once per batch (or per
    frame, tiled) in order. State: the last blended map and the last content
    frame at trunk size.
    """

    def __init__(self, strength: float, *, start_frame: int = 0, cuts: frozenset[int] = frozenset(),
                 flow: FlowEstimator | None = None):
        self.strength = check_feature_smoothing(strength)
        self.cuts = frozenset(int(cut) for cut in cuts)
        self.flow = flow or load_flow_estimator("dis", **TRUNK_FLOW)
        self._frame = start_frame
        self._small: np.ndarray | None = None  # RGB uint8 (h, w, 3): content of frame _frame - 1 at trunk size
        self._previous: Tensor | None = None  # float32 (1, 32, h, w): blended trunk map of the last frame
        self._pending: deque[tuple[Tensor, Tensor] | None] = deque()

    def prepare(self, frames: np.ndarray) -> None:
        """Flows and masks for the next RGB uint8 (N, H, W, 3) frames, at trunk resolution."""
        if len(frames) == 0:
            return
        small = np.stack([_trunk_sized(frame) for frame in frames])
        links = linked_frames(len(frames), self._frame, has_previous=self._small is not None, cuts=self.cuts)
        entries: list[tuple[Tensor, Tensor] | None] = [None] * len(frames)  # (sampling grid, mask)
        if max(small.shape[1:3]) < MIN_FLOW_SIDE:
            links = []
        if links and self.strength > 0:
            current, earlier = small[links], previous_frames(small, self._small)[links]
            flow = self.flow.estimate(current, earlier)
            mask = consistency_mask(flow, self.flow.estimate(earlier, current))
            for j, i in enumerate(links):
                entries[i] = (sampling_grid(torch.from_numpy(flow[j:j + 1])), torch.from_numpy(mask[j])[None, None])
        self._pending.extend(entries)
        self._small = small[-1]
        self._frame += len(frames)

    def __call__(self, x: Tensor) -> Tensor:
        """Trunk maps (N, 32, h, w) of the next N prepared frames → blended, same shape, dtype and layout."""
        if len(self._pending) < len(x):
            raise RuntimeError(f"TrunkBlender got {len(x)} frames but {len(self._pending)} were prepared")
        # One float32 copy of the batch, blended frame by frame (each needs the previous result), then
        # written back into x: the trunk output is the network's own tensor, its dtype and layout kept.
        work = x.to(torch.float32, memory_format=torch.contiguous_format)
        for i in range(len(x)):
            entry, row = self._pending.popleft(), work[i:i + 1]
            if entry is not None and self._previous is not None:
                grid, mask = (value.to(x.device) for value in entry)
                warped = F.grid_sample(self._previous, grid, mode="bilinear", padding_mode="border",
                                       align_corners=True)
                row.lerp_(warped, mask * self.strength)
            self._previous = row.clone()
        return x.copy_(work) if work is not x else x


def _trunk_sized(frame: np.ndarray) -> np.ndarray:
    """RGB uint8 (H, W, 3) → (⌈H/4⌉, ⌈W/4⌉, 3), area-averaged: one pixel per trunk feature."""
    import cv2

    height, width = frame.shape[:2]
    size = (-(-width // SIZE_MULTIPLE), -(-height // SIZE_MULTIPLE))
    return cv2.resize(np.ascontiguousarray(frame), size, interpolation=cv2.INTER_AREA)


def warmup_frames(strength: float, residual: float = WARMUP_RESIDUAL) -> int:
    """Frames a chunk must start early so the state it lacks weighs at most ``residual``: least k with
    α^k <= residual."""
    strength = check_feature_smoothing(strength)
    return 0 if strength == 0.0 else math.ceil(math.log(residual) / math.log(strength))

