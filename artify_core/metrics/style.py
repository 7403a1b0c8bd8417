"""How far stylized frames are from their style image(s).

Two measures, both per frame, computed batch by batch:

* **Gram distance** (Gatys et al. 2016's style statistics) on a fixed,
  offline backbone: for each layer, the Gram matrix of the activations,
  G = F·Fᵀ / (h·w), compared with the style's by the relative Frobenius
  distance ‖G − G_s‖ / ‖G_s‖, averaged over layers. Dimensionless; 0 means
  the frame has the style's feature statistics. The default backbone is the
  MobileNet-v2 trunk of the arbitrary model's style prediction network
  (``arbitrary_backbone``), whose weights Artify already ships.
* **Embedding distance**: cosine distance, 1 − cos, between an embedding of
  each frame and the style's embedding, for models with a style space (the
  ``embed_fn`` is passed in, e.g. ``ArbitraryStylizer.embed_style``).

Frames and style images are resized so their shorter side is ``size`` pixels
before the Gram features: texture statistics depend on scale, and this puts
frames of any resolution and style images of any size on one scale.
With several style images the target is their weighted mean (mixed styles).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch

from artify_core.models.functional import gram_matrix, resize_shorter_side as resize_image_shorter_side
from artify_core.errors import InputError

# Float in [0, 1], (N, 3, H, W) → activations (N, C, h, w), one per layer.
FeatureFn = Callable[[torch.Tensor], Sequence[torch.Tensor]]
# RGB uint8 (N, H, W, 3) → float (N, D).
EmbedFn = Callable[[np.ndarray], np.ndarray]

GRAM_SIZE = 256
# ReLU6 activations at strides 2, 2, 4, 8 and 16, like the relu1_1 … relu5_1
# of VGG that Gatys et al. used: fine texture to larger motifs.
MOBILENET_STYLE_LAYERS = (
    "layer_1", "layer_3/expansion_output", "layer_5/expansion_output",
    "layer_8/expansion_output", "layer_12/expansion_output",
)


@dataclass(frozen=True)
class StyleBackbone:
    """The networks style distances are measured with; ``embed_fn`` is optional."""

    feature_fn: FeatureFn
    embed_fn: EmbedFn | None = None
    name: str = "custom"


@dataclass(frozen=True)
class StyleTarget:
    """The style's statistics, prepared once: Gram matrices per layer (C, C) and an optional embedding (D,)."""

    grams: tuple[torch.Tensor, ...]
    embedding: np.ndarray | None


@dataclass(frozen=True)
class StyleDistances:
    """Per-frame distances, float64 (n,); ``embedding`` is None without an ``embed_fn``."""

    gram: np.ndarray
    embedding: np.ndarray | None


def gram_matrices(features: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """(N, C, h, w) activations → (N, C, C) Gram matrices, normalised by C·h·w (size-independent)."""
    return [gram_matrix(activation.float()) for activation in features]


def gram_distance(grams: Sequence[torch.Tensor], targets: Sequence[torch.Tensor]) -> torch.Tensor:
    """Mean over layers of ‖G − T‖_F / ‖T‖_F: (N, C, C) per layer against (C, C) → (N,)."""
    per_layer = [torch.linalg.matrix_norm(g - t) / torch.linalg.matrix_norm(t).clamp_min(1e-12)
                 for g, t in zip(grams, targets, strict=True)]
    return torch.stack(per_layer).mean(dim=0)


def embedding_distance(embeddings: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Cosine distance 1 − cos between each row of (N, D) and a (D,) target → float64 (N,) in [0, 2]."""
    rows = np.asarray(embeddings, np.float64)
    goal = np.asarray(target, np.float64)
    norms = np.linalg.norm(rows, axis=1) * np.linalg.norm(goal)
    return 1.0 - rows @ goal / np.maximum(norms, 1e-12)


def resize_shorter_side(images: np.ndarray, size: int = GRAM_SIZE) -> torch.Tensor:
    """RGB uint8 (N, H, W, 3) → float32 (N, 3, h, w) in [0, 1] with min(h, w) = ``size`` (antialiased)."""
    # A copy: decoded frames are read-only buffers, which torch will not wrap.
    tensor = torch.from_numpy(np.array(images)).permute(0, 3, 1, 2).float().div_(255.0)
    return resize_image_shorter_side(tensor, size)


@torch.inference_mode()
def prepare_style_target(
    style_images: Sequence[np.ndarray],
    backbone: StyleBackbone,
    *,
    weights: Sequence[float] | None = None,
    size: int = GRAM_SIZE,
) -> StyleTarget:
    """The weighted-mean Gram matrices (and embedding) of style images, RGB uint8 (H, W, 3) each."""
    if not style_images:
        raise InputError("no style images given; style distance needs at least one")
    mix = np.ones(len(style_images)) if weights is None else np.asarray(weights, np.float64)
    if mix.shape != (len(style_images),) or np.any(mix < 0) or mix.sum() <= 0:
        raise InputError(f"style weights must be one non-negative number per image with a positive sum; got {mix}")
    mix = mix / mix.sum()
    per_image = [gram_matrices(backbone.feature_fn(resize_shorter_side(image[None], size)))
                 for image in style_images]
    grams = tuple(sum(float(w) * layers[k][0] for w, layers in zip(mix, per_image))
                  for k in range(len(per_image[0])))
    embedding = None
    if backbone.embed_fn is not None:
        embedding = np.sum([w * backbone.embed_fn(image[None])[0] for w, image in zip(mix, style_images)], axis=0)
    return StyleTarget(grams, embedding)


@torch.inference_mode()
def style_distances(frames: np.ndarray, target: StyleTarget, backbone: StyleBackbone,
                    *, size: int = GRAM_SIZE) -> StyleDistances:
    """Distances of RGB uint8 (n, H, W, 3) frames to a prepared ``StyleTarget``."""
    return style_distances_to_each(frames, [target], backbone, size=size)[0]


@torch.inference_mode()
def style_distances_to_each(frames: np.ndarray, targets: Sequence[StyleTarget], backbone: StyleBackbone,
                            *, size: int = GRAM_SIZE) -> list[StyleDistances]:
    """Distances of RGB uint8 (n, H, W, 3) frames to each of several targets; features computed once."""
    grams = gram_matrices(backbone.feature_fn(resize_shorter_side(frames, size)))
    embeddings = backbone.embed_fn(frames) if backbone.embed_fn is not None else None
    found = []
    for target in targets:
        gram = gram_distance(grams, target.grams).double().cpu().numpy()
        embedding = None
        if embeddings is not None and target.embedding is not None:
            embedding = embedding_distance(embeddings, target.embedding)
        found.append(StyleDistances(gram, embedding))
    return found


def arbitrary_backbone(*, device: str = "cpu", layers: Sequence[str] = MOBILENET_STYLE_LAYERS) -> StyleBackbone:
    """MobileNet-v2 Gram features and style embeddings from the arbitrary model's predictor.

    Raises ``WeightsUnavailableError`` (with instructions) when its weights are not installed.
    """
    from artify_core.models import load_model

    model = load_model("arbitrary", device=device)
    predictor, chosen = model.predictor, tuple(layers)

    def features(images: torch.Tensor) -> list[torch.Tensor]:
        found = predictor.features(images.to(model.device), chosen)
        return [found[name] for name in chosen]

    return StyleBackbone(feature_fn=features, embed_fn=model.embed_style, name="arbitrary-mobilenet-v2")
