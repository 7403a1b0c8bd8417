"""The stylize_folder flow on a local folder: two short clips and a corrupt file,
against the session's Prefect server."""

from __future__ import annotations

import json
import time

import pytest

from artify_core.batch import BatchFailedError, BatchResult
from artify_core.settings import FolderRequest
from artify_core.video import probe_video
from flows.stylize_folder import stylize_folder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def prefect_harness(prefect_api):
    """Flows run against the session's Prefect server."""


def write_clip(path, source, start: int, frames: int = 10, height: int = 64) -> None:
    """``frames`` frames of ``source`` from ``start``, at ``height`` rows."""
    from artify_core.video import VideoWriter, read_frames

    pixels = read_frames(source, start=start, end=start + frames, height=height)
    path.parent.mkdir(parents=True, exist_ok=True)
    with VideoWriter(path, width=pixels.shape[2], height=height, fps=probe_video(source).fps,
                     preset="ultrafast") as writer:
        writer.write(pixels)


@pytest.fixture(scope="module")
def inbox(tmp_path_factory, bikes):
    """``a.mp4`` and ``trip/b.mov`` (10 frames each of bikes.mp4, 64 rows), ``broken.mp4``
    (the first half of a.mp4: no index), and a text file that is not a video."""
    root = tmp_path_factory.mktemp("inbox")
    write_clip(root / "a.mp4", bikes, start=0)
    write_clip(root / "trip" / "b.mov", bikes, start=100)
    data = (root / "a.mp4").read_bytes()
    (root / "broken.mp4").write_bytes(data[: len(data) // 2])
    (root / "notes.txt").write_text("not a video\n")
    return root


def folder_request(source, destination, store, style, **options) -> FolderRequest:
    return FolderRequest(source=str(source), destination=str(destination), style=[str(style)], height=64,
                         max_concurrent=2, execution={"device": "cpu", "store": str(store)}, **options)


def stylize_state(inbox, destination, store, style, **options):
    return stylize_folder(folder_request(inbox, destination, store, style, **options), return_state=True)


def test_folder_publishes_outputs_and_manifests_then_skips(tmp_path, inbox, starrynight):
    out, store = tmp_path / "out", tmp_path / "store"
    started = time.monotonic()
    state = stylize_state(inbox, out, store, starrynight)
    first_seconds = time.monotonic() - started
    assert state.is_failed() and "1 of 3 videos failed: broken.mp4" in state.message
    error = state.result(raise_on_failure=False)
    assert isinstance(error, BatchFailedError)
    by_name = {o.relative: o for o in error.result.outcomes}
    assert {name: o.status for name, o in by_name.items()} == {
        "a.mp4": "done", "broken.mp4": "failed", "trip/b.mov": "done"}
    assert "broken.mp4" in by_name["broken.mp4"].reason and "\n" not in by_name["broken.mp4"].reason

    published = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert published == ["a.stylized.mp4", "a.stylized.mp4.manifest.json", "broken.stylized.mp4.failed.json",
                         "trip/b.stylized.mp4", "trip/b.stylized.mp4.manifest.json"]  # nothing partial
    record = json.loads((out / "broken.stylized.mp4.failed.json").read_text())
    assert record["reason"] == by_name["broken.mp4"].reason
    for name in ("a", "trip/b"):
        info = probe_video(out / f"{name}.stylized.mp4")
        assert (info.frames, info.height) == (10, 64)
        manifest = json.loads((out / f"{name}.stylized.mp4.manifest.json").read_text())
        source = inbox / ("a.mp4" if name == "a" else "trip/b.mov")
        from artify_core.foundation.hashing import file_digest

        assert manifest["input_identity"] == file_digest(source)
        assert manifest["frames"] == 10 and manifest["model"] == "arbitrary"
        assert manifest["parameters"]["settings"]["height"] == 64
        assert set(manifest["packages"]) == {"artify", "torch", "prefect"}

    started = time.monotonic()
    rerun = stylize_state(inbox, out, store, starrynight)
    rerun_seconds = time.monotonic() - started
    assert rerun.is_completed()  # the broken video failed before on these bytes: skipped, not failed again
    statuses = {o.relative: o.status for o in rerun.result().outcomes}
    assert statuses == {"a.mp4": "skipped", "broken.mp4": "skipped-failed", "trip/b.mov": "skipped"}
    print(f"first run {first_seconds:.1f} s, rerun {rerun_seconds:.1f} s")

    # Asked to, a scan tries it again.
    retried = stylize_state(inbox, out, store, starrynight, retry_failed=True)
    assert {o.relative: o.status for o in retried.result(raise_on_failure=False).result.outcomes}["broken.mp4"] \
        == "failed"

    # A changed parameter is a different output: both are stylized again.
    changed = stylize_state(inbox, out, store, starrynight, strength=0.5)
    assert [o.status for o in changed.result().outcomes] == ["done", "skipped-failed", "done"]


def test_clean_folder_evaluates_and_replaced_input_is_redone(tmp_path, inbox, bikes, starrynight):
    source = tmp_path / "in"
    source.mkdir()
    (source / "a.mp4").write_bytes((inbox / "a.mp4").read_bytes())
    out, store = source / "stylized", tmp_path / "store"  # a destination inside the source is not scanned
    first = stylize_folder(folder_request(source, out, store, starrynight, evaluate=True))
    assert isinstance(first, BatchResult) and [o.status for o in first.outcomes] == ["done"]
    manifest = json.loads((out / "a.stylized.mp4.manifest.json").read_text())
    assert manifest["metrics"]["frames"] == 10 and manifest["metrics"]["warping_error"] > 0
    assert first.outcomes[0].report_uri == str(out / "a.stylized.report")
    assert (out / "a.stylized.report" / "per_frame.png").stat().st_size > 0

    write_clip(source / "a.mp4", bikes, start=50)  # new bytes under the same name
    second = stylize_folder(folder_request(source, out, store, starrynight))
    assert [o.status for o in second.outcomes] == ["done"]
    third = stylize_folder(folder_request(source, out, store, starrynight))
    assert [o.status for o in third.outcomes] == ["skipped"]


def test_run_bounded_caps_concurrency_and_keeps_order():
    """Each task waits (without a clock: however slow the machine) until as many run as the cap
    allows, then stays a moment longer: a runner over the cap would have more arrive meanwhile."""
    import threading

    from prefect import flow, task
    from prefect.task_runners import ThreadPoolTaskRunner

    from tasks.folder import run_bounded

    condition, running, peak, expected = threading.Condition(), [0], [0], [0]

    @task
    def work(i: int) -> int:
        with condition:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            condition.notify_all()
            condition.wait_for(lambda: running[0] >= expected[0] or i == 5, timeout=60)  # the last may be alone
        time.sleep(0.2 if i % 2 else 0.1)
        with condition:
            running[0] -= 1
        return i

    @flow(task_runner=ThreadPoolTaskRunner(max_workers=8))
    def fan_out(limit: int) -> list[int]:
        return run_bounded(work, [dict(i=i) for i in range(6)], limit)

    expected[0] = 2
    assert fan_out(2) == list(range(6)) and peak[0] == 2
    peak[0], expected[0] = 0, 6
    assert fan_out(8) == list(range(6)) and peak[0] == 6
