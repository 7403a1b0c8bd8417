"""The request models' JSON schema, as Prefect's run form draws it and its server checks runs
against it: plain optional numbers, and a style required unless both layers have one."""

from __future__ import annotations

import pytest

from artify_core.settings import FolderRequest, VideoRequest

OPTIONAL = {("VideoRequest", "height"): "integer", ("VideoRequest", "style_scale"): "number",
            ("ExecutionOptions", "memory_budget"): "integer", ("SegmentedOptions", "fg_transition"): "number",
            ("SegmentedOptions", "bg_transition"): "number"}


def _schema(model: type) -> dict:
    schema = model.model_json_schema(ref_template="#/definitions/{model}")
    definitions = schema.pop("$defs")
    return {"definitions": {**definitions, model.__name__: schema}}


@pytest.mark.parametrize("where,kind", OPTIONAL.items(), ids=lambda v: v if isinstance(v, str) else ".".join(v))
def test_optional_numbers_are_plain_fields_without_a_null_switch(where, kind):
    model, field = where
    prop = _schema(VideoRequest)["definitions"][model]["properties"][field]
    assert prop["type"] == kind and "anyOf" not in prop and "default" not in prop
    assert prop["minimum"] < prop["maximum"]  # the bounds stay
    assert VideoRequest.model_validate({"content": "a.mp4", "style": ["s.jpg"]}).height is None  # still None


def test_an_optional_choice_keeps_null_among_its_values():
    prop = _schema(VideoRequest)["definitions"]["SegmentedOptions"]["properties"]["fg_schedule"]
    assert prop["type"] == "string" and prop["enum"][-1] is None and "scenes" in prop["enum"]


REQUESTS = {
    "no style": ({}, "'style' is a required property"),
    "an empty style": ({"style": []}, "should be non-empty"),
    "a style": ({"style": ["s.jpg"]}, None),
    "both layers": ({"model": "segmented", "segmented": {"fg_style": ["a.jpg"], "bg_style": ["b.jpg"]}}, None),
    "one layer": ({"model": "segmented", "segmented": {"fg_style": ["a.jpg"]}}, "'style' is a required property"),
    "both layers, no model": ({"segmented": {"fg_style": ["a.jpg"], "bg_style": ["b.jpg"]}}, "'model'"),
    "empty optional values": ({"style": ["s.jpg"], "height": None, "segmented": {"fg_schedule": None}}, None),
}


@pytest.mark.parametrize("model", [VideoRequest, FolderRequest], ids=lambda m: m.__name__)
@pytest.mark.parametrize("case", REQUESTS, ids=str)
def test_prefect_checks_a_run_as_the_model_does(model, case):
    """Prefect's own validation (what its server runs on a new flow run) agrees with pydantic."""
    from prefect.utilities.schema_tools.validation import validate

    extra, problem = REQUESTS[case]
    request = {**({"content": "a.mp4"} if model is VideoRequest else {"source": "in", "destination": "out"}),
               **extra}
    schema = {**_schema(model), "type": "object",
              "properties": {"request": {"$ref": f"#/definitions/{model.__name__}"}}}
    errors = [error.message for error in validate({"request": request}, schema)]
    if problem is None:
        assert errors == [] and model.model_validate(request)
    else:
        assert any(problem in message for message in errors), errors
        with pytest.raises(ValueError):
            model.model_validate(request)
