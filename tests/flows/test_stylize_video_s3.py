"""stylize_video with everything in object storage: content, style, output and the artifact store
on a real S3 endpoint on loopback. A second run finds every chunk and result in the bucket."""

from __future__ import annotations

import pytest

from artify_core.settings import VideoRequest
from artify_core.video import probe_video
from flows.stylize_video import stylize_video

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def prefect_harness(prefect_api):
    """Flows run against the session's Prefect server."""


def test_s3_in_s3_out_and_cached_rerun(tmp_path, bikes_clip, starrynight, s3_client, bucket, monkeypatch):
    monkeypatch.setenv("ARTIFY_SCRATCH", str(tmp_path / "scratch"))
    s3_client.upload_file(str(bikes_clip), bucket, "in/bikes 30.mp4")
    s3_client.upload_file(str(starrynight), bucket, "styles/starrynight.jpg")
    run = VideoRequest(content=f"s3://{bucket}/in/bikes 30.mp4", style=[f"s3://{bucket}/styles/starrynight.jpg"],
                       output=f"s3://{bucket}/out/bikes.mp4", height=64, encoding={"preset": "ultrafast"},
                       execution={"device": "cpu", "chunk_frames": 15, "store": f"s3://{bucket}/artify"})
    first = stylize_video(run)
    assert (first.output, first.frames, first.chunks, first.chunks_cached) == (run.output, 30, 2, 0)
    local = tmp_path / "out.mp4"
    s3_client.download_file(bucket, "out/bikes.mp4", str(local))
    info = probe_video(local)
    assert (info.frames, info.height) == (30, 64)
    keys = {o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert sum(k.startswith("artify/chunks/") for k in keys) == 2
    assert sum(k.startswith("artify/cuts/") for k in keys) == sum(k.startswith("artify/plans/") for k in keys) == 1
    assert not list((tmp_path / "scratch").rglob("*.mp4"))  # the download and the assembled output are gone

    # Another machine: no local copies, nothing of the first run but the bucket.
    monkeypatch.setenv("ARTIFY_SCRATCH", str(tmp_path / "scratch2"))
    second = stylize_video(run)
    assert second.chunks_cached == second.chunks == 2
