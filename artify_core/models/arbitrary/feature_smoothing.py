"""Feature-level temporal stabilisation inside the arbitrary model (arbitrary-only).

The source design's proposed next step was to "identify the layer with
maximum variation across video frames and normalise it to reduce flicker".
``bench/bench_feature_variation.py`` measured, per conditional instance norm,
how much its activations and its per-channel statistics move between
consecutive frames of static content (fp32, 360 px high, 24 frames; ``still``
is one bunny frame with fresh noise and JPEG re-encoding per copy):

| layer | still act / mean / std | bunny act / mean / std | bikes act / mean / std |
|---|---|---|---|
| residual.0.norm1 | 0.0633 / 0.0012 / 0.0012 | 0.1557 / 0.0021 / 0.0030 | 0.3392 / 0.0082 / 0.0138 |
| residual.0.norm2 | 0.1141 / 0.0005 / 0.0013 | 0.2405 / 0.0007 / 0.0026 | 0.5515 / 0.0042 / 0.0104 |
| residual.1.norm1 | 0.0979 / 0.0005 / 0.0013 | 0.2053 / 0.0008 / 0.0025 | 0.4601 / 0.0025 / 0.0093 |
| residual.1.norm2 | 0.1384 / 0.0005 / 0.0015 | 0.2551 / 0.0007 / 0.0024 | 0.5807 / 0.0040 / 0.0087 |
| residual.2.norm1 | 0.1036 / 0.0005 / 0.0014 | 0.1703 / 0.0006 / 0.0024 | 0.3959 / 0.0021 / 0.0083 |
| residual.2.norm2 | 0.2044 / 0.0006 / 0.0017 | 0.2935 / 0.0007 / 0.0027 | 0.7182 / 0.0037 / 0.0086 |
| residual.3.norm1 | 0.1498 / 0.0003 / 0.0016 | 0.2256 / 0.0005 / 0.0022 | 0.5617 / 0.0021 / 0.0078 |
| residual.3.norm2 | 0.2033 / 0.0007 / 0.0018 | 0.2913 / 0.0008 / 0.0024 | 0.7674 / 0.0032 / 0.0095 |
| residual.4.norm1 | 0.1372 / 0.0003 / 0.0019 | 0.1987 / 0.0004 / 0.0026 | 0.5046 / 0.0021 / 0.0093 |
| residual.4.norm2 | 0.2147 / 0.0007 / 0.0023 | 0.2849 / 0.0008 / 0.0028 | 0.7174 / 0.0030 / 0.0096 |
| expand.0.norm | 0.1975 / 0.0002 / 0.0013 | 0.2793 / 0.0002 / 0.0018 | 0.6685 / 0.0008 / 0.0062 |
| expand.1.norm | 0.1046 / 0.0003 / 0.0008 | 0.1569 / 0.0004 / 0.0010 | 0.3732 / 0.0013 / 0.0039 |
| expand.2.norm | 0.1633 / 0.0002 / 0.0006 | 0.2726 / 0.0003 / 0.0010 | 0.6738 / 0.0008 / 0.0028 |
| output (image) | 0.0728 | 0.1184 | 0.2915 |
Largest activation variation: ``residual.4.norm2`` (still), ``residual.2.norm2``
(bunny), ``residual.3.norm2`` (bikes); largest mean variation: ``residual.0.norm1``
everywhere. (``python bench/bench_feature_variation.py``; act = ||a_t − a_{t−1}|| /
||a_{t−1}|| of the norm's output; mean, std = change of the per-channel input
statistics over the norm of the stds.)

The statistics barely move (0.02–0.23 % of their spread on the still, < 1.4 %
on bikes' moving shot) while the activations move by 6–21 %: the flicker of a
per-frame model on static content is local (each pixel's response to noise),
not global, so normalising statistics across frames cannot remove it. The
ablation agrees: smoothing any layer's statistics (``StatisticsSmoother``,
kept here with its network hook for that measurement) leaves the output's
frame-to-frame change where it was, while blending the features does not:

Output mean |frame t − frame t−1| in levels, 24 frames; statistics smoothed at α = 0.9
(a layer, a group), or the trunk warped and blended (what ``feature_smoothing`` does):

| smoothed | still | bunny |
|---|---|---|
| none | 5.855 | 7.600 |
| any one norm (13 rows) | 5.854 – 5.857 | 7.592 – 7.605 |
| residual.* | 5.858 | 7.572 |
| expand.* | 5.855 | 7.605 |
| all | 5.858 | 7.566 |
| trunk warp-and-blend α = 0.5 | 2.641 | 6.098 |
| trunk warp-and-blend α = 0.9 | 0.788 | 4.434 |

So ``feature_smoothing`` warps and blends activations (``TrunkBlender``): the
residual trunk's output — the stream through the norms that vary most
(``residual.*.norm2``, max on the still at ``residual.4.norm2``), at a quarter
of the resolution with 32 channels, so warping it costs little — is blended
recursively with the previous frame's blended trunk, warped by DIS flow
computed on the content at that quarter resolution and masked by the
forward–backward check, restarting at cuts. The decoder then renders the same
texture for the same surface; no extra forward pass. Measured on whole clips
(``bench/bench_feature_smoothing.py``, output smoother off, starrynight,
default precision; ms/frame is end-to-end chunk time on the shared 2-core
machine, only its ratio to 0 is meaningful):

    python bench/bench_feature_smoothing.py      # whole clips: bikes 250 frames, bunny 132

| clip | frames | feature_smoothing | warping-error ratio | Gram style distance | SSIM | ms/frame |
|---|---|---|---|---|---|---|
| bikes | 250 | 0 | 60.4 | 0.1162 | 0.304 | 227 (1.00x) |
| bikes | 250 | 0.5 | 41.5 (−31 %) | 0.1113 (−4 %) | 0.331 | 238 (1.05x) |
| bikes | 250 | 0.8 | 33.8 (−44 %) | 0.1215 (+5 %) | 0.368 | 328 (1.45x) |
| bikes | 250 | 0.9 | 32.5 (−46 %) | 0.1362 (+17 %) | 0.393 | 214 (0.94x) |
| bunny | 132 | 0 | 80.9 | 0.0986 | 0.327 | 861 (1.00x) |
| bunny | 132 | 0.5 | 57.7 (−29 %) | 0.1053 (+7 %) | 0.345 | 632 (0.73x) |
| bunny | 132 | 0.8 | 40.2 (−50 %) | 0.1216 (+23 %) | 0.375 | 935 (1.09x) |
| bunny | 132 | 0.9 | 32.2 (−60 %) | 0.1379 (+40 %) | 0.400 | 901 (1.05x) |

The ms/frame column swings with the shared machine's load. Model only, decoded
frames in memory, strengths alternated over 3 rounds (median), batches of 8:

    python bench/bench_feature_smoothing.py --timing --strengths 0 0.5 --frames 16

| clip | frames | feature_smoothing | model ms/frame | ratio to 0 |
|---|---|---|---|---|
| bikes | 16 | 0 | 388 | 1.00 |
| bikes | 16 | 0.5 | 469 | 1.21 |
| bunny | 16 | 0 | 1216 | 1.00 |
| bunny | 16 | 0.5 | 1101 | 0.91 |

(the machine was 2-3x oversubscribed: the ratios bracket 1). The blender's
flow and masks alone (``prepare``) take 22 ms per 640x272 frame there, half of
it building sampling grids; the blend itself is one ``grid_sample`` and one
``lerp`` on a quarter-resolution map per frame.
Frames on both sides of bikes' cuts show only their own shot
(docs/images/feature_smoothing_bikes_cuts.jpg: content, 0, 0.9). The blend
averages features, so strong settings trade brush detail for steadiness:
at 0.9 the texture coarsens into larger patches (the Gram distance rises)
and the bunny's raised hand leaves a faint smear
(docs/images/feature_smoothing_bunny70.jpg: content, 0 / 0.5, 0.9). Alone it
removes less flicker than today's output smoother (−64 % / −70 % at +6 % /
−1 % Gram, issue 12), so it is a complement to output smoothing, not a
replacement; around 0.5 it costs little style on bikes. On top of today's
output smoother (defaults, strength 0.5), the one combination measured:

    python bench/bench_feature_smoothing.py --output-smoothing --strengths 0 0.5

| clip | frames | feature_smoothing + output smoother | warping-error ratio | Gram style distance | SSIM |
|---|---|---|---|---|---|
| bikes | 250 | 0 | 21.3 | 0.1203 | 0.364 |
| bikes | 250 | 0.5 | 17.7 (−17 %) | 0.1248 (+4 %) | 0.385 |
| bunny | 132 | 0 | 22.2 | 0.0975 | 0.390 |
| bunny | 132 | 0.5 | 17.7 (−20 %) | 0.1052 (+8 %) | 0.407 |
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from artify_core.errors import InputError
from artify_core.models.arbitrary.networks import SIZE_MULTIPLE
from artify_core.models.arbitrary.spec import check_feature_smoothing
from artify_core.temporal.flow import FlowEstimator, load_flow_estimator
from artify_core.temporal.functional import consistency_mask, linked_frames, previous_frames, sampling_grid

# Every norm of the network: StatisticsSmoother's default; the ablation smooths subsets.
SMOOTHED_LAYERS: tuple[str, ...] = (
    "residual.0.norm1", "residual.0.norm2", "residual.1.norm1", "residual.1.norm2",
    "residual.2.norm1", "residual.2.norm2", "residual.3.norm1", "residual.3.norm2",
    "residual.4.norm1", "residual.4.norm2", "expand.0.norm", "expand.1.norm", "expand.2.norm",
)
# A chunk joins its predecessor when the state it starts without has decayed below this share (as
# temporal.smoothing.OVERLAP_RESIDUAL for the output smoother).
WARMUP_RESIDUAL = 0.02


@dataclass
class _LayerState:
    frame: int  # the next frame this layer will see
    mean: Tensor | None = None  # float32 (1, C, 1, 1), smoothed statistics of frame - 1
    variance: Tensor | None = None


@dataclass
class StatisticsSmoother:
    """``NormStatistics`` that smooths the chosen layers' statistics along one sequence of frames.

    Each layer's batches arrive in frame order (the untiled network passes N
    frames per call, the tiled one 1), and each layer keeps its own position,
    so any batching gives the same result up to float rounding. State per
    layer: one (1, C, 1, 1) mean and variance.

    Attributes:
        strength: α in [0, 1); 0 returns every frame's own statistics.
        start_frame: the content frame of the first frame fed.
        cuts: frames that start a new shot; the average restarts there.
        layers: norm names to smooth (``StyleTransferNetwork.norm_layers``).
    """

    strength: float
    start_frame: int = 0
    cuts: frozenset[int] = frozenset()
    layers: frozenset[str] = frozenset(SMOOTHED_LAYERS)
    _state: dict[str, _LayerState] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.strength = check_feature_smoothing(self.strength)
        self.cuts = frozenset(int(cut) for cut in self.cuts)
        self.layers = frozenset(self.layers)

    def __call__(self, layer: str, mean: Tensor, variance: Tensor) -> tuple[Tensor, Tensor]:
        """float32 (N, C, 1, 1) statistics of the layer's next N frames → the smoothed ones, same shapes."""
        state = self._state.setdefault(layer, _LayerState(self.start_frame))
        first = state.frame
        state.frame += len(mean)
        if layer not in self.layers or self.strength == 0.0:
            return mean, variance
        alpha = self.strength
        means, variances = [], []
        for i in range(len(mean)):
            m, v = mean[i:i + 1], variance[i:i + 1]
            if state.mean is not None and first + i not in self.cuts:
                m = state.mean * alpha + m * (1.0 - alpha)
                v = state.variance * alpha + v * (1.0 - alpha)
            state.mean, state.variance = m, v
            means.append(m)
            variances.append(v)
        return _cat(means, mean), _cat(variances, variance)


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
    """Frames a chunk must start early so the state it lacks weighs at most ``residual``: least k with α^k <= residual."""
    strength = check_feature_smoothing(strength)
    return 0 if strength == 0.0 else math.ceil(math.log(residual) / math.log(strength))


def _cat(parts: Sequence[Tensor], like: Tensor) -> Tensor:
    return parts[0] if len(parts) == 1 else torch.cat(list(parts)).to(like.dtype)

