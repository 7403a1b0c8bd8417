"""Fixtures for the metric tests: a seeded random style backbone and generated frames."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from artify_core.metrics.style import StyleBackbone


def random_backbone(seed: int = 0) -> StyleBackbone:
    """Two random conv layers (Gram features) and the mean colour (embedding): small, offline, deterministic."""
    generator = torch.Generator().manual_seed(seed)
    first, second = nn.Conv2d(3, 8, 3, stride=2), nn.Conv2d(8, 16, 3, stride=2)
    for layer in (first, second):
        nn.init.normal_(layer.weight, std=0.3, generator=generator)
        nn.init.zeros_(layer.bias)

    def features(images: torch.Tensor) -> list[torch.Tensor]:
        low = torch.relu(first(images))
        return [low, torch.relu(second(low))]

    def embed(frames: np.ndarray) -> np.ndarray:
        return frames.reshape(len(frames), -1, 3).mean(axis=1) / 255.0 + 0.1

    return StyleBackbone(feature_fn=features, embed_fn=embed, name="random-test")


def texture(height: int, width: int, seed: int = 0, cell: int = 6) -> np.ndarray:
    """RGB uint8 (height, width, 3): smooth random texture."""
    rng = np.random.default_rng(seed)
    coarse = torch.from_numpy(rng.random((1, 3, height // cell + 2, width // cell + 2), dtype=np.float32))
    fine = torch.nn.functional.interpolate(coarse, scale_factor=cell, mode="bicubic")[0, :, :height, :width]
    return (fine.clamp(0, 1).permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)


@pytest.fixture(scope="session")
def backbone() -> StyleBackbone:
    return random_backbone()


@pytest.fixture(scope="session")
def make_texture():
    return texture
