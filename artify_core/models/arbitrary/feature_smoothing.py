"""Feature-level temporal stabilisation: instance-norm statistics smoothed along a shot.

Each conditional instance norm of the style transfer network normalises a
frame with that frame's own per-channel mean and variance. Sensor noise and
compression jitter move those statistics a little from frame to frame even on
a still shot, and the decoder turns every such move into a change of texture
over the whole frame: flicker. Here the statistics of chosen layers are
replaced by an exponential moving average along the shot,

    m̃_t = α m̃_{t−1} + (1 − α) m_t,        ṽ_t = α ṽ_{t−1} + (1 − α) v_t,

restarting (m̃_t = m_t) at the sequence's first frame and at every scene cut,
so that the decoder renders the same texture for the same surface. It costs
no extra forward pass and needs no optical flow; it only exists for the
arbitrary model (its norms are where the frame's statistics enter), so it is
an arbitrary-only option.

This is the source design's proposed next step ("identify the layer with
maximum variation across video frames and normalise it to reduce flicker");
``bench/bench_feature_variation.py`` measures which layers vary most.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import torch
from torch import Tensor

from artify_core.errors import InputError

# Chosen by bench/bench_feature_variation.py (see its docstring): TODO fill in.
SMOOTHED_LAYERS: tuple[str, ...] = (
    "residual.0.norm1", "residual.0.norm2", "residual.1.norm1", "residual.1.norm2",
    "residual.2.norm1", "residual.2.norm2", "residual.3.norm1", "residual.3.norm2",
    "residual.4.norm1", "residual.4.norm2", "expand.0.norm", "expand.1.norm", "expand.2.norm",
)
# A chunk joins its predecessor when the state it starts without has decayed below this share (as
# temporal.smoothing.OVERLAP_RESIDUAL for the output smoother).
WARMUP_RESIDUAL = 0.02


def check_feature_smoothing(strength: float) -> float:
    """``strength`` as a float in [0, 1); raises ``InputError`` otherwise."""
    strength = float(strength)
    if not 0.0 <= strength < 1.0:
        # At 1 the statistics would never follow the content again within a shot.
        raise InputError(f"feature_smoothing must be in [0, 1) (0 = off); got {strength}")
    return strength


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


def warmup_frames(strength: float, residual: float = WARMUP_RESIDUAL) -> int:
    """Frames a chunk must start early so the state it lacks weighs at most ``residual``: least k with α^k <= residual."""
    strength = check_feature_smoothing(strength)
    return 0 if strength == 0.0 else math.ceil(math.log(residual) / math.log(strength))


def _cat(parts: Sequence[Tensor], like: Tensor) -> Tensor:
    return parts[0] if len(parts) == 1 else torch.cat(list(parts)).to(like.dtype)

