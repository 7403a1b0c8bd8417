"""Quality of a stylized video: temporal stability, structure kept, closeness to the style.

SSIM lives in ``artify_core.metrics.ssim`` (not re-exported: the function
would shadow its module's name here).
"""

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

__all__ = [
    "SUMMARY_FIGURES", "EvaluationResult", "PerFrameMetrics", "ReportFiles", "StyleBackbone", "StyleDistances", "StyleTarget",
    "WarpingErrorMeter", "WarpingErrors", "arbitrary_backbone", "embedding_distance", "evaluate_video",
    "gram_distance", "gram_matrices", "prepare_style_target", "style_distances",
    "warping_error", "write_report",
]
