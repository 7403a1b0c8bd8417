"""Optical flow estimators, registered by the name users type (the builders are in ``flow``).

Registered as ``"module:function"`` so that listing them (the settings' choices) imports
neither torch nor OpenCV.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from artify_core.foundation.registry import Registry

if TYPE_CHECKING:
    from artify_core.temporal.flow import FlowEstimator

FLOW_ESTIMATORS: Registry[FlowEstimator] = Registry("flow estimator")
FLOW_ESTIMATORS.register("dis", "artify_core.temporal.flow:dis", summary="OpenCV DIS (CPU, no weights)")
FLOW_ESTIMATORS.register("raft", "artify_core.temporal.flow:raft",
                         summary="torchvision RAFT (GPU; weights from the torch cache or $ARTIFY_RAFT_WEIGHTS)")
DEFAULT_FLOW = "dis"


def load_flow_estimator(name: str = DEFAULT_FLOW, **kwargs: Any) -> FlowEstimator:
    """Builds the estimator registered as ``name`` with its builder's keyword arguments."""
    return FLOW_ESTIMATORS.build(name, **kwargs)
