"""Fault injection: a real ``artify stylize`` killed with SIGKILL, and a store that dies mid-run.

Each run is a fresh ``artify`` process in its own process group (everything it started
dies with it, as on a machine that loses power). The
kill points are read from what the run leaves on disk: a chunk's scratch folder, a
chunk published to the store, the temporary output beside the target. After each
kill a rerun must finish, stylize no chunk that was finished, publish one complete
output and leave no temporary file behind.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.faults]
REPO = Path(__file__).resolve().parents[2]
FRAMES, CHUNK = 30, 10  # three chunks
RERUN_TIMEOUT_S = 300


def artify_env(tmp_path: Path, prefect_api: str | None = None, **extra: str) -> dict[str, str]:
    """A run's own cache and temporary folder; the session's Prefect server when given (it runs
    detached from any artify process, as the local server users share does: a killed run leaves it
    alone), else the local server of a Prefect home of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ARTIFY_"))}
    (tmp_path / "tmp").mkdir(parents=True, exist_ok=True)
    env.update({"PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "TMPDIR": str(tmp_path / "tmp"), "ARTIFY_CACHE": str(tmp_path / "cache"), **extra})
    if prefect_api:
        env["PREFECT_API_URL"] = prefect_api
    return env


def command(content: Path, style: Path, out: Path, store: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "artify_cli.main", "stylize", str(content), "--style", str(style),
            "--out", str(out), "--store", store, "--device", "cpu", "--chunk-frames", str(CHUNK),
            "--preset", "ultrafast", *extra]


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(args, cwd=REPO, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def kill_when(process: subprocess.Popen, ready, timeout: float = 600, poll: float = 0.002) -> bool:
    """SIGKILLs the process group as soon as ``ready()``; False if the run ended first."""
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if ready():
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(30)
            return True
        time.sleep(poll)
    return False


def chunks_in(store: Path) -> set[str]:
    folder = store / "chunks"
    return {p.name for p in folder.iterdir() if not p.name.startswith(".")} if folder.is_dir() else set()


def rerun(args: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    result = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=RERUN_TIMEOUT_S)
    return result, time.monotonic() - started


def cached_count(stdout: str) -> int:
    match = re.search(r"(\d+) of (\d+) chunks from cache", stdout)
    return int(match.group(1)) if match else 0


@pytest.fixture()
def clip(tmp_path, bikes_clip) -> Path:
    content = tmp_path / "in" / "clip.mp4"
    content.parent.mkdir()
    content.write_bytes(bikes_clip.read_bytes())
    return content


def scratch_folder_of(tmp: Path, purpose: str) -> bool:
    return any(p.name.startswith(f"artify-{purpose}-") for p in tmp.iterdir())


KILL_POINTS = {
    # The second chunk is being stylized: its scratch folder exists, one chunk is in the store.
    "during-a-chunk": lambda tmp, store, out: len(chunks_in(store)) == 1 and scratch_folder_of(tmp, "chunk"),
    # The first chunk has just been published.
    "between-chunks": lambda tmp, store, out: len(chunks_in(store)) >= 1,
    # Every chunk is stored and the output is being written beside its target.
    "during-assembly": lambda tmp, store, out: any(p.name.startswith(f".{out.name}.") and p.name.endswith(".part.mp4")
                                                   for p in out.parent.iterdir()),
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_sigkill_then_rerun_reuses_every_finished_chunk(point, tmp_path, clip, starrynight, prefect_api):
    from artify_core.video import probe_video

    out, store, tmp = tmp_path / "out" / "clip.stylized.mp4", tmp_path / "store", tmp_path / "tmp"
    out.parent.mkdir()
    env = artify_env(tmp_path, prefect_api)
    args = command(clip, starrynight, out, str(store))
    process = start(args, env, tmp_path / "killed.log")
    killed = kill_when(process, lambda: KILL_POINTS[point](tmp, store, out))
    assert killed, f"the run ended before the kill point {point}:\n" + (tmp_path / "killed.log").read_text()[-2000:]
    finished = chunks_in(store)
    assert not out.exists()  # nothing was published

    result, seconds = rerun(args, env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert cached_count(result.stdout) == len(finished), result.stdout  # no finished chunk stylized again
    assert chunks_in(store) >= finished and len(chunks_in(store)) == FRAMES // CHUNK
    assert probe_video(out).frames == FRAMES
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file beside it
    assert not [p for p in tmp.iterdir() if p.name.startswith("artify-")]  # no scratch folder left
    print(f"\n{point}: {len(finished)} chunk(s) reused, {FRAMES // CHUNK - len(finished)} stylized again, "
          f"rerun {seconds:.1f} s")


def test_interrupt_stops_the_run_in_seconds_and_publishes_nothing(tmp_path, clip, starrynight, prefect_api):
    out, store, tmp = tmp_path / "out.mp4", tmp_path / "store", tmp_path / "tmp"
    env = artify_env(tmp_path, prefect_api)
    process = start(command(clip, starrynight, out, str(store)), env, tmp_path / "run.log")
    deadline = time.monotonic() + 600
    while not scratch_folder_of(tmp, "chunk") and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, (tmp_path / "run.log").read_text()[-2000:]
    stopped = time.monotonic()
    os.kill(process.pid, signal.SIGTERM)
    process.wait(60)
    seconds = time.monotonic() - stopped
    log = (tmp_path / "run.log").read_text()
    assert process.returncode == 143 and "terminated; nothing was published" in log
    assert seconds < 30, seconds  # a hang guard; the bench measures the real figure
    assert not out.exists()
    time.sleep(1)  # its children were killed too: nothing of the run is still alive (zombies await reaping)
    states = subprocess.run(["ps", "-s", str(process.pid), "-o", "stat=,args="], capture_output=True,
                            text=True).stdout.splitlines()
    assert [line for line in states if not line.strip().startswith("Z")] == []


def test_store_lost_mid_run_fails_cleanly_then_a_rerun_finishes(tmp_path, clip, starrynight, prefect_api):
    """The S3 store's server dies after the first chunk: the run fails within about a minute with
    one line and publishes nothing; with the server back, a rerun reuses the stored chunk."""
    from tests.conftest import ACCESS_KEY_ID, SECRET
    from tests.s3server import Identity, SeaweedS3

    import boto3

    server = SeaweedS3(tmp_path / "seaweedfs", [Identity("admin", ACCESS_KEY_ID, SECRET)]).start()
    try:
        env = artify_env(tmp_path, prefect_api, AWS_ENDPOINT_URL=server.endpoint, AWS_ACCESS_KEY_ID=ACCESS_KEY_ID,
                         AWS_SECRET_ACCESS_KEY=SECRET, AWS_DEFAULT_REGION="us-east-1",
                         AWS_EC2_METADATA_DISABLED="true", NO_PROXY="127.0.0.1",
                         AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"))
        client = boto3.client("s3", endpoint_url=server.endpoint, aws_access_key_id=ACCESS_KEY_ID,
                              aws_secret_access_key=SECRET, region_name="us-east-1")
        client.create_bucket(Bucket="artify-faults")
        out = tmp_path / "out.mp4"
        args = command(clip, starrynight, out, "s3://artify-faults/store")
        process = start(args, env, tmp_path / "lost.log")

        def stored_chunks() -> int:
            try:
                listed = client.list_objects_v2(Bucket="artify-faults", Prefix="store/chunks/")
            except Exception:
                return 0
            return listed.get("KeyCount", 0)

        deadline = time.monotonic() + 600
        while stored_chunks() < 1 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert process.poll() is None, (tmp_path / "lost.log").read_text()[-2000:]
        server.stop()
        lost = time.monotonic()
        process.wait(300)
        seconds = time.monotonic() - lost
        lines = (tmp_path / "lost.log").read_text().strip().splitlines()
        assert process.returncode == 1, lines[-5:]
        assert len(lines) == 1 and "cannot reach the S3 endpoint" in lines[0], lines
        assert not out.exists()
        print(f"\nstore lost mid-run: failed after {seconds:.1f} s with {len(lines)} line(s)")
        assert seconds < 150, seconds  # a hang guard; bench/bench_faults.py measures the figure

        server.start()  # the same data folder (on new ports): the first chunk is still there
        result, _ = rerun(args, {**env, "AWS_ENDPOINT_URL": server.endpoint})
        assert result.returncode == 0, result.stderr[-3000:]
        assert cached_count(result.stdout) >= 1 and out.is_file()
    finally:
        server.stop()
