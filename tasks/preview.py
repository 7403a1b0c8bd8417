"""Preview sheets: render with the run's model and settings, show them in the Prefect UI."""

from __future__ import annotations

import base64
import io

from PIL import Image
from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from artify_core.preview import PreviewSettings, render_preview
from artify_core.video import ensure_complete, probe_video
from tasks.models import ModelSpec, get_model

# The UI embeds the sheet in the page: keep it to a few hundred kB.
ARTIFACT_MAX_WIDTH = 1600


@task(cache_policy=NO_CACHE)
def render_preview_sheet(content: str, styles: list[str], spec: ModelSpec, settings: PreviewSettings,
                         output: str) -> str:
    """Renders the sheet of ``content`` (a local path) with each style image into ``output``; returns its path."""
    info = ensure_complete(probe_video(content))
    return str(render_preview(info, get_model(spec), styles, settings).save(output))


@task(cache_policy=NO_CACHE)
def publish_preview_artifact(sheet: str, content: str) -> None:
    """The sheet inlined as a data: URI in a markdown artifact (browsers refuse file:// images)."""
    image = Image.open(sheet).convert("RGB")
    if image.width > ARTIFACT_MAX_WIDTH:
        image = image.resize((ARTIFACT_MAX_WIDTH, round(image.height * ARTIFACT_MAX_WIDTH / image.width)),
                             Image.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    create_markdown_artifact(key="style-preview", markdown=f"## Preview of `{content}`\n\n"
                             f"![preview sheet](data:image/jpeg;base64,{encoded})\n\nsheet: `{sheet}`",
                             description="a few frames per style, stylized as the full run would")
