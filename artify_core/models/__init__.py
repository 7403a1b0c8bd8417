"""Stylization models, registered by the name users type.

Builders import their implementation on first use, so listing the models
(``MODEL_BUILDERS``) does not import torch.
"""

from __future__ import annotations

from typing import Any, Callable

from artify_core.errors import InputError
from artify_core.models.base import StyleEmbeddingModel, StyleImage, StylizationModel


def _arbitrary(**kwargs: Any) -> StylizationModel:
    from artify_core.models.arbitrary.model import arbitrary

    return arbitrary(**kwargs)


def _gatys(**kwargs: Any) -> StylizationModel:
    from artify_core.models.gatys.model import gatys

    return gatys(**kwargs)


def _segmented(**kwargs: Any) -> StylizationModel:
    from artify_core.models.segmented.model import segmented

    return segmented(**kwargs)


MODEL_BUILDERS: dict[str, Callable[..., StylizationModel]] = {
    "arbitrary": _arbitrary,
    "gatys": _gatys,
    "segmented": _segmented,
}


def load_model(name: str, **kwargs: Any) -> StylizationModel:
    """Builds the model registered as ``name`` with the builder's keyword arguments."""
    builder = MODEL_BUILDERS.get(name)
    if builder is None:
        known = ", ".join(sorted(MODEL_BUILDERS))
        raise InputError(f"unknown model {name!r}; known models: {known}")
    return builder(**kwargs)


__all__ = ["MODEL_BUILDERS", "StyleEmbeddingModel", "StyleImage", "StylizationModel", "load_model"]
