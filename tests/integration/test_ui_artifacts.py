"""What the Prefect UI shows of a run, read back through a real server's API: a readable run name,
tags with the model and device used, pictures that a browser can load (``data:`` or ``http(s)``
URIs, never ``file://``), the result with the output's location and a playable before/after,
progress at 100 %, and the report a failed run leaves. The session's Prefect server
(``prefect_api`` in conftest)."""

from __future__ import annotations

import base64
import io
import re

import pytest
from PIL import Image

from artify_core.before_after import MAX_PREVIEW_BYTES

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_a_run_shows_its_result_pictures_and_progress(prefect_api, tmp_path, bikes_clip, starrynight):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterTaskRunId,
        FlowRunFilter,
        FlowRunFilterId,
    )
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from artify_core.settings import VideoRequest
    from flows.stylize_video import stylize_video

    out = tmp_path / "bikes30.stylized.mp4"
    request = VideoRequest(content=str(bikes_clip), style=[str(starrynight)], output=str(out), evaluate=True,
                           execution={"device": "cpu", "store": str(tmp_path / "store"), "chunk_frames": 15},
                           encoding={"preset": "ultrafast"})
    with temporary_settings({PREFECT_API_URL: prefect_api}):
        state = stylize_video(request, return_state=True)
        assert state.is_completed(), state
        assert "bikes30.stylized.mp4: 30 frames" in state.message and "2 stylized, 0 from cache" in state.message
        with get_client(sync_client=True) as client:
            runs = client.read_flow_runs(flow_run_filter=FlowRunFilter())
            run = next(r for r in runs if r.id == state.state_details.flow_run_id)
            artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[run.id])))
            # The evaluate task's progress belongs to its task run; other tests' runs on the
            # session's server have artifacts under the same keys.
            task_runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id])))
            task_artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
                task_run_id=ArtifactFilterTaskRunId(any_=[task_run.id for task_run in task_runs])))
        # The run's last log lines wait in Prefect's batching log worker: send them while this
        # server is up (the fixture kills it), not at interpreter exit.
        from prefect.logging.handlers import APILogWorker

        APILogWorker.drain_all(timeout=30)

    assert run.name == f"{bikes_clip.stem} · starrynight"
    assert {"artify", "model:arbitrary", "device:cpu"} <= set(run.tags)
    by_key = {a.key: a for a in [*artifacts, *task_artifacts] if a.key}
    prefix = next(key for key in by_key if key.endswith("-result")).removesuffix("-result")
    assert re.fullmatch(r"bikes30-[0-9a-f]{8}", prefix)

    result = by_key[f"{prefix}-result"].data
    assert str(out) in result and "30 frames, 1.20 s at 25 fps, 640×272" in result
    assert "2 stylized, 0 from cache" in result and "arbitrary (fp32) on cpu" in result and "frames/s" in result
    for key in (f"{prefix}-result", f"{prefix}-style-schedule", f"{prefix}-evaluation-report"):
        images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", by_key[key].data)
        assert images, key
        assert all(src.startswith(("data:image/jpeg;base64,", "data:image/webp;base64,", "http://", "https://"))
                   for src in images), key
        assert "file://" not in by_key[key].data
    loop = re.search(r"!\[content \| stylized\]\(data:image/webp;base64,([^)]+)\)", result)
    assert loop, result[:2000]
    webp = base64.b64decode(loop.group(1))
    assert len(webp) <= MAX_PREVIEW_BYTES
    with Image.open(io.BytesIO(webp)) as image:  # it plays: several frames, content beside output
        assert image.format == "WEBP" and image.n_frames >= 10 and image.width > 2 * image.height
    assert by_key[f"{prefix}-progress"].type == "progress" and float(by_key[f"{prefix}-progress"].data) == 100.0
    assert float(by_key[f"{prefix}-evaluation-progress"].data) == 100.0
    rows = by_key[f"{prefix}-evaluation"].data
    assert "warping-error ratio" in str(rows) and "1.0 = as stable as the source" in str(rows)
    sizes = {key: len(str(artifact.data)) for key, artifact in by_key.items() if key.startswith(prefix)}
    print(f"\nartifact sizes (bytes): {sizes}")
    assert max(sizes.values()) < 400_000  # thumbnails, not full frames


def test_a_failed_run_leaves_a_report(prefect_api, tmp_path, bikes_clip, starrynight):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from artify_core.settings import VideoRequest
    from flows.stylize_video import stylize_video

    corrupt = tmp_path / "corrupt.mp4"
    data = bikes_clip.read_bytes()
    corrupt.write_bytes(data[: len(data) // 2])  # no index: an upload cut short
    request = VideoRequest(content=str(corrupt), style=[str(starrynight)], output=str(tmp_path / "out.mp4"),
                           execution={"device": "cpu", "store": str(tmp_path / "store")})
    with temporary_settings({PREFECT_API_URL: prefect_api}):
        state = stylize_video(request, return_state=True)
        assert state.is_failed(), state
        with get_client(sync_client=True) as client:
            artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])))
        from prefect.logging.handlers import APILogWorker

        APILogWorker.drain_all(timeout=30)
    report = next(a for a in artifacts if (a.key or "").endswith("-failure"))
    assert re.fullmatch(r"corrupt-[0-9a-f]{8}-failure", report.key)
    text = report.data
    assert "- **stage**: check inputs" in text
    assert f"- **reason**: {corrupt}: " in text  # the line the CLI prints after "artify: error: "
    assert "- **what to do**: Check the file with `artify info FILE`" in text
    assert f"- **input**: `{corrupt}`" in text
    assert not (tmp_path / "out.mp4").exists()
