"""The preview flow against the session's Prefect server: the sheet is written and shown as an artifact."""

from __future__ import annotations

import pytest
from PIL import Image

from artify_core.settings import PreviewRequest
from flows.preview import preview

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def prefect_harness(prefect_api):
    """Flows run against the session's Prefect server."""


def test_preview_flow_writes_the_sheet_and_an_inline_artifact(tmp_path, bikes_clip, starrynight):
    from prefect.client.orchestration import get_client

    out = tmp_path / "sheet.jpg"
    sheet = preview(PreviewRequest(content=str(bikes_clip), style=[str(starrynight)], at=["0.2", "0.8"],
                                   output=str(out), height=136,
                                   execution={"device": "cpu", "store": str(tmp_path / "store")}))
    assert sheet == str(out) and Image.open(out).size[0] > 2 * 360

    async def artifact():
        async with get_client() as client:
            return await client.read_latest_artifacts()

    import asyncio

    latest = {a.key: a for a in asyncio.run(artifact()) if a.key and a.key.endswith("-preview")}
    (data,) = [a.data for key, a in latest.items() if key.startswith("bikes30-")]
    assert data.startswith("## Preview") and "data:image/jpeg;base64," in data and "file://" not in data
