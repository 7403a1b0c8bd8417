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
                version="artify_core.models.arbitrary.model:model_version",
                stateful="artify_core.models.arbitrary.model:carries_state")
MODELS.register("gatys", "artify_core.models.gatys.model:gatys",
                summary="Gatys et al. 2016: per-frame optimisation; video after Ruder et al. 2016",
                version="artify_core.models.gatys.model:model_version", stateful=True)
MODELS.register("segmented", "artify_core.models.segmented.model:segmented",
                summary="subject and background stylized independently and merged",
                version="artify_core.models.segmented.model:model_version", stateful=True)


def load_model(name: str, **options: Any) -> StylizationModel:
    """Builds the model registered as ``name`` with its builder's keyword arguments."""
    return MODELS.build(name, **options)


def model_version(name: str, **options: Any) -> str:
    """The version ``load_model(name, **options)`` would report, computed without loading weights."""
    return resolve(MODELS.extra(name, "version"))(**options)


def carries_state(name: str, **options: Any) -> bool:
    """Whether the model's output for a frame depends on earlier frames, with these builder options
    (a model registers a bool, or a ``"module:function"`` of its options)."""
    stateful = MODELS.extra(name, "stateful")
    return bool(resolve(stateful)(**options)) if isinstance(stateful, str) else bool(stateful)


__all__ = ["MODELS", "StyleEmbeddingModel", "StyleImage", "StylizationModel", "carries_state", "load_model",
           "model_version"]
