"""What a person sees in the Prefect UI: the style schedule, keyframes, evaluation figures.

Image artifacts need a URL the browser can load, so pictures are linked
(a ``file://`` URL for a local store) rather than embedded.
"""

from __future__ import annotations

from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

from artify_core.metrics.report import EvaluationResult
from artify_core.pipeline.styles import StylePlan
from artify_core.storage import open_store


def publish_style_artifacts(plan: StylePlan, store_uri: str, keyframes_key: str | None) -> None:
    """A markdown table of the schedule, and a link to the keyframes' contact sheet."""
    schedule, fps = plan.schedule, float(plan.schedule.fps)
    rows = ["| from (s) | to (s) | style | transition (s) |", "| --- | --- | --- | --- |"]
    bounds = [0.0, *(t.at for t in schedule.transitions), float(schedule.frames)]
    widths = [0.0, *(t.width for t in schedule.transitions)]
    for k, style in enumerate(schedule.runs):
        name = plan.names[style] if style < len(plan.names) else str(style)
        rows.append(f"| {bounds[k] / fps:.2f} | {bounds[k + 1] / fps:.2f} | {style}: `{name}` | "
                    f"{widths[k] / fps:.2f} |")
    create_markdown_artifact(key="style-schedule", markdown=f"## Style schedule ({schedule.mode})\n\n"
                             + "\n".join(rows), description="which style each part of the content gets")
    if keyframes_key is not None:
        sheet = open_store(store_uri).local_path(f"keyframes/{keyframes_key}/contact_sheet.png")
        if sheet is not None:
            create_link_artifact(key="style-keyframes", link=sheet.as_uri(), link_text="keyframes contact sheet")


def publish_evaluation_artifacts(result: EvaluationResult) -> None:
    """The whole-video figures as a table, and links to the plot and the report."""
    summary = result.to_dict()
    figures = ("frames", "warping_error", "warping_error_content", "warping_error_ratio", "style_distance",
               "style_distance_embedding", "ssim", "seconds_per_frame")
    create_table_artifact(key="evaluation", table=[{"metric": name, "value": summary[name]} for name in figures],
                          description=f"quality of {result.stylized}")
    if result.report is not None:
        create_link_artifact(key="evaluation-plot", link=result.report.plot.resolve().as_uri(),
                             link_text="per-frame metrics plot")
        create_link_artifact(key="evaluation-report", link=result.report.markdown.resolve().as_uri(),
                             link_text="evaluation report")
