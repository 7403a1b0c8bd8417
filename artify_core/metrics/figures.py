"""Pictures and text for an evaluation report: per-frame plot, contact sheet, markdown.

The plot uses matplotlib's object API with the Agg canvas (no pyplot, so no
global figure state and no display needed); the contact sheet uses Pillow.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw

from artify_core.images import label_font
from artify_core.metrics.results import ContactSample, EvaluationResult, ReportFiles

PANEL_WIDTH = 480
# Labels in pixels: readable where the sheet is shown scaled down (an artifact, a report page).
LABEL_SIZE = 20
LABEL_HEIGHT = 30


def plot_per_frame(result: EvaluationResult, path: Path) -> Path:
    """Three stacked panels over time (the frames' real presentation times, when known, else frame
    numbers): warping errors, SSIM, style distance; written as PNG. Each panel says which way is
    better and where the content itself lies (its own warping error; SSIM 1)."""
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
    figure.suptitle(f"{Path(result.stylized).name}: warping-error ratio {result.warping_error_ratio:.2f} "
                    "(stylized ÷ content; the content itself scores 1.00, lower is steadier)")
    warp_axes.plot(frames, per_frame.warping_error, label=f"stylized (mean {result.warping_error:.2e})")
    warp_axes.plot(frames, per_frame.warping_error_content,
                   label=f"content itself (mean {result.warping_error_content:.2e})")
    warp_axes.axhline(result.warping_error_content, color="tab:orange", linestyle="--", linewidth=0.8)
    warp_axes.set(yscale="log", ylabel="warping error\n(lower is steadier)")
    warp_axes.legend(loc="upper right")
    ssim_axes.plot(frames, per_frame.ssim, color="tab:green", label=f"stylized (mean {result.ssim:.3f})")
    ssim_axes.axhline(1.0, color="tab:orange", linestyle="--", linewidth=0.8, label="content itself (1)")
    ssim_axes.set(ylabel="SSIM vs content\n(higher keeps more structure)")
    ssim_axes.legend(loc="lower right")
    scheduled = per_frame.style_distance_by_style is not None
    style_axes.plot(frames, per_frame.style_distance, color="tab:purple",
                    label="Gram distance (scheduled style)" if scheduled else "Gram distance")
    if scheduled:
        for style, column in enumerate(per_frame.style_distance_by_style.T):
            style_axes.plot(frames, column, linewidth=0.8, linestyle=":", label=f"to style {style}")
    if per_frame.style_distance_embedding is not None:
        twin = style_axes.twinx()
        twin.plot(frames, per_frame.style_distance_embedding, color="tab:brown", label="embedding distance")
        twin.set(ylabel="embedding distance")
        twin.legend(loc="upper right")
    style_axes.set(xlabel="time (s)" if timed else "frame", ylabel="distance to the style\n(lower is closer)")
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
    font = label_font(LABEL_SIZE)
    for column, (label, pixels) in enumerate((("content", sample.content), ("stylized", sample.stylized))):
        panel = Image.fromarray(pixels).resize((panel_width, panel_height), Image.LANCZOS)
        row.paste(panel, (column * panel_width, LABEL_HEIGHT))
        draw.text((column * panel_width + 6, (LABEL_HEIGHT - LABEL_SIZE) // 2), f"{label}, frame {sample.frame}",
                  fill="black", font=font)
    return row


# (name, result attribute, number format, what a good value looks like), in reading order.
FIGURES = (
    ("warping-error ratio", "warping_error_ratio", ".2f",
     "stylized ÷ content: 1.0 = as stable as the source (which scores 1.0); lower is steadier"),
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
