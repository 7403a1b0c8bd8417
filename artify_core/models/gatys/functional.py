"""Pure loss functions of optimization-based style transfer.

Gatys, Ecker, Bethge, "Image Style Transfer Using Convolutional Neural
Networks", CVPR 2016 (content and Gram style losses); Ruder, Dosovitskiy,
Brox, "Artistic style transfer for videos", GCPR 2016 (temporal loss);
Gatys et al., "Preserving Color in Neural Artistic Style Transfer", 2016
(luminance-only transfer). Images are float in [0, 1], (N, 3, H, W); feature
maps are (N, C, H', W').

Normalisation: the content and style terms are *relative* errors, the squared
error divided by the target's own energy (mean square of the target feature
map or Gram matrix). The paper's sums scale with each layer's width and
size and with the network's activation range; relative errors do not, so
one set of weights serves any resolution and both backbones (VGG19 features
are an order of magnitude larger than MobileNet's ReLU6 ones). Gram matrices
are F·Fᵀ / (C·H·W). The total-variation and temporal terms are per-element
means of squared pixel differences on the [0, 1] scale.
"""

from __future__ import annotations

from typing import Mapping

import torch
from torch import Tensor

from artify_core.models.functional import gram_matrix
import torch.nn.functional as F

# ITU-R BT.601 luma and the YIQ chroma axes, as in Gatys et al.'s colour paper.
_RGB_TO_YIQ = torch.tensor([[0.299, 0.587, 0.114],
                            [0.595716, -0.274453, -0.321263],
                            [0.211456, -0.522591, 0.311135]])


def content_loss(features: Mapping[str, Tensor], targets: Mapping[str, Tensor]) -> Tensor:
    """Σ_l mean((F_l − P_l)²) / mean(P_l²), over the layers of ``targets``."""
    return sum(relative_error(features[name], target) for name, target in targets.items())


def style_loss(features: Mapping[str, Tensor], grams: Mapping[str, Tensor],
               layer_weights: Mapping[str, float]) -> Tensor:
    """Σ_l w_l · mean((G_l − A_l)²) / mean(A_l²), with G_l the Gram matrix of ``features[l]``.

    ``grams``: targets A_l, (C, C) shared by the batch or (N, C, C).
    """
    total = 0.0
    for name, weight in layer_weights.items():
        gram = gram_matrix(features[name])
        total = total + weight * relative_error(gram, grams[name].expand_as(gram))
    return total


def relative_error(value: Tensor, target: Tensor) -> Tensor:
    """mean((value − target)²) / mean(target²); a target of zeros counts as energy 1e-12, not a division by zero."""
    return F.mse_loss(value, target) / target.pow(2).mean().clamp_min(1e-12)


def total_variation(image: Tensor) -> Tensor:
    """Mean squared difference of horizontally and vertically adjacent pixels of (N, C, H, W)."""
    dy = image[..., 1:, :] - image[..., :-1, :]
    dx = image[..., :, 1:] - image[..., :, :-1]
    return dy.pow(2).mean() + dx.pow(2).mean()


def temporal_loss(image: Tensor, warped: Tensor, mask: Tensor) -> Tensor:
    """Ruder et al.'s short-term loss: Σ c·(x − ω)² / (C·H·W).

    Args:
        image: (N, C, H, W), the frame being optimised.
        warped: (N, C, H, W), the previous output warped onto this frame.
        mask: (N, 1, H, W) or (N, H, W) in [0, 1], where the flow is trusted.
    """
    weight = mask if mask.ndim == 4 else mask[:, None]
    return (weight * (image - warped).pow(2)).mean()


def rgb_to_yiq(image: Tensor) -> Tensor:
    """RGB (N, 3, H, W) → YIQ (N, 3, H, W); Y in [0, 1] for RGB in [0, 1]."""
    return torch.einsum("ij,njhw->nihw", _RGB_TO_YIQ.to(image), image)


def yiq_to_rgb(image: Tensor) -> Tensor:
    """YIQ (N, 3, H, W) → RGB (N, 3, H, W), unclamped."""
    return torch.einsum("ij,njhw->nihw", torch.linalg.inv(_RGB_TO_YIQ).to(image), image)


def luminance_image(image: Tensor) -> Tensor:
    """RGB (N, 3, H, W) → its luma repeated on three channels, (N, 3, H, W).

    Luminance-only transfer feeds grey images to a network trained on colour
    ones; repeating Y keeps the input in the range the network knows.
    """
    return rgb_to_yiq(image)[:, :1].expand(-1, 3, -1, -1).contiguous()


def with_chroma_of(luminance: Tensor, colour: Tensor) -> Tensor:
    """Y of ``luminance`` with I and Q of ``colour``, back in RGB clamped to [0, 1]; both (N, 3, H, W)."""
    y = rgb_to_yiq(luminance)[:, :1]
    iq = rgb_to_yiq(colour)[:, 1:]
    return yiq_to_rgb(torch.cat([y, iq], dim=1)).clamp_(0.0, 1.0)
