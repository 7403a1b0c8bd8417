"""The artify command line: bad input gives one line, exit code 2, nothing left behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


# A Prefect API nothing listens on: a command given it that works must have started no run.
NO_PREFECT = {"PREFECT_API_URL": "http://127.0.0.1:9/api"}


def artify(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **(env or {})}
    return subprocess.run([sys.executable, "-m", "artify_cli.main", *args], capture_output=True,
                          text=True, cwd=cwd or REPO, env=env, timeout=600)


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("artify: error: ")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_info_prints_probe(bikes):
    result = artify("info", str(bikes))
    assert result.returncode == 0
    assert "640x272" in result.stdout and "25/1" in result.stdout and "250" in result.stdout


@pytest.fixture()
def bad_videos(tmp_path, bikes) -> dict[str, Path]:
    from tests.media import stream_copy

    data = bikes.read_bytes()
    files = {
        "missing": tmp_path / "missing.mp4",
        "not-a-video": tmp_path / "notes.mp4",
        "no-index": tmp_path / "no_index.mp4",
        "zero-length": tmp_path / "empty.mp4",
        "cut-mid-stream": tmp_path / "cut.mp4",
    }
    files["not-a-video"].write_text("hello\n" * 100)
    files["no-index"].write_bytes(data[: len(data) // 2])
    files["zero-length"].write_bytes(b"")
    faststart = stream_copy(bikes, tmp_path / "faststart.mp4", movflags="+faststart")
    files["cut-mid-stream"].write_bytes(faststart.read_bytes()[: int(faststart.stat().st_size * 0.6)])
    faststart.unlink()
    return files


@pytest.mark.parametrize("case,message", [
    ("missing", "no such file"),
    ("not-a-video", "not a video"),
    ("no-index", "no index"),
    ("zero-length", "empty"),
    ("cut-mid-stream", "cut mid-stream"),
])
def test_bad_content_video(tmp_path, bad_videos, starrynight, case, message):
    path = bad_videos[case]
    before = sorted(p.name for p in tmp_path.iterdir())
    result = artify("stylize", str(path), "--style", str(starrynight))
    assert_one_line_error(result, str(path), message)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_unreadable_style_image(tmp_path, bikes_clip):
    style = tmp_path / "style.jpg"
    style.write_bytes(b"\xff\xd8\xff\xe0 truncated jpeg")
    result = artify("stylize", str(bikes_clip), "--style", str(style), "--out", str(tmp_path / "o.mp4"))
    assert_one_line_error(result, str(style), "not a readable image")
    assert not (tmp_path / "o.mp4").exists()


@pytest.mark.parametrize("where", ["missing-dir", "a-directory"])
def test_unwritable_output(tmp_path, bikes_clip, starrynight, where):
    out = tmp_path / "no" / "dir" / "o.mp4" if where == "missing-dir" else tmp_path
    result = artify("stylize", str(bikes_clip), "--style", str(starrynight), "--out", str(out))
    assert_one_line_error(result, str(out))


def test_unknown_model(bikes_clip, starrynight):
    result = artify("stylize", str(bikes_clip), "--style", str(starrynight), "--model", "nope")
    assert_one_line_error(result, "nope", "arbitrary")


@pytest.mark.slow
def test_stylize_cut_video_when_allowed(tmp_path, bad_videos, starrynight):
    out = tmp_path / "partial.mp4"
    result = artify("stylize", str(bad_videos["cut-mid-stream"]), "--style", str(starrynight),
                    "--out", str(out), "--height", "64", "--allow-truncated", "--device", "cpu",
                    "--preset", "ultrafast", "--store", str(tmp_path / "store"))
    assert result.returncode == 0, result.stderr
    from artify_core.video import probe_video

    assert probe_video(out).frames == probe_video(bad_videos["cut-mid-stream"]).frames


@pytest.mark.slow
def test_stylize_default_output_beside_content(tmp_path, bikes_clip, starrynight):
    content = tmp_path / "clip.mp4"
    content.write_bytes(bikes_clip.read_bytes())
    result = artify("stylize", str(content), "--style", str(starrynight), "--height", "64",
                    "--device", "cpu", "--preset", "ultrafast", "--store", str(tmp_path / "store"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "clip.stylized.mp4").exists()
    assert content.read_bytes() == bikes_clip.read_bytes()  # input untouched


@pytest.mark.slow
def test_the_same_command_again_is_up_to_date_without_a_run(tmp_path, bikes_clip, starrynight):
    content, out, store = tmp_path / "clip.mp4", tmp_path / "clip.stylized.mp4", tmp_path / "store"
    content.write_bytes(bikes_clip.read_bytes())
    command = ("stylize", str(content), "--style", str(starrynight), "--height", "64", "--device", "cpu",
               "--preset", "ultrafast", "--store", str(store))
    assert artify(*command).returncode == 0
    made = out.read_bytes()

    again = artify(*command, env=NO_PREFECT)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == f"{out}: 30 frames, up to date (the same content, styles and settings made " \
                                   "it; nothing to run)"
    assert out.read_bytes() == made

    # An output that is not what was published: a run (its chunks from the store) makes it again.
    out.write_bytes(made[:-100])
    remade = artify(*command)
    assert remade.returncode == 0 and "up to date" not in remade.stdout and "from cache" in remade.stdout
    assert out.read_bytes() == made


@pytest.mark.slow
def test_keyframes_command_writes_the_contract(tmp_path):
    import json

    from tests.conftest import shared_media

    video = shared_media("style_video/paintings4.mp4")
    result = artify("keyframes", str(video), "--out", str(tmp_path / "kf"), "--device", "cpu")
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "kf" / "keyframes.json").read_text())
    assert (data["fps"], data["frames"]) == ("25/1", 300)
    assert [s["start_frame"] for s in data["segments"]] == [0, 75, 150, 225]
    assert all(len(s["embedding"]) == 100 and (tmp_path / "kf" / s["image"]).exists() for s in data["styles"])
    assert (tmp_path / "kf" / "contact_sheet.png").exists()


@pytest.mark.slow
def test_evaluate_command_json_and_report(tmp_path, bikes_clip, starrynight):
    import json

    result = artify("evaluate", str(bikes_clip), "--content", str(bikes_clip), "--style", str(starrynight),
                    "--json", str(tmp_path / "m.json"), "--report", str(tmp_path / "report"), "--max-frames", "8")
    assert result.returncode == 0, result.stderr
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert metrics["frames"] == 8 and abs(metrics["warping_error_ratio"] - 1.0) < 1e-6  # the content itself
    assert metrics["ssim"] > 0.999 and len(metrics["per_frame"]["ssim"]) == 8
    assert (tmp_path / "report" / "per_frame.png").exists() and (tmp_path / "report" / "report.md").exists()


def test_evaluate_needs_a_style(bikes_clip):
    result = artify("evaluate", str(bikes_clip), "--content", str(bikes_clip))
    assert_one_line_error(result, "--style")


def test_layer_styles_need_the_segmented_model(bikes_clip, starrynight):
    result = artify("stylize", str(bikes_clip), "--style", str(starrynight), "--fg-style", "none")
    assert_one_line_error(result, "segmented")


@pytest.mark.slow
def test_both_layer_styles_need_no_main_style(tmp_path, bikes):
    """README: with both layers given, --style may be left out. The exact command, on 8 frames."""
    import shutil

    from artify_core.video import VideoWriter, probe_video, read_frames
    from tests.conftest import shared_media

    info = probe_video(bikes)
    with VideoWriter(tmp_path / "clip.mp4", width=info.width, height=info.height, fps=info.fps,
                     preset="ultrafast") as writer:
        writer.write(read_frames(bikes, start=40, end=48))
    for name in ("wave.jpg", "candy.jpg"):
        shutil.copy(shared_media(f"style/{name}"), tmp_path / name)
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PYTHONPATH": str(REPO)}  # the session's cache
    result = subprocess.run([sys.executable, "-m", "artify_cli.main", "stylize", "clip.mp4", "--model", "segmented",
                             "--fg-style", "wave.jpg", "--bg-style", "candy.jpg"], capture_output=True, text=True,
                            cwd=tmp_path, env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "clip.stylized.mp4: 8 frames" in result.stdout
    assert probe_video(tmp_path / "clip.stylized.mp4").frames == 8
