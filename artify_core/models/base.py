"""The interface every stylization model implements.

Frames cross the interface as RGB uint8 arrays of shape (N, H, W, 3); models
move them to their device and back. A *style* is whatever the model prepares
once from style images (an embedding, Gram targets …) and reuses for every
batch; models with a style space expose it as ``StyleEmbeddingModel``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, Sequence, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class StyleImage:
    """A style image with its mixing weight. ``pixels``: RGB uint8, (H, W, 3)."""

    pixels: np.ndarray
    weight: float = 1.0
    name: str = ""


@runtime_checkable
class StylizationModel(Protocol):
    """Load once, then stylize batches of frames with a prepared style."""

    name: str

    @property
    def version(self) -> str:
        """Identifies code + weights; part of every cache key for its outputs."""
        ...

    def prepare_style(self, images: Sequence[StyleImage]) -> Any:
        """Turns style images into the model's reusable style representation."""
        ...

    def stylize(self, frames: np.ndarray, style: Any, *, strength: float = 1.0) -> np.ndarray:
        """Stylizes RGB uint8 (N, H, W, 3) frames; returns the same shape and dtype."""
        ...


@runtime_checkable
class StyleEmbeddingModel(StylizationModel, Protocol):
    """A model whose styles live in a vector space that can be interpolated."""

    embedding_dim: int

    def embed_style(self, images: np.ndarray) -> np.ndarray:
        """RGB uint8 (N, H, W, 3) style images → float32 (N, embedding_dim)."""
        ...

    def stylize_with_embeddings(
        self, frames: np.ndarray, embeddings: np.ndarray, *, strength: float = 1.0
    ) -> np.ndarray:
        """Stylizes frames with one embedding per frame, float32 (N, D), or one shared (D,)."""
        ...
