"""Quality of a stylized video: temporal stability, structure kept, closeness to the style.

SSIM lives in ``artify_core.metrics.ssim`` (not re-exported: the function
would shadow its module's name here). The names below load their module on first
use (PEP 562): importing ``metrics.results`` or ``metrics.figures`` to show a
result must not import torch, which the style metrics need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_MODULES = {
    "report": ("evaluate_video", "write_report"),
    "results": ("SUMMARY_FIGURES", "EvaluationResult", "PerFrameMetrics", "ReportFiles"),
    "style": ("StyleBackbone", "StyleDistances", "StyleTarget", "arbitrary_backbone", "embedding_distance",
              "gram_distance", "gram_matrices", "prepare_style_target", "style_distances"),
    "warping": ("WarpingErrorMeter", "WarpingErrors", "warping_error"),
}
_HOME = {name: module for module, names in _MODULES.items() for name in names}

__all__ = sorted(_HOME)

if TYPE_CHECKING:
    from artify_core.metrics.report import evaluate_video, write_report
    from artify_core.metrics.results import SUMMARY_FIGURES, EvaluationResult, PerFrameMetrics, ReportFiles
    from artify_core.metrics.style import (
        StyleBackbone,
        StyleDistances,
        StyleTarget,
        arbitrary_backbone,
        embedding_distance,
        gram_distance,
        gram_matrices,
        prepare_style_target,
        style_distances,
    )
    from artify_core.metrics.warping import WarpingErrorMeter, WarpingErrors, warping_error


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
