"""``ModelSpec``: which model a run uses and how it is built, every ``auto`` made concrete on this
machine, without loading weights, so a run's cache keys (and "is this output up to date?") are
known before any model or framework is imported."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from artify_core.models import carries_state, model_version, resolve_options


@dataclass(frozen=True)
class ModelSpec:
    """How to build a model, resolved where the run is planned; hashable so it can key a
    per-process cache. Workers build exactly this (a GPU worker of a CPU-planned run computes on
    its CPU, as the cache key says), or fail saying what they lack."""

    name: str = "arbitrary"
    device: str = "cpu"
    # The builder's keyword arguments (backbone, iterations, mask, precision, backend …) as sorted pairs.
    options: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def create(cls, name: str, device: str = "auto", options: dict[str, Any] | None = None) -> "ModelSpec":
        """The spec of model ``name`` with these options, resolved on this machine (no weights loaded)."""
        resolved = resolve_options(name, device=device, **(options or {}))
        device = resolved.pop("device")
        return cls(name, device, _frozen(resolved))

    @property
    def arguments(self) -> dict[str, Any]:
        """The builder's keyword arguments, nested options (a segmented model's base) as dicts again."""
        return _thawed(self.options)

    @property
    def version(self) -> str:
        """The model's version (code + weights digest + what changes its pixels), without loading it."""
        return model_version(self.name, device=self.device, **self.arguments)

    @property
    def resolved_device(self) -> str:
        """The device the model runs on ("cpu", "cuda", "cuda:1" …)."""
        return self.device

    @property
    def precision(self) -> str:
        """The arithmetic the model runs in (fp32, bf16, fp16), without loading it: named in its
        version where the model has a choice (the arbitrary model and models built on it)."""
        found = re.findall(r"\+(fp32|fp16|bf16)\b", self.version)
        return found[0] if found else "fp32"

    @property
    def stateful(self) -> bool:
        """Whether the model's output for a frame depends on earlier frames (it restarts at cuts)."""
        return carries_state(self.name, **self.arguments)


class _Nested(tuple):
    """Sorted pairs that stood for a dict (so a spec stays hashable and turns back into arguments)."""


def _frozen(options: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return _Nested((key, _frozen(value) if isinstance(value, dict) else value)
                   for key, value in sorted(options.items()))


def _thawed(pairs: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    return {key: _thawed(value) if isinstance(value, _Nested) else value for key, value in pairs}
