"""The deployments' typed parameters match the flows they are sent to."""

from __future__ import annotations

import inspect

import pytest

from deployments.params import StylizeFolderParams, StylizeVideoParams


@pytest.mark.parametrize("model,entrypoint", [
    (StylizeFolderParams, "flows.stylize_folder:stylize_folder"),
    (StylizeVideoParams, "flows.stylize_video:stylize_video"),
], ids=["stylize-folder", "stylize-video"])
def test_fields_are_flow_parameters(model, entrypoint):
    import importlib

    module, _, name = entrypoint.partition(":")
    parameters = inspect.signature(getattr(importlib.import_module(module), name).fn).parameters
    assert set(model.model_fields) <= set(parameters)
    required = {n for n, p in parameters.items() if p.default is inspect.Parameter.empty}
    assert required <= set(model.model_fields)


def test_folder_defaults_are_the_flows():
    from flows.stylize_folder import stylize_folder

    parameters = inspect.signature(stylize_folder.fn).parameters
    params = StylizeFolderParams(source="s3://b/in", destination="s3://b/out", style=["s3://b/s.jpg"])
    for name, value in params.model_dump(exclude={"source", "destination", "style"}).items():
        assert parameters[name].default == value, name
