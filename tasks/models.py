"""One loaded model per process and per configuration: weights load once, not per chunk."""

from __future__ import annotations

from functools import lru_cache

from artify_core.models import load_model
from artify_core.models.base import StylizationModel
from artify_core.models.spec import ModelSpec
from artify_core.pipeline.model_spec import spec_for

__all__ = ["ModelSpec", "get_model", "spec_for"]


@lru_cache(maxsize=4)
def get_model(spec: ModelSpec) -> StylizationModel:
    return load_model(spec.name, device=spec.device, **spec.arguments)
