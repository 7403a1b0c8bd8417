"""Stylization models, registered by the name users type.

Builders are registered as ``"module:function"`` and imported on first use, so
listing the models (``MODELS.names()``: the CLI's choices, the Prefect form's
drop-down) imports no torch. Each entry also names a version function, which
gives the version a model would report without loading its weights (cache
keys are computed in the flow's process, which never needs the weights), and
whether the model carries state from frame to frame (then it restarts at cuts): a bool, or
a function of the builder's options.
"""

from __future__ import annotations

from typing import Any

from artify_core.foundation.registry import Registry, resolve
from artify_core.models.base import StyleEmbeddingModel, StyleImage, StylizationModel

MODELS: Registry[StylizationModel] = Registry("model")
MODELS.register("arbitrary", "artify_core.models.arbitrary.model:arbitrary",
                summary="Ghiasi et al. 2017: feed-forward, any style image",
                version="artify_core.models.arbitrary.spec:model_version",
                stateful="artify_core.models.arbitrary.spec:carries_state",
                resolve="artify_core.models.arbitrary.spec:resolve_options")
MODELS.register("gatys", "artify_core.models.gatys.model:gatys",
                summary="Gatys et al. 2016: per-frame optimisation; video after Ruder et al. 2016",
                version="artify_core.models.gatys.model:model_version", stateful=True)
MODELS.register("segmented", "artify_core.models.segmented.model:segmented",
                summary="subject and background stylized independently and merged",
                version="artify_core.models.segmented.spec:model_version", stateful=True,
                resolve="artify_core.models.segmented.spec:resolve_options")


def load_model(name: str, **options: Any) -> StylizationModel:
    """Builds the model registered as ``name`` with its builder's keyword arguments."""
    return MODELS.build(name, **options)


def model_version(name: str, **options: Any) -> str:
    """The version ``load_model(name, **options)`` would report, computed without loading weights."""
    return resolve(MODELS.extra(name, "version"))(**options)


def resolve_options(name: str, **options: Any) -> dict[str, Any]:
    """The builder's options with what ``auto`` stands for made concrete (the device; for some models the
    precision and the backend), computed without loading weights: the process that keys a chunk and the
    worker that computes it then build the same model."""
    resolver = MODELS.extra(name, "resolve", None)
    if resolver is None:
        from artify_core.foundation.device import device_name

        return {**options, "device": device_name(str(options.get("device", "auto")))}
    return resolve(resolver)(**options)


def carries_state(name: str, **options: Any) -> bool:
    """Whether the model's output for a frame depends on earlier frames, with these builder options
    (a model registers a bool, or a ``"module:function"`` of its options)."""
    stateful = MODELS.extra(name, "stateful")
    return bool(resolve(stateful)(**options)) if isinstance(stateful, str) else bool(stateful)


__all__ = ["MODELS", "StyleEmbeddingModel", "StyleImage", "StylizationModel", "carries_state", "load_model",
           "model_version", "resolve_options"]
