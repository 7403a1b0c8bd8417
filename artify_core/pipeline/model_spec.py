"""The model a run's settings ask for, as a ``ModelSpec``: the one way a video run, a folder scan
and the "up to date" check build it, so all three key outputs alike."""

from __future__ import annotations

from artify_core.models.spec import ModelSpec
from artify_core.settings import StylizeSettings


def spec_for(settings: StylizeSettings) -> ModelSpec:
    """The model ``settings`` ask for, with their memory budget where the model takes one."""
    options = dict(settings.model_options)
    budget = settings.execution.memory_budget
    if budget is not None:
        if settings.model == "arbitrary":
            options["memory_budget"] = budget * 2**20
        elif settings.model == "segmented":
            options["base_options"] = {"memory_budget": budget * 2**20}
    return ModelSpec.create(settings.model, settings.execution.device, options)
