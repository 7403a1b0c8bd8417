"""Stylization models, registered by the name users type: the models of ``bases`` and the
composite ``segmented`` model built on one of them (``bases`` says what an entry holds).
"""

from __future__ import annotations

from typing import Any

from artify_core.models.base import StyleEmbeddingModel, StyleImage, StylizationModel
from artify_core.models.bases import BASE_MODELS, ModelRegistry

MODELS = ModelRegistry("model", extends=BASE_MODELS)
MODELS.register("segmented", "artify_core.models.segmented.model:segmented",
                summary="subject and background stylized independently and merged",
                version="artify_core.models.segmented.spec:model_version", stateful=True,
                resolve="artify_core.models.segmented.spec:resolve_options")


def load_model(name: str, **options: Any) -> StylizationModel:
    """Builds the model registered as ``name`` with its builder's keyword arguments."""
    return MODELS.load(name, **options)


def model_version(name: str, **options: Any) -> str:
    """The version ``load_model(name, **options)`` would report, computed without loading weights."""
    return MODELS.version(name, **options)


def resolve_options(name: str, **options: Any) -> dict[str, Any]:
    """The builder's options with ``auto`` made concrete, without loading weights (``ModelRegistry``)."""
    return MODELS.resolve_options(name, **options)


def carries_state(name: str, **options: Any) -> bool:
    """Whether the model's output for a frame depends on earlier frames, with these builder options."""
    return MODELS.carries_state(name, **options)


__all__ = ["MODELS", "StyleEmbeddingModel", "StyleImage", "StylizationModel", "carries_state", "load_model",
           "model_version", "resolve_options"]
