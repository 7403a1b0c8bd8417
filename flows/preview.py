"""The ``preview`` flow: a few frames of a video per style, on one sheet shown as an artifact.

check locations → fetch → render the sheet (the full run's model and settings) → artifact.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from artify_core.foundation.paths import default_store_uri, scratch_dir
from artify_core.settings import PreviewRequest
from tasks.locations import check_locations
from tasks.preview import publish_preview_artifact, render_preview_sheet
from tasks.video import fetch_input, fingerprint


@flow(name="preview", log_prints=True)
def preview(request: PreviewRequest) -> str:
    """Previews styles on a video.

    Args:
        request: the content, the styles to compare, the times to show and how to stylize.
    """
    check_locations(request)
    content = fetch_input(request.content, "content")
    styles = [fetch_input(style, "style") for style in request.style]
    target = request.output or str(scratch_dir() / "previews" / f"{Path(request.content).stem}.preview.jpg")
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    sheet = render_preview_sheet(request, content, styles, target)
    publish_preview_artifact(sheet, request, fingerprint(request.content, "content"),
                             request.execution.store or default_store_uri())
    print(f"preview sheet: {sheet}")
    return sheet


if __name__ == "__main__":
    import sys

    media = Path(__file__).resolve().parents[1] / "examples"
    print(preview(PreviewRequest(content=sys.argv[1] if len(sys.argv) > 1 else str(media / "bikes_3s.mp4"),
                                 style=sys.argv[2:] or [str(media / "starrynight.jpg")])))
