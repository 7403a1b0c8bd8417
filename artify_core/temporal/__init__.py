"""Temporal coherence for any stylization model: optical flow, warping, smoothing."""

from artify_core.temporal.flow import (
    FLOW_ESTIMATORS,
    RAFT_WEIGHTS_ENV,
    DISFlow,
    FlowEstimator,
    RaftFlow,
    load_flow_estimator,
)
from artify_core.temporal.functional import blend, consistency_mask, motion_boundary_mask, warp
from artify_core.temporal.smoothing import (
    DEFAULT_OVERLAP,
    DEFAULT_STRENGTH,
    SmootherState,
    SmoothingSettings,
    TemporalSmoother,
    recommended_overlap,
    warmup_start,
)

__all__ = [
    "DEFAULT_OVERLAP", "DEFAULT_STRENGTH", "DISFlow", "FLOW_ESTIMATORS", "FlowEstimator", "RAFT_WEIGHTS_ENV",
    "RaftFlow", "SmootherState", "SmoothingSettings", "TemporalSmoother", "blend", "consistency_mask",
    "load_flow_estimator", "motion_boundary_mask", "recommended_overlap", "warmup_start", "warp",
]
