"""One loaded model per process and per configuration: weights load once, not per chunk."""

from __future__ import annotations

import threading
from functools import lru_cache

from artify_core.models import load_model
from artify_core.models.base import StylizationModel
from artify_core.models.spec import ModelSpec
from artify_core.pipeline.model_spec import spec_for

__all__ = ["ModelSpec", "get_model", "spec_for"]

# One load at a time: a chunk asking for the model a preload is building waits for it, not loads it twice.
_loading = threading.Lock()


def get_model(spec: ModelSpec) -> StylizationModel:
    with _loading:
        return _load(spec)


@lru_cache(maxsize=4)
def _load(spec: ModelSpec) -> StylizationModel:
    return load_model(spec.name, device=spec.device, **spec.arguments)
