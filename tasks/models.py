"""One loaded model per process and per configuration: weights load once, not per chunk."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from artify_core.models import load_model
from artify_core.models.base import StylizationModel


@dataclass(frozen=True)
class ModelSpec:
    """How to build a model; hashable so it can key the per-process cache."""

    name: str = "arbitrary"
    device: str = "auto"


@lru_cache(maxsize=4)
def get_model(spec: ModelSpec) -> StylizationModel:
    return load_model(spec.name, device=spec.device)
