"""Shared fixtures: paths to the shared test media and tiny generated videos."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# A busy CI machine starts Prefect's temporary server in over the default 20 s.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
# The session's own cache (stores, scratch) and Prefect home (its database, and the local server's record),
# set before anything reads them: nothing of the user's is read or written, and every test, and every
# artify command a test runs, shares one Prefect server (artify_cli.local_server: one per Prefect home).
_SESSION_HOME = Path(tempfile.mkdtemp(prefix="artify-tests-"))
os.environ["ARTIFY_CACHE"] = str(_SESSION_HOME / "cache")
os.environ["PREFECT_HOME"] = str(_SESSION_HOME / "prefect")
os.environ.pop("PREFECT_API_URL", None)
# Under pytest-xdist every worker is a process of its own: one compute thread each (also for the artify
# commands it starts), or two workers' thread pools fight over the cores (a 64x114 Gatys test then took
# 10x as long). Before anything imports torch.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _threads in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_threads, "1")

REPO = Path(__file__).resolve().parents[1]
SHARED_MEDIA = REPO.parent / "shared" / "media"


def shared_media(relative: str) -> Path:
    path = SHARED_MEDIA / relative
    if not path.exists():
        pytest.skip(f"shared test media not found: {path}")
    return path


@pytest.fixture(scope="session")
def bikes() -> Path:
    return shared_media("content/bikes.mp4")


@pytest.fixture(scope="session")
def bunny() -> Path:
    return shared_media("content/bigbuckbunny_720p.mp4")


@pytest.fixture
def small_tmpfs(tmp_path):
    """``mount(size)``: a tmpfs of ``size`` (mount(8) option, e.g. "64k") under tmp_path, unmounted after the
    test; skips where it cannot be mounted (needs root, as on the project's machines and in CI)."""
    import subprocess

    mounted: list[Path] = []

    def mount(size: str) -> Path:
        target = tmp_path / f"tmpfs-{len(mounted)}"
        target.mkdir()
        if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)],
                                               capture_output=True).returncode != 0:
            pytest.skip("cannot mount a tmpfs here (not root)")
        mounted.append(target)
        return target

    yield mount
    for target in mounted:
        subprocess.run(["umount", str(target)], check=True)


@pytest.fixture(scope="session")
def starrynight() -> Path:
    return shared_media("style/starrynight.jpg")


