"""One loaded model per process and per configuration: weights load once, not per chunk."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from artify_core.models import carries_state, load_model, model_version
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

    @property
    def version(self) -> str:
        """The model's version (code + weights digest + what changes its pixels), without loading it."""
        return model_version(self.name, device=self.device, **dict(self.options))

    @property
    def resolved_device(self) -> str:
        """The device the model will run on: "auto" becomes "cuda" or "cpu" (without loading it)."""
        if self.device != "auto":
            return self.device
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"

    @property
    def stateful(self) -> bool:
        """Whether the model's output for a frame depends on earlier frames (it restarts at cuts)."""
        return carries_state(self.name, **dict(self.options))


@lru_cache(maxsize=4)
def get_model(spec: ModelSpec) -> StylizationModel:
    return load_model(spec.name, device=spec.device, **dict(spec.options))
