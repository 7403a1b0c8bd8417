"""The folder run's summary: one row per video, with its output's link and its failure's reason."""

from __future__ import annotations

from artify_core.batch import BatchResult, VideoOutcome
from tasks.folder import summary_rows


def test_one_table_holds_the_links_and_the_reasons(monkeypatch, tmp_path):
    # Presigning is local arithmetic: credentials, no server.
    for name, value in {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "not-a-secret",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
                        "AWS_CONFIG_FILE": str(tmp_path / "none"),
                        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}.items():
        monkeypatch.setenv(name, value)
    result = BatchResult("s3://bkt/in/", "s3://bkt/out/", (
        VideoOutcome("a.mp4", "s3://bkt/in/a.mp4", "s3://bkt/out/a.stylized.mp4", "done", None, 10, 1.5,
                     "s3://bkt/out/a.stylized.report"),
        VideoOutcome("broken.mp4", "s3://bkt/in/broken.mp4", None, "failed", "s3://bkt/in/broken.mp4: cut mid-stream"),
        VideoOutcome("c.mp4", "/data/in/c.mp4", "/data/out/c.stylized.mp4", "skipped"),
    ))
    rows = {row["video"]: row for row in summary_rows(result)}
    assert rows["a.mp4"]["output"].startswith("[a.stylized.mp4](http://127.0.0.1:9/bkt/out/a.stylized.mp4?")
    assert rows["a.mp4"]["report"].startswith("[per-frame plot](http://127.0.0.1:9/bkt/out/a.stylized.report/per_frame")
    assert "· [contact sheet](http" in rows["a.mp4"]["report"]
    assert rows["broken.mp4"]["output"] == "" and rows["broken.mp4"]["reason"].endswith("cut mid-stream")
    assert rows["c.mp4"]["output"] == "`/data/out/c.stylized.mp4`"  # browsers refuse file:// links
    assert list(rows["a.mp4"]) == ["video", "status", "output", "frames", "seconds", "report", "reason"]
