"""Preview sheets: rendered with the run's model and settings, shown in the Prefect UI."""

from __future__ import annotations

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from artify_core.preview import check_preview_request, render_preview_request
from artify_core.settings import PreviewRequest
from tasks.artifacts import artifact_key, picture


@task(cache_policy=NO_CACHE, task_run_name="render preview sheet")
def render_preview_sheet(request: PreviewRequest, content: str, styles: list[str], output: str) -> str:
    """Renders the sheet of ``content`` (a local copy) with the local ``styles`` into ``output``."""
    info, out = check_preview_request(request.model_copy(update={"content": content, "style": styles}), output)
    sheet = render_preview_request(request, info, styles)
    return str(sheet.save(out))


@task(cache_policy=NO_CACHE, task_run_name="publish preview")
def publish_preview_artifact(sheet: str, request: PreviewRequest, identity: str, store_uri: str) -> None:
    """The sheet in a markdown artifact (inlined, or a presigned link when the store is S3)."""
    from artify_core.images import load_image

    create_markdown_artifact(key=artifact_key(request.content, identity, "preview"),
                             markdown=f"## Preview of `{request.content}`\n\n"
                                      + picture(load_image(sheet, max_side=None), "preview sheet", store_uri,
                                                identity + "preview"),
                             description="a few frames per style, stylized as the full run would")
