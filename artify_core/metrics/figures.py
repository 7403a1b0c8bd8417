"""Pictures and text for an evaluation report: per-frame plot, contact sheet, markdown.

The plot uses matplotlib's object API with the Agg canvas (no pyplot, so no
global figure state and no display needed); the contact sheet uses Pillow.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw

from artify_core.metrics.results import ContactSample, EvaluationResult, ReportFiles

PANEL_WIDTH = 480
LABEL_HEIGHT = 18


def plot_per_frame(result: EvaluationResult, path: Path) -> Path:
    """Three stacked panels over time (the frames' real presentation times, when known, else frame
    numbers): warping errors, SSIM, style distance; written as PNG."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError("the per-frame plot needs matplotlib: pip install matplotlib") from exc
    per_frame = result.per_frame
    timed = per_frame.seconds is not None and len(per_frame.seconds) == result.frames
    frames = per_frame.seconds if timed else np.arange(result.frames)
    figure = Figure(figsize=(10, 7.5), layout="constrained")
    FigureCanvasAgg(figure)
    warp_axes, ssim_axes, style_axes = figure.subplots(3, 1, sharex=True)
    warp_axes.plot(frames, per_frame.warping_error, label=f"stylized (mean {result.warping_error:.2e})")
    warp_axes.plot(frames, per_frame.warping_error_content, label=f"content (mean {result.warping_error_content:.2e})")
    warp_axes.set(yscale="log", ylabel="warping error",
                  title=f"{Path(result.stylized).name}: warping-error ratio {result.warping_error_ratio:.2f}")
    warp_axes.legend(loc="upper right")
    ssim_axes.plot(frames, per_frame.ssim, color="tab:green")
    ssim_axes.set(ylabel="SSIM vs content")
    scheduled = per_frame.style_distance_by_style is not None
    style_axes.plot(frames, per_frame.style_distance, color="tab:purple",
                    label="Gram distance (scheduled style)" if scheduled else "Gram distance")
    if scheduled:
        for style, column in enumerate(per_frame.style_distance_by_style.T):
            style_axes.plot(frames, column, linewidth=0.8, linestyle=":", label=f"to style {style}")
    if per_frame.style_distance_embedding is not None:
        twin = style_axes.twinx()
        twin.plot(frames, per_frame.style_distance_embedding, color="tab:orange", label="embedding distance")
        twin.set(ylabel="embedding distance")
        twin.legend(loc="upper right")
    style_axes.set(xlabel="time (s)" if timed else "frame", ylabel="Gram distance")
    style_axes.legend(loc="upper left")
    figure.savefig(path, dpi=100)
    return path


def contact_sheet(samples: Sequence[ContactSample], path: Path, *, panel_width: int = PANEL_WIDTH) -> Path:
    """One row per sample, content | stylized, each panel ``panel_width`` wide and labelled; PNG."""
    rows = [_row(sample, panel_width) for sample in samples]
    if not rows:
        Image.new("RGB", (2 * panel_width, LABEL_HEIGHT), "white").save(path)
        return path
    sheet = Image.new("RGB", (rows[0].width, sum(row.height for row in rows)), "white")
    top = 0
    for row in rows:
        sheet.paste(row, (0, top))
        top += row.height
    sheet.save(path)
    return path


def _row(sample: ContactSample, panel_width: int) -> Image.Image:
    height, width = sample.content.shape[:2]
    panel_height = max(1, round(height * panel_width / width))
    row = Image.new("RGB", (2 * panel_width, panel_height + LABEL_HEIGHT), "white")
    draw = ImageDraw.Draw(row)
    for column, (label, pixels) in enumerate((("content", sample.content), ("stylized", sample.stylized))):
        panel = Image.fromarray(pixels).resize((panel_width, panel_height), Image.LANCZOS)
        row.paste(panel, (column * panel_width, LABEL_HEIGHT))
        draw.text((column * panel_width + 4, 3), f"{label}, frame {sample.frame}", fill="black")
    return row


# (name, result attribute, number format, what a good value looks like), in reading order.
FIGURES = (
    ("warping-error ratio", "warping_error_ratio", ".2f", "1.0 = as stable as the source; lower is steadier"),
    ("warping error (stylized)", "warping_error", ".3e", "Lai et al. 2018, masked MSE on 0–1"),
    ("warping error (content)", "warping_error_content", ".3e", "the source's own"),
    ("SSIM vs content", "ssim", ".3f", "luminance structure kept (1 = identical)"),
    ("style distance (Gram)", "style_distance", ".3f", "0 = the style's feature statistics; lower is closer"),
    ("style distance (embedding)", "style_distance_embedding", ".3f", "cosine distance in the style space"),
)


def figure_rows(result: EvaluationResult) -> list[dict[str, str]]:
    """The whole-video figures as a person reads them: named, rounded, with what good looks like."""
    def number(value: float | None, spec: str) -> str:
        return "n/a" if value is None or value != value else format(value, spec)

    rows = [{"metric": name, "value": number(getattr(result, attribute), spec), "reading": reading}
            for name, attribute, spec, reading in FIGURES]
    rows.append({"metric": "frames evaluated", "value": str(result.frames),
                 "reading": f"{1000 * result.seconds_per_frame:.0f} ms per frame"})
    return rows


def render_markdown(result: EvaluationResult, files: ReportFiles) -> str:
    """A short report linking the figures written next to it."""
    lines = [
        f"# Evaluation of {Path(result.stylized).name}",
        "",
        f"Content: `{result.content}` — {result.frames} frames, evaluated in {result.seconds:.1f} s "
        f"({1000 * result.seconds_per_frame:.0f} ms per frame). Flow: {result.flow}; "
        f"style backbone: {result.backbone}.",
        "",
        "| metric | value | reading |",
        "| --- | --- | --- |",
        *(f"| {row['metric']} | {row['value']} | {row['reading']} |" for row in figure_rows(result)),
        "",
        f"![per-frame metrics]({files.plot.name})",
        "",
        f"![content | stylized]({files.contact_sheet.name})",
        "",
        f"Per-frame values: [{files.json.name}]({files.json.name}).",
        "",
    ]
    return "\n".join(lines)
