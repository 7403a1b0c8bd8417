"""The interface every stylization model implements.

Frames cross the interface as RGB uint8 arrays of shape (N, H, W, 3); models
move them to their device and back. A *style* is whatever the model prepares
once from style images (an embedding, Gram targets …) and reuses for every
batch; models with a style space expose it as ``StyleEmbeddingModel``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Protocol, Sequence, runtime_checkable

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


@runtime_checkable
class FrameSequenceStylizer(Protocol):
    """Stylizes consecutive batches of one shot sequence, carrying state between them
    (the previous output warped by flow, a tracked mask …)."""

    def stylize(self, frames: np.ndarray, styles: Sequence[Any] | None = None) -> np.ndarray:
        """RGB uint8 (N, H, W, 3), the next N frames in order → the same shape and dtype.

        ``styles``: one prepared style per frame (a schedule's mix); None keeps
        the style the sequence was opened with.
        """
        ...


@runtime_checkable
class VideoStylizationModel(StylizationModel, Protocol):
    """A model whose output for frame t depends on earlier frames of the video.

    The chunk pipeline opens one sequence per chunk (``start_frame`` = the
    chunk's first decoded frame, ``cuts`` = the content's scene cuts, where the
    sequence restarts) and feeds it the chunk's batches in order.
    """

    def open_sequence(self, style: Any, *, strength: float = 1.0, start_frame: int = 0,
                      cuts: Sequence[int] = ()) -> FrameSequenceStylizer:
        ...


@runtime_checkable
class StyleMixingModel(StylizationModel, Protocol):
    """A model whose prepared styles can be mixed (Gram targets, embeddings …)."""

    def mix_styles(self, styles: Sequence[Any], weights: Sequence[float]) -> Any:
        """The prepared style for a weighted mix; weights are >= 0 and sum to 1."""
        ...


@runtime_checkable
class LayeredStyleModel(StylizationModel, Protocol):
    """A model that stylizes the layers of a frame (a subject, its background) each with its own style.

    Each layer may follow its own schedule (``pipeline.styles.LayeredStylePlan``):
    layer styles are prepared and mixed on their own, then combined per frame.
    """

    def prepare_layer_style(self, images: Sequence[StyleImage]) -> Any:
        """One layer's style from style images."""
        ...

    def mix_layer_styles(self, styles: Sequence[Any], weights: Sequence[float]) -> Any:
        """A weighted mix of layer styles (from ``prepare_layer_style``); weights are >= 0 and sum to 1."""
        ...

    def layered_style(self, foreground: Any | None, background: Any | None) -> Any:
        """The model's style for a frame whose layers get these layer styles; None keeps that layer's pixels."""
        ...


@runtime_checkable
class ContextualSequence(FrameSequenceStylizer, Protocol):
    """A sequence that must see frames before its first stylized one (a motion mask's background
    model learns the scene from them); the chunk stage streams them back to the shot's start."""

    def warm_up_stream(self, batches: Iterable[Any], first_frame: int) -> None:
        """Consumes RGB uint8 (n, H, W, 3) batches starting at ``first_frame``, emitting nothing."""
        ...
