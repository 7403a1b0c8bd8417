"""The formats of the values the pipeline keeps in the artifact store: data, never code.

Cuts are JSON; style plans an ``.npz`` of arrays and a JSON tree
(``artify_core.storage.data``) that may build only the dataclasses below.
Reading either executes nothing from the file. docs/store.md lists every
kind of entry with its format.
"""

from __future__ import annotations

from typing import Any

from artify_core.pipeline.styles import LayeredStylePlan, StylePlan
from artify_core.storage.data import DataFormatError
from artify_core.storage.memo import Codec, data_codec, json_codec

# The classes a stored style plan may hold, by the name its file records: the plan, its schedule, and
# the models' prepared styles (an arbitrary model's style is a plain array).
PLAN_TYPES = {
    "style-plan": "artify_core.pipeline.styles:StylePlan",
    "layered-style-plan": "artify_core.pipeline.styles:LayeredStylePlan",
    "style-schedule": "artify_core.keyframes.schedule:StyleSchedule",
    "style-transition": "artify_core.keyframes.schedule:StyleTransition",
    "frame-times": "artify_core.video.timing:FrameTimes",
    "gatys-style": "artify_core.models.gatys.model:GatysStyle",
    "layered-style": "artify_core.models.segmented.model:LayeredStyle",
}


def cuts_codec() -> Codec[list[int]]:
    """A content video's cuts: a JSON list of frame numbers."""
    return json_codec(_frame_numbers)


def plan_codec() -> Codec[StylePlan | LayeredStylePlan]:
    """A style plan, as ``.npz``; anything else than a plan is refused (``ValueError``)."""
    codec = data_codec(PLAN_TYPES)
    return Codec(codec.encode, lambda raw: _a_plan(codec.decode(raw)))


def _frame_numbers(value: Any) -> list[int]:
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                                              for v in value):
        raise ValueError(f"expected a list of frame numbers, got {str(value)[:80]}")
    return value


def _a_plan(value: Any) -> StylePlan | LayeredStylePlan:
    if not isinstance(value, (StylePlan, LayeredStylePlan)):
        raise DataFormatError(f"expected a style plan, got a {type(value).__name__}")
    return value
