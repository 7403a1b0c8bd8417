"""The stylize_video flow against a damaged store, on a directory and on S3 (SeaweedFS): a chunk cut
short, cuts that are not JSON, a malicious pickle at the plan's key. The rerun reports each entry
once, recomputes it, runs nothing from the store and publishes the same complete video. An assembly
that misses frames is never published; URLs and unwritable outputs are refused before any work."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import numpy as np
import pytest

from artify_core.errors import InputError, OutOfSpaceError, OutputError
from artify_core.pipeline.excerpt import IncompleteOutputError
from artify_core.settings import VideoRequest
from artify_core.storage import open_store
from artify_core.video import probe_video, read_frames
from flows.stylize_video import stylize_video
from tests.artify_core.pipeline.test_stored import Payload
from tests.artify_core.storage.test_integrity import damage, warnings_of

pytestmark = [pytest.mark.slow, pytest.mark.faults]


@pytest.fixture(autouse=True)
def _prefect(prefect_api):
    """Runs on the session's Prefect server."""


@pytest.fixture(params=["local", "s3"])
def store_uri(request, tmp_path) -> str:
    if request.param == "local":
        return str(tmp_path / "store")
    return f"s3://{request.getfixturevalue('bucket')}/store"


def request_for(content: Path, style: Path, out: Path, store: str, **fields) -> VideoRequest:
    return VideoRequest.model_validate({
        "content": str(content), "style": [str(style)], "output": str(out),
        "execution": {"device": "cpu", "chunk_frames": 4, "store": store}, "encoding": {"preset": "ultrafast"},
        **fields})


def test_a_damaged_store_heals_on_the_rerun(tmp_path, tiny_video, starrynight, store_uri, caplog):
    out, marker = tmp_path / "out.mp4", tmp_path / "pwned"
    run = request_for(tiny_video, starrynight, out, store_uri)
    first = stylize_video(run)
    assert (first.frames, first.chunks, first.chunks_cached) == (12, 3, 0)
    expected = read_frames(out)

    store = open_store(store_uri)
    chunk, cuts, plan = (next(iter(store.list(kind))) for kind in ("chunks/", "cuts/", "plans/"))
    damage(store, chunk, "cut-to-a-third")
    store.put_bytes(cuts, b"{not json")  # recorded like a real entry: only decoding can refuse it
    store.put_bytes(plan, pickle.dumps(Payload(marker)))
    out.unlink()

    with caplog.at_level(logging.WARNING):
        second = stylize_video(run)
    assert (second.frames, second.chunks_cached) == (12, 2)
    assert probe_video(out).frames == 12
    np.testing.assert_array_equal(read_frames(out), expected)
    assert not marker.exists()  # the pickle was never loaded
    warnings = warnings_of(caplog)
    assert len(warnings) == 3, warnings
    for key, reason in ((chunk, "damaged store entry: "), (cuts, "not a value Artify can read"),
                        (plan, "not a value Artify can read")):
        assert any(f"{key}: {reason}" in warning for warning in warnings), (key, warnings)

    caplog.clear()
    out.unlink()
    with caplog.at_level(logging.WARNING):
        assert stylize_video(run).chunks_cached == 3  # healed: everything found whole
    assert warnings_of(caplog) == []


def test_an_assembly_missing_frames_is_never_published(tmp_path, tiny_video, starrynight, monkeypatch):
    import tasks.video

    join = tasks.video.concat_segments
    def drop_the_last(segments, *args, starts=None, **kwargs):
        return join(segments[:-1], *args, starts=None if starts is None else starts[:-1], **kwargs)

    monkeypatch.setattr(tasks.video, "concat_segments", drop_the_last)
    out = tmp_path / "out" / "short.mp4"
    out.parent.mkdir()
    with pytest.raises(IncompleteOutputError, match=f"^{out}: the assembled video has 8 frames where 12 were "
                                                    "planned; nothing was published$"):
        stylize_video(request_for(tiny_video, starrynight, out, str(tmp_path / "store")))
    assert list(out.parent.iterdir()) == []  # nor any temporary file


def test_a_full_output_disk_names_it_and_leaves_nothing(tmp_path, tiny_video, starrynight, small_tmpfs):
    """The output's file system fills up while the video is joined: one line naming it, and
    neither the output nor any temporary file is left there."""
    mount = small_tmpfs("8k")
    with pytest.raises(OutOfSpaceError, match=f"out of space on the file system mounted at {mount} \\(tmpfs\\)"):
        stylize_video(request_for(tiny_video, starrynight, mount / "out.mp4", str(tmp_path / "store"),
                                  encoding={"preset": "ultrafast", "crf": 0}))
    assert list(mount.iterdir()) == []


@pytest.mark.parametrize("fields, error, message", [
    ({"style": ["http://example.com/x.jpg"]}, InputError, "style http://example.com/x.jpg: http(s) URLs are not read"),
    ({"content": "https://example.com/a.mp4"}, InputError, "content https://example.com/a.mp4: http(s) URLs"),
    ({"output": "/sys/out.mp4"}, OutputError, "/sys/out.mp4: "),  # os.access refuses non-root users, the probe root
], ids=["http-style", "https-content", "unwritable-output"])
def test_refused_before_any_work(tmp_path, tiny_video, starrynight, fields, error, message):
    if fields.get("output") == "/sys/out.mp4" and not Path("/sys").is_dir():
        pytest.skip("no /sys here")
    run = request_for(tiny_video, starrynight, tmp_path / "out.mp4", str(tmp_path / "store"))
    with pytest.raises(error, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        stylize_video(run.model_copy(update=fields))
    assert not (tmp_path / "store").exists()  # nothing was read, computed or stored
