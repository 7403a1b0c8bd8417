"""The models that stylize a frame on their own, registered by the name users type, and what a
model registry answers about its entries without loading weights.

``models`` (``MODELS``) extends this registry with the composite ``segmented`` model, which
builds its layers with one of these: it reads them here, a layer below the registry that names
it, so that no import (nor registry string) leads back to itself.

Builders are registered as ``"module:function"`` and imported on first use, so listing the
models (the CLI's choices, the Prefect form's drop-down) imports no torch. Each entry also names
a version function, which gives the version a model would report without loading its weights
(cache keys are computed in the flow's process, which never needs the weights), and whether the
model carries state from frame to frame (then it restarts at cuts): a bool, or a function of the
builder's options.
"""

from __future__ import annotations

from typing import Any

from artify_core.foundation.registry import Registry, resolve
from artify_core.models.base import StylizationModel


class ModelRegistry(Registry[StylizationModel]):
    """Stylization model builders, with the facts the pipeline needs before building one."""

    def load(self, name: str, **options: Any) -> StylizationModel:
        """Builds the model registered as ``name`` with its builder's keyword arguments."""
        return self.build(name, **options)

    def version(self, name: str, **options: Any) -> str:
        """The version ``load(name, **options)`` would report, computed without loading weights."""
        return resolve(self.extra(name, "version"))(**options)

    def resolve_options(self, name: str, **options: Any) -> dict[str, Any]:
        """The builder's options with what ``auto`` stands for made concrete (the device; for some models
        the precision and the backend), computed without loading weights: the process that keys a chunk
        and the worker that computes it then build the same model."""
        resolver = self.extra(name, "resolve", None)
        if resolver is None:
            from artify_core.foundation.device import device_name

            return {**options, "device": device_name(str(options.get("device", "auto")))}
        return resolve(resolver)(**options)

    def carries_state(self, name: str, **options: Any) -> bool:
        """Whether the model's output for a frame depends on earlier frames, with these builder options
        (a model registers a bool, or a ``"module:function"`` of its options)."""
        stateful = self.extra(name, "stateful")
        return bool(resolve(stateful)(**options)) if isinstance(stateful, str) else bool(stateful)


BASE_MODELS = ModelRegistry("base model")
BASE_MODELS.register("arbitrary", "artify_core.models.arbitrary.model:arbitrary",
                     summary="Ghiasi et al. 2017: feed-forward, any style image",
                     version="artify_core.models.arbitrary.spec:model_version",
                     stateful="artify_core.models.arbitrary.spec:carries_state",
                     resolve="artify_core.models.arbitrary.spec:resolve_options")
BASE_MODELS.register("gatys", "artify_core.models.gatys.model:gatys",
                     summary="Gatys et al. 2016: per-frame optimisation; video after Ruder et al. 2016",
                     version="artify_core.models.gatys.model:model_version", stateful=True)
