"""What an evaluation produces: whole-video figures, per-frame arrays, the report's files.

Plain data, apart from the code that computes it (``report``) and the code that draws
it (``figures``), so both can use it without importing each other.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

# The whole-video figures, in the order reports, tables and the CLI show them.
SUMMARY_FIGURES = ("frames", "warping_error", "warping_error_content", "warping_error_ratio", "style_distance",
                   "style_distance_embedding", "ssim", "seconds_per_frame")


@dataclass(frozen=True)
class PerFrameMetrics:
    """float64 (N,) per metric, index = frame number; NaN where undefined (frame 0 for warping errors)."""

    warping_error: np.ndarray
    warping_error_content: np.ndarray
    ssim: np.ndarray
    style_distance: np.ndarray
    style_distance_embedding: np.ndarray | None = None
    # (N, n_styles) Gram distance to every style of a schedule, when one was given.
    style_distance_by_style: np.ndarray | None = None
    # float64 (N,): each frame's presentation time in seconds (real times: the rate may vary).
    seconds: np.ndarray | None = None


@dataclass(frozen=True)
class ReportFiles:
    """What ``write_report`` wrote into the report directory."""

    directory: Path
    json: Path
    plot: Path
    contact_sheet: Path
    markdown: Path


@dataclass(frozen=True)
class EvaluationResult:
    """Whole-video figures (means over frames; NaN-skipping) and the per-frame arrays behind them.

    ``warping_error_ratio`` is output / content warping error: 1.0 means as
    stable as the source. ``style_distance`` is the Gram distance;
    ``style_distance_embedding`` the cosine distance in the style space, when
    the backbone has one.
    """

    stylized: str
    content: str
    frames: int
    warping_error: float
    warping_error_content: float
    warping_error_ratio: float
    style_distance: float
    ssim: float
    style_distance_embedding: float | None
    seconds: float
    per_frame: PerFrameMetrics = field(repr=False)
    flow: str = ""
    backbone: str = ""
    report: ReportFiles | None = None

    @property
    def seconds_per_frame(self) -> float:
        return self.seconds / self.frames if self.frames else float("nan")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types; NaN becomes None."""
        per_frame = {name: _json_list(values) if values.ndim == 1 else [_json_list(row) for row in values]
                     for name, values in vars(self.per_frame).items() if values is not None}
        summary = {name: _json_number(getattr(self, name)) for name in (*SUMMARY_FIGURES, "seconds")}
        return {**summary, "stylized": self.stylized, "content": self.content, "flow": self.flow,
                "backbone": self.backbone, "per_frame": per_frame}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)


@dataclass(frozen=True)
class ContactSample:
    """One frame for the contact sheet: RGB uint8 (H, W, 3) content and stylized."""

    frame: int
    content: np.ndarray
    stylized: np.ndarray


def _json_number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _json_list(values: np.ndarray) -> list[float | None]:
    return [float(v) if math.isfinite(v) else None for v in np.asarray(values, np.float64)]
