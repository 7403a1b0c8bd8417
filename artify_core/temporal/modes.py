"""The temporal methods' names, defaults and help: what the settings (CLI, Prefect form) list.

Kept free of torch and OpenCV so that validating a request stays instant;
``smoothing`` implements them.
"""

from __future__ import annotations

from typing import Literal

TemporalMethod = Literal["bidirectional", "forward", "long-term", "gradient"]
METHOD_HELP: dict[str, str] = {
    "bidirectional": "a recursive blend along the flow forward in time, then backward over its result "
                     "(zero-phase; the default: the least flicker at the same style)",
    "forward": "a recursive blend with the previous output only (the first generation's smoother)",
    "long-term": "the forward blend with the outputs of t-1 and t-k, each along its own flow",
    "gradient": "gradient-domain: only low frequencies are carried, the stylized gradients kept",
}
DEFAULT_METHOD: TemporalMethod = "bidirectional"
# The strength that meets the flicker target with the style kept on clips of 176x144 to 1920x1080
# (bench/bench_temporal_sizes.py, docs/temporal.md); 0.7 let the Gram distance rise 8.7 % on bikes.
DEFAULT_STRENGTH = 0.65
DEFAULT_DETAIL = 1.0
