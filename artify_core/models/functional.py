"""Pure tensor functions the models and the metrics share: Gram matrices, resizing."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def gram_matrix(features: Tensor) -> Tensor:
    """Channel correlations of feature maps: (N, C, H, W) → (N, C, C), F·Fᵀ / (C·H·W)."""
    n, c, h, w = features.shape
    rows = features.reshape(n, c, h * w)
    return torch.bmm(rows, rows.transpose(1, 2)) / (c * h * w)


def resize_shorter_side(images: Tensor, side: int, *, mode: str = "bilinear") -> Tensor:
    """float (N, C, H, W) in [0, 1] → the same with min(H, W) = ``side``, antialiased, clamped to [0, 1]."""
    height, width = images.shape[-2:]
    scale = side / min(height, width)
    size = (max(1, round(height * scale)), max(1, round(width * scale)))
    return F.interpolate(images, size=size, mode=mode, antialias=True, align_corners=False).clamp_(0.0, 1.0)
