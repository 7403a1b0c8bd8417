"""Grouping a style video's scenes into styles, and picking each style's keyframe.

Every scene is described by a few frames sampled from its stable part (never
from a transition): the style model's embedding of each frame, plus its
colour statistics (CIELAB mean and spread). Scenes are then clustered by
agglomerative clustering (average linkage) with a distance threshold, so two
scenes with the same look join one style however far apart they are.

Why a distance threshold rather than choosing k by silhouette: the number of
styles is unknown and is often 1 (a single painting) or equal to the number
of scenes (paintings4.mp4: four scenes, four styles), and silhouette is
undefined for k = 1 and for k = n. A threshold answers the real question,
"do these two scenes look alike?", the same way for 2 scenes or 200.

Why fixed scales rather than z-scoring each video's descriptors: z-scoring a
video that shows one style inflates its codec noise to unit variance and
splits it. Each block is instead divided by the typical distance between
*different* paintings, measured once with the arbitrary model on the seven
paintings in the shared test media (median pairwise distance: 3.97 for the
100-d embedding, 0.28 for the colour statistics). Distances are then in
"fractions of a change of painting": frames of one painting under a slow zoom
are 0.03-0.13 apart, different paintings 0.7-1.7, and the default threshold
of 0.35 sits in between. A model with another embedding space passes its own
``embedding_scale``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

Embed = Callable[[np.ndarray], np.ndarray]
"""RGB uint8 images (N, H, W, 3) -> float32 (N, D) style embeddings."""

# Median distance between different paintings, see the module docstring.
ARBITRARY_EMBEDDING_SCALE = 3.97
COLOUR_SCALE = 0.28


@dataclass(frozen=True)
class ClusterConfig:
    """How scenes are grouped. ``distance_threshold`` is in units of a typical
    change of painting; ``colour_weight`` is the colour statistics' share of the
    squared distance (the embedding has the rest)."""

    distance_threshold: float = 0.35
    colour_weight: float = 0.25
    embedding_scale: float = ARBITRARY_EMBEDDING_SCALE
    colour_scale: float = COLOUR_SCALE

    def __post_init__(self) -> None:
        if not 0.0 <= self.colour_weight <= 1.0:
            raise ValueError(f"ClusterConfig.colour_weight must be in [0, 1]; got {self.colour_weight}")
        if self.distance_threshold <= 0 or self.embedding_scale <= 0 or self.colour_scale <= 0:
            raise ValueError("ClusterConfig.distance_threshold, embedding_scale and colour_scale must be > 0")


@dataclass(frozen=True)
class SegmentSamples:
    """Frames sampled from one scene. ``frames``: int64 (k,) frame indices;
    ``images``: RGB uint8 (k, H, W, 3), the frames at the size to embed."""

    segment: int
    frames: np.ndarray
    images: np.ndarray


@dataclass(frozen=True)
class Style:
    """One look. ``segments``: indices of the scenes showing it, in time order;
    ``keyframe``: frame index of its medoid sample; ``embedding``: float32 (D,),
    that sample's embedding."""

    id: int
    segments: tuple[int, ...]
    keyframe: int
    embedding: np.ndarray


@dataclass(frozen=True)
class StyleClustering:
    """``styles`` numbered by first appearance; ``segment_styles[i]``: style id of
    the i-th sampled scene (in the order the samples were given)."""

    styles: tuple[Style, ...]
    segment_styles: tuple[int, ...]


def sample_positions(start: int, end: int, count: int) -> np.ndarray:
    """``count`` frame indices spread evenly over ``[start, end)`` (the centres of
    ``count`` equal parts), fewer when the range is shorter: int64 (k,)."""
    if end <= start:
        raise ValueError(f"empty frame range [{start}, {end})")
    count = max(1, min(count, end - start))
    return (start + (np.arange(count) + 0.5) * (end - start) / count).astype(np.int64)


def cluster_styles(samples: Sequence[SegmentSamples], embed: Embed, *,
                   config: ClusterConfig = ClusterConfig()) -> StyleClustering:
    """Styles of scenes described by their sampled frames; ``embed`` is the style
    model's ``embed_style`` (or any function with its signature)."""
    if not samples or any(len(s.frames) == 0 for s in samples):
        raise ValueError("every scene needs at least one sampled frame")
    embeddings = [np.asarray(embed(s.images), np.float32) for s in samples]
    colours = [colour_statistics(s.images) for s in samples]
    descriptors = np.stack([_descriptor(e, c, config).mean(axis=0) for e, c in zip(embeddings, colours)])
    labels = _first_appearance_order(cluster_descriptors(descriptors, config.distance_threshold))
    styles = []
    for style_id in range(max(labels) + 1):
        members = [i for i, label in enumerate(labels) if label == style_id]
        frames = np.concatenate([samples[i].frames for i in members])
        vectors = np.concatenate([embeddings[i] for i in members])
        best = medoid(vectors)
        styles.append(Style(style_id, tuple(samples[i].segment for i in members), int(frames[best]), vectors[best]))
    return StyleClustering(tuple(styles), tuple(labels))


def cluster_descriptors(descriptors: np.ndarray, threshold: float) -> list[int]:
    """Average-linkage clusters of descriptors (n, F) whose mean pairwise distance
    stays below ``threshold``: one label per row."""
    if len(descriptors) == 1:
        return [0]
    # Imported here: scikit-learn takes about a second to import, and the scene detector
    # beside this module is also used on its own (content cuts) without it.
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(n_clusters=None, distance_threshold=threshold, linkage="average")
    return [int(label) for label in model.fit_predict(descriptors)]


def medoid(vectors: np.ndarray) -> int:
    """Row of ``vectors`` (n, D) nearest to their mean: a real sample that represents them all."""
    return int(np.argmin(np.linalg.norm(vectors - vectors.mean(axis=0), axis=1)))


def colour_statistics(images: np.ndarray) -> np.ndarray:
    """CIELAB mean and standard deviation of RGB uint8 images (N, H, W, 3): float32
    (N, 6), divided by 100 (L in [0, 1], a and b roughly in [-1, 1])."""
    # Every other pixel: these are statistics, and images may be large.
    lab = _srgb_to_lab(images[:, ::2, ::2].reshape(len(images), -1, 3))
    return (np.concatenate([lab.mean(axis=1), lab.std(axis=1)], axis=1) / 100.0).astype(np.float32)


def _descriptor(embeddings: np.ndarray, colours: np.ndarray, config: ClusterConfig) -> np.ndarray:
    # Scaled so that Euclidean distance^2 = (1 - w) d_emb^2 + w d_colour^2, each in
    # units of a typical change of painting.
    w = config.colour_weight
    return np.concatenate([np.sqrt(1.0 - w) * embeddings / config.embedding_scale,
                           np.sqrt(w) * colours / config.colour_scale], axis=1)


def _first_appearance_order(labels: list[int]) -> list[int]:
    # Renumbers clusters 0, 1, ... in the order they first appear.
    order: dict[int, int] = {}
    return [order.setdefault(label, len(order)) for label in labels]


def _srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    # RGB uint8 (..., 3) -> CIELAB (D65) float64 (..., 3).
    c = rgb.astype(np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    to_xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = linear @ to_xyz.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)
