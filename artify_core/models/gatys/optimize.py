"""The image optimisation of Gatys et al., with Ruder et al.'s temporal term.

One frame at a time: pixels, float in [0, 1] (1, 3, H, W), are optimised by
L-BFGS or Adam against the content features of the frame, the Gram targets
of the style and, for video, the previous output warped onto the frame.
Coarse-to-fine: with several ``scales`` the image is first optimised at the
smaller sizes, and each result, upsampled, starts the next scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Mapping, Protocol, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

import artify_core.models.gatys.functional as G

Optimizer = Literal["lbfgs", "adam"]
# Adam's step is about lr per pixel per iteration on the [0, 1] scale; 0.02
# moves a pixel across its range in ~50 steps. L-BFGS takes unit steps: it
# scales them by its own curvature estimate.
DEFAULT_LEARNING_RATES: dict[str, float] = {"lbfgs": 1.0, "adam": 0.02}
LBFGS_HISTORY = 50


class Backbone(Protocol):
    """What the optimisation needs of a feature extractor (see ``backbones``)."""

    def features(self, image: Tensor, layers: Sequence[str]) -> dict[str, Tensor]:
        ...


@dataclass(frozen=True)
class LossWeights:
    """Weights of the loss terms and the layers they read.

    Attributes:
        content: weight of the content term (relative feature error).
        style: weight of the style term (relative Gram error, summed over
            ``style_layers`` with their own weights).
        tv: weight of the total-variation term (mean squared pixel differences).
        temporal: weight of the temporal term (masked mean squared difference
            to the warped previous output); used only in video sequences.
        content_layers: layer names for the content term.
        style_layers: (layer name, weight) pairs for the style term.
    """

    content: float
    style: float
    tv: float
    temporal: float
    content_layers: tuple[str, ...]
    style_layers: tuple[tuple[str, float], ...]

    @property
    def layers(self) -> tuple[str, ...]:
        """Every layer the losses read, without repeats."""
        return tuple(dict.fromkeys(self.content_layers + tuple(name for name, _ in self.style_layers)))


@dataclass(frozen=True)
class Target:
    """What one frame is pulled towards.

    Attributes:
        content: float in [0, 1], (1, 3, H, W), the content frame (its luminance
            image when colour is preserved).
        grams: Gram targets per style layer, (C, C).
        style_scale: multiplies the style weight (the model's ``strength``).
        warped: float in [0, 1], (1, 3, H, W), the previous output warped onto
            this frame; None outside video sequences.
        mask: float in [0, 1], (1, 1, H, W), where ``warped`` is trusted.
    """

    content: Tensor
    grams: Mapping[str, Tensor]
    style_scale: float = 1.0
    warped: Tensor | None = None
    mask: Tensor | None = None


@dataclass(frozen=True)
class LossValues:
    """The weighted loss terms at one image, as floats."""

    content: float
    style: float
    tv: float
    temporal: float

    @property
    def total(self) -> float:
        return self.content + self.style + self.tv + self.temporal


@dataclass(frozen=True)
class OptimizationResult:
    """The optimised image, float in [0, 1], (1, 3, H, W), with the losses at its start and end.

    ``initial`` is measured on the start image at the first scale, ``final`` on
    the returned image; ``evaluations`` counts forward-backward passes.
    """

    image: Tensor
    initial: LossValues
    final: LossValues
    evaluations: int


def optimize(
    backbone: Backbone,
    init: Tensor,
    target: Target,
    weights: LossWeights,
    *,
    iterations: int,
    optimizer: Optimizer = "lbfgs",
    learning_rate: float | None = None,
    scales: Sequence[float] = (1.0,),
) -> OptimizationResult:
    """Optimises ``init``, float in [0, 1] (1, 3, H, W), towards ``target``; ``iterations`` per scale.

    ``scales``: increasing fractions of the frame size ending with 1.0.
    """
    lr = DEFAULT_LEARNING_RATES[optimizer] if learning_rate is None else learning_rate
    size = tuple(init.shape[-2:])
    image, initial, evaluations = init, None, 0
    for scale in scales:
        scaled = _scaled_target(target, scale, size)
        image = _resize(image, tuple(scaled.content.shape[-2:]))
        image, start, count = _optimize_at_scale(backbone, image, scaled, weights, iterations, optimizer, lr)
        initial, evaluations = initial or start, evaluations + count
    with torch.no_grad():
        final = _values(loss_terms(backbone, image, target, weights))
    return OptimizationResult(image.detach(), initial or final, final, evaluations)


def loss_terms(backbone: Backbone, image: Tensor, target: Target, weights: LossWeights,
               content_targets: Mapping[str, Tensor] | None = None) -> dict[str, Tensor]:
    """The weighted terms ``content``, ``style``, ``tv`` and ``temporal`` at ``image`` (scalar tensors).

    ``content_targets``: the content frame's features, when already computed.
    """
    features = backbone.features(image, weights.layers)
    if content_targets is None:
        content_targets = content_features(backbone, target, weights)
    terms = {
        "content": weights.content * G.content_loss(features, content_targets),
        "style": weights.style * target.style_scale * G.style_loss(features, target.grams, dict(weights.style_layers)),
        "tv": weights.tv * G.total_variation(image),
    }
    use_temporal = target.warped is not None and weights.temporal > 0
    terms["temporal"] = (weights.temporal * G.temporal_loss(image, target.warped, target.mask) if use_temporal
                         else image.new_zeros(()))
    return terms


@torch.no_grad()
def content_features(backbone: Backbone, target: Target, weights: LossWeights) -> dict[str, Tensor]:
    """The content frame's features at ``weights.content_layers``."""
    return backbone.features(target.content, weights.content_layers)


def _optimize_at_scale(backbone: Backbone, start: Tensor, target: Target, weights: LossWeights, iterations: int,
                       optimizer: Optimizer, lr: float) -> tuple[Tensor, LossValues, int]:
    image = start.detach().clone(memory_format=torch.contiguous_format).requires_grad_(True)
    # Fixed per scale: computed once, not per evaluation.
    content_targets = content_features(backbone, target, weights)
    history: list[LossValues] = []

    def closure() -> Tensor:
        solver.zero_grad()
        terms = loss_terms(backbone, image, target, weights, content_targets)
        total = sum(terms.values())
        total.backward()
        history.append(_values(terms))
        return total

    if optimizer == "lbfgs":
        solver = torch.optim.LBFGS([image], lr=lr, max_iter=iterations, history_size=LBFGS_HISTORY,
                                   tolerance_grad=1e-12, tolerance_change=1e-12)
        solver.step(closure)
    else:
        solver = torch.optim.Adam([image], lr=lr)
        for _ in range(iterations):
            solver.step(closure)
            with torch.no_grad():
                image.clamp_(0.0, 1.0)
    with torch.no_grad():
        image.clamp_(0.0, 1.0)
    return image.detach(), history[0], len(history)


def _scaled_target(target: Target, scale: float, size: tuple[int, int]) -> Target:
    if scale == 1.0:
        return target
    scaled = (max(1, round(size[0] * scale)), max(1, round(size[1] * scale)))
    warped = None if target.warped is None else _resize(target.warped, scaled)
    mask = None if target.mask is None else _resize(target.mask, scaled)
    return Target(_resize(target.content, scaled), target.grams, target.style_scale, warped, mask)


def _resize(image: Tensor, size: tuple[int, int]) -> Tensor:
    if tuple(image.shape[-2:]) == size:
        return image
    # Antialiasing when shrinking: the coarse scales should see the frame, not its aliases.
    return F.interpolate(image, size=size, mode="bilinear", align_corners=False, antialias=True).clamp_(0.0, 1.0)


def _values(terms: Mapping[str, Tensor]) -> LossValues:
    return LossValues(**{name: float(value.detach()) for name, value in terms.items()})
