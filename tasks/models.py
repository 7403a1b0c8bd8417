"""One loaded model per process and per configuration: weights load once, not per chunk."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from artify_core.models import load_model
from artify_core.models.base import StylizationModel


@dataclass(frozen=True)
class ModelSpec:
    """How to build a model; hashable so it can key the per-process cache."""

    name: str = "arbitrary"
    device: str = "auto"
    # The builder's keyword arguments (backbone, iterations, mask …) as sorted pairs.
    options: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def create(cls, name: str, device: str = "auto", options: dict[str, Any] | None = None) -> "ModelSpec":
        return cls(name, device, tuple(sorted((options or {}).items())))


@lru_cache(maxsize=4)
def get_model(spec: ModelSpec) -> StylizationModel:
    return load_model(spec.name, device=spec.device, **dict(spec.options))
