"""Generated scenes for the segmentation tests: a subject moving over a static textured background."""

from __future__ import annotations

import numpy as np
import pytest


def texture(height: int, width: int, seed: int = 0, cell: int = 6) -> np.ndarray:
    """RGB uint8 (H, W, 3): smooth random texture, greenish like a lawn, values 40..200."""
    import cv2

    rng = np.random.default_rng(seed)
    coarse = rng.random((height // cell + 2, width // cell + 2, 3), dtype=np.float32)
    fine = cv2.resize(coarse, (width // cell * cell + 2 * cell, height // cell * cell + 2 * cell),
                      interpolation=cv2.INTER_CUBIC)[:height, :width]
    tint = np.array([0.6, 1.0, 0.5], np.float32)
    return np.clip(40 + 160 * fine * tint, 0, 255).astype(np.uint8)


def moving_subject(count: int = 16, height: int = 72, width: int = 96, side: int = 20, step: int = 3,
                   seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(frames RGB uint8 (count, H, W, 3), truth bool (count, H, W)): a grey square moving right."""
    background = texture(height, width, seed)
    frames = np.repeat(background[None], count, axis=0)
    truth = np.zeros((count, height, width), bool)
    # A lightly textured grey subject, the same texture in every frame (as a real subject's).
    patch = np.clip(texture(side, side, seed + 1, cell=4).mean(-1, keepdims=True) * 1.2 + 60, 0, 255)
    for t in range(count):
        top, left = 26, 4 + step * t
        frames[t, top:top + side, left:left + side] = patch.astype(np.uint8)
        truth[t, top:top + side, left:left + side] = True
    return frames, truth


def iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0


@pytest.fixture(scope="module")
def scene() -> tuple[np.ndarray, np.ndarray]:
    return moving_subject()
