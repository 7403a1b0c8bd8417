"""Generated frames for the temporal tests: smooth random textures that flow estimators can lock onto."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F


def texture(height: int, width: int, seed: int = 0, cell: int = 6) -> np.ndarray:
    """RGB uint8 (height, width, 3): bilinearly upsampled random noise, smooth at ``cell`` pixels."""
    rng = np.random.default_rng(seed)
    coarse = torch.from_numpy(rng.random((1, 3, height // cell + 2, width // cell + 2), dtype=np.float32))
    fine = F.interpolate(coarse, scale_factor=cell, mode="bicubic", align_corners=False)[0, :, :height, :width]
    return (fine.clamp(0, 1).permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)


def panning(count: int, height: int = 64, width: int = 96, step: tuple[int, int] = (2, 1), seed: int = 0) -> np.ndarray:
    """RGB uint8 (count, H, W, 3): a camera panning over a texture, ``step`` = (dx, dy) >= 0 pixels per frame.

    Frame t shows the canvas window at offset t·step, so scene content moves by
    −step per frame and the exact flow from frame t to t−1 is +step.
    """
    dx, dy = step
    canvas = texture(height + abs(dy) * count, width + abs(dx) * count, seed)
    return np.stack([canvas[t * dy:t * dy + height, t * dx:t * dx + width] for t in range(count)])


@pytest.fixture(scope="session")
def make_texture():
    return texture


@pytest.fixture(scope="session")
def make_panning():
    return panning
