"""The ``preview`` flow: a few frames of a video per style, on one sheet shown as an artifact.

fetch → render the sheet (the full run's model and settings) → markdown artifact.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from artify_core.preview import PreviewSettings
from artify_core.temporal.smoothing import SmoothingSettings
from tasks.models import ModelSpec
from tasks.preview import publish_preview_artifact, render_preview_sheet
from tasks.video import fetch_input, scratch_dir


@flow(name="preview", log_prints=True)
def preview(
    content: str,
    style: list[str],
    at: list[str] | None = None,
    output: str | None = None,
    model: str = "arbitrary",
    height: int | None = None,
    strength: float = 1.0,
    style_scale: float | None = None,
    smooth: bool = True,
    smooth_strength: float = 0.5,
    device: str = "auto",
) -> str:
    settings = PreviewSettings(at=tuple(at or ()), height=height, strength=strength, style_scale=style_scale,
                               smoothing=SmoothingSettings(strength=smooth_strength) if smooth else None)
    local_content = fetch_input(content)
    local_styles = [fetch_input(s) for s in style]
    target = output or str(scratch_dir() / "previews" / f"{Path(content).stem}.preview.jpg")
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    sheet = render_preview_sheet(local_content, local_styles, ModelSpec.create(model, device), settings, target)
    publish_preview_artifact(sheet, content)
    print(f"preview sheet: {sheet}")
    return sheet


if __name__ == "__main__":
    import sys

    media = Path(__file__).resolve().parents[1] / "examples"
    preview(sys.argv[1] if len(sys.argv) > 1 else str(media / "bikes_3s.mp4"),
            sys.argv[2:] or [str(media / "starrynight.jpg")])