def moving_square_frames(count: int = 12, height: int = 48, width: int = 64) -> np.ndarray:
    """RGB uint8 (count, H, W, 3): a bright square moving right over a gradient."""
    ys, xs = np.mgrid[0:height, 0:width]
    frames = np.empty((count, height, width, 3), np.uint8)
    for t in range(count):
        frame = np.stack([xs * 255 // width, ys * 255 // height, np.full_like(xs, 60)], axis=-1)
        frame[10:26, 4 + 3 * t: 20 + 3 * t] = (250, 240, 30)
        frames[t] = frame
    return frames


@pytest.fixture(scope="session")
def tiny_video(tmp_path_factory) -> Path:
    """A 12-frame 64x48 H.264 clip at 25 fps, written with Artify's own writer."""
    from artify_core.video import VideoWriter

    path = tmp_path_factory.mktemp("media") / "tiny.mp4"
    with VideoWriter(path, width=64, height=48, fps=Fraction(25), crf=0, preset="ultrafast") as writer:
        writer.write(moving_square_frames())
    return path


@pytest.fixture(scope="session")
def bikes_clip(tmp_path_factory, bikes) -> Path:
    """The first 30 frames of bikes.mp4 (640x272, 25 fps), re-encoded."""
    from artify_core.video import VideoWriter, probe_video, read_frames

    info = probe_video(bikes)
    path = tmp_path_factory.mktemp("clips") / "bikes30.mp4"
    with VideoWriter(path, width=info.width, height=info.height, fps=info.fps, preset="ultrafast") as writer:
        writer.write(read_frames(bikes, end=30))
    return path


@pytest.fixture(scope="session")
def bunny_clip(tmp_path_factory, bunny) -> Path:
    """The first second of bigbuckbunny_720p.mp4 with its audio, stream-copied."""
    from tests.media import stream_copy

    return stream_copy(bunny, tmp_path_factory.mktemp("clips") / "bunny1s.mp4", t=1)


def make_vfr_clip(path: Path, *, size: str = "640x360") -> Path:
    """A phone-like variable-rate clip: 50 frames 1/30 s apart, then 35 frames 1/15 s apart
    (85 frames, about 3.97 s), H.264 in a 90 kHz MP4 track, with 4 s of AAC audio."""
    import ffmpeg

    from tests.media import run

    video = (ffmpeg.input(f"testsrc2=size={size}:rate=30", f="lavfi").trim(end_frame=85)
             .setpts("if(lt(N,50),N/30,50/30+(N-50)/15)/TB"))
    audio = ffmpeg.input("sine=frequency=440:sample_rate=48000", f="lavfi")
    run(ffmpeg.output(video, audio, str(path), t=4, fps_mode="passthrough", vcodec="libx264", preset="ultrafast",
                      acodec="aac", video_track_timescale=90000))
    return path


@pytest.fixture(scope="session")
def vfr_clip(tmp_path_factory) -> Path:
    return make_vfr_clip(tmp_path_factory.mktemp("vfr") / "phone vfr.mp4")


# --- A real S3 server on loopback (SeaweedFS), one per test session ------------------------------
#
# Every S3 test talks HTTP to it through boto3's ordinary configuration (``AWS_ENDPOINT_URL`` and
# credentials from the environment), as a deployment pointed at SeaweedFS or AWS would. Two
# identities: an administrator, and a reader that may read and list but not write.

from tests.s3server import Identity, SeaweedS3  # noqa: E402

# Distinctive so a test can assert it never appears in a message or a repr.
SECRET = "artify-test-secret-Zq81vLw3"
ACCESS_KEY_ID = "AKIAARTIFYTESTKEY01"
READER = Identity("reader", "AKIAARTIFYREADER001", "artify-reader-secret-4Lm0", ("Read", "List"))

_buckets = itertools.count()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    with SeaweedS3(tmp_path_factory.mktemp("seaweedfs"),
                   [Identity("admin", ACCESS_KEY_ID, SECRET), READER]) as server:
        yield server


@pytest.fixture(scope="session")
def s3_endpoint(s3_server) -> str:
    return s3_server.endpoint


@pytest.fixture
def s3_env(s3_endpoint, monkeypatch, tmp_path):
    """Environment of a user configured for the loopback endpoint, and nothing
    from this machine's own AWS configuration."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS",
                 "AWS_ENDPOINT_URL_S3", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                 "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("NO_PROXY", ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1"])))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    # No instance-metadata probe (a 1 s timeout per try) when credentials are missing.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return monkeypatch


@pytest.fixture
def s3_client(s3_env):
    import boto3

    return boto3.client("s3")


@pytest.fixture
def bucket(s3_client) -> str:
    """A fresh, empty bucket per test (SeaweedFS, like S3, wants at least 3 characters)."""
    name = f"artify-test-{next(_buckets)}"
    s3_client.create_bucket(Bucket=name)
    return name


# --- One Prefect server for the session ---------------------------------------------------------


@pytest.fixture(scope="session")
def prefect_api() -> str:
    """The session's Prefect API: the local server artify commands share, started on first use."""
    from artify_cli.local_server import use_prefect_api

    use_prefect_api()
    return os.environ["PREFECT_API_URL"]


def pytest_xdist_auto_num_workers(config) -> int:
    """``-n auto``: one worker per core, at most 4 (each starts its own Prefect and S3 servers)."""
    return max(1, min(4, len(os.sched_getaffinity(0))))


def pytest_sessionfinish(session, exitstatus) -> None:
    """Stops the session's local Prefect server (if a test started one) and removes its home."""
    from artify_cli.local_server import stop_local_server

    stop_local_server()
    shutil.rmtree(_SESSION_HOME, ignore_errors=True)
