"""Instance-norm statistics averaged along time: the measured alternative to trunk blending.

``bench_feature_variation.py`` smooths the per-frame mean and variance of chosen conditional
instance norms of the arbitrary model's transformer and measures the output's flicker: it does
nothing (docs/feature-smoothing.md), so the network has no hook for it. ``smoothed_norms``
instead swaps each norm's ``forward`` for the same arithmetic with smoothed statistics, for the
duration of a ``with`` block, on the eager torch network only (not a graph backend, not tiled).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator, Sequence

import torch
from torch import Tensor

from artify_core.models.arbitrary.networks import (
    ConditionalInstanceNorm2d,
    StyleTransferNetwork,
    _channel_mean_square,
)
from artify_core.models.arbitrary.spec import check_feature_smoothing

# Every norm of the network, in network order: StatisticsSmoother's default; the ablation smooths subsets.
SMOOTHED_LAYERS: tuple[str, ...] = (
    "residual.0.norm1", "residual.0.norm2", "residual.1.norm1", "residual.1.norm2",
    "residual.2.norm1", "residual.2.norm2", "residual.3.norm1", "residual.3.norm2",
    "residual.4.norm1", "residual.4.norm2", "expand.0.norm", "expand.1.norm", "expand.2.norm",
)


def norm_layers(network: StyleTransferNetwork) -> tuple[str, ...]:
    """Names of the network's conditional instance norms, in network order."""
    return tuple(name for name, module in network.named_modules() if isinstance(module, ConditionalInstanceNorm2d))


@dataclass
class _LayerState:
    frame: int  # the next frame this layer will see
    mean: Tensor | None = None  # float32 (1, C, 1, 1), smoothed statistics of frame - 1
    variance: Tensor | None = None


@dataclass
class StatisticsSmoother:
    """Smooths the chosen layers' instance-norm statistics along one sequence of frames.

    Called once per norm layer and forward pass, in network order, with the
    statistics of the N frames of the batch (consecutive frames, in order):
    ``mean`` and biased ``variance``, float32 (N, C, 1, 1); returns the two to
    use instead. Each layer keeps its own position, so any batching gives the
    same result up to float rounding. State per layer: one (1, C, 1, 1) mean
    and variance.

    Attributes:
        strength: α in [0, 1); 0 returns every frame's own statistics.
        start_frame: the content frame of the first frame fed.
        cuts: frames that start a new shot; the average restarts there.
        layers: norm names to smooth (``norm_layers``).
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

    @property
    def layers_seen(self) -> frozenset[str]:
        """The layers whose statistics this smoother has been given."""
        return frozenset(self._state)

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


@contextmanager
def smoothed_norms(network: StyleTransferNetwork, smoother: StatisticsSmoother) -> Iterator[None]:
    """Within the block, every conditional instance norm of ``network`` normalises with ``smoother``'s statistics.

    Each norm's ``forward`` is shadowed by an instance attribute and restored on exit. Only the
    eager network calls ``forward``: a graph backend or the tiled pass would bypass the smoother,
    which ``layers_seen`` shows.
    """
    norms = [(name, module) for name, module in network.named_modules()
             if isinstance(module, ConditionalInstanceNorm2d)]
    for name, module in norms:
        module.forward = _smoothed_forward(module, name, smoother)
    try:
        yield
    finally:
        for _, module in norms:
            del module.forward


def _smoothed_forward(norm: ConditionalInstanceNorm2d, layer: str, smoother: StatisticsSmoother):
    """``ConditionalInstanceNorm2d.forward``'s arithmetic with the mean and variance replaced by the smoother's."""

    def forward(x: Tensor, embedding: Tensor) -> Tensor:
        with torch.autocast(x.device.type, enabled=False):
            gamma = norm.gamma(embedding.float())[:, :, None, None]
            beta = norm.beta(embedding.float())[:, :, None, None]
            work = x.float()
            overwrite = not torch.is_grad_enabled() and (norm.inplace or work is not x)
            mean = work.mean(dim=(2, 3), keepdim=True)
            centred = work.sub_(mean) if overwrite else work - mean
            used_mean, variance = smoother(layer, mean, _channel_mean_square(centred))
            scale = gamma * torch.rsqrt(variance + norm.eps)
            # x - used_mean = centred + (mean - used_mean): the shift folds into the offset.
            beta = torch.addcmul(beta, mean - used_mean, scale)
            out = centred.mul_(scale).add_(beta) if overwrite else torch.addcmul(beta, centred, scale)
            return out.to(x.dtype)

    return forward


def _cat(parts: Sequence[Tensor], like: Tensor) -> Tensor:
    return parts[0] if len(parts) == 1 else torch.cat(list(parts)).to(like.dtype)
