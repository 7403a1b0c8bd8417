"""Artify runs on the machines users have, whatever ffmpeg they have on PATH: video I/O is
in-process (PyAV's own FFmpeg libraries), so an ffmpeg too old for the options Artify once passed
(Debian 12's 5.1 has no -display_rotation or -enc_time_base demux), or none at all, changes
nothing. Phone footage is the case that broke: a rotated clip and a variable-frame-rate one."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from artify_core.video import probe_video
from tests.media import stream_copy

REPO = Path(__file__).resolve().parents[1]
STAND_IN = """#!/bin/sh
# An ffmpeg of another age: reports itself as 4.4 and refuses everything else, noting each call.
echo "$@" >> "{calls}"
if [ "$1" = "-version" ]; then echo "ffmpeg version 4.4.2-0+deb11u1 Copyright (c) 2000-2021"; exit 0; fi
echo "Unrecognized option '$1'." >&2
exit 1
"""


def stylize(content: Path, out: Path, path_variable: str, store: Path, style: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": path_variable, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    return subprocess.run([sys.executable, "-m", "artify_cli.main", "stylize", str(content), "--style", str(style),
                           "--out", str(out), "--height", "96", "--preset", "ultrafast", "--device", "cpu",
                           "--chunk-frames", "40", "--store", str(store)],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=900)


@pytest.fixture
def old_ffmpeg_first_on_path(tmp_path) -> tuple[str, Path]:
    """(PATH with a stand-in ffmpeg 4.4 first, the file its calls are noted in)."""
    folder, calls = tmp_path / "old-ffmpeg", tmp_path / "ffmpeg-calls.txt"
    folder.mkdir()
    script = folder / "ffmpeg"
    script.write_text(STAND_IN.format(calls=calls))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    (folder / "ffprobe").symlink_to(script)
    return f"{folder}{os.pathsep}{os.environ.get('PATH', '')}", calls


def without_ffmpeg() -> str:
    """PATH with every folder that holds an ffmpeg left out (Python's own kept)."""
    folders = [f for f in os.environ.get("PATH", "").split(os.pathsep) if f and not (Path(f) / "ffmpeg").exists()]
    return os.pathsep.join([str(Path(sys.executable).parent), *folders])


@pytest.mark.slow
def test_a_variable_rate_phone_clip_with_an_old_ffmpeg_first_on_path(tmp_path, vfr_clip, starrynight,
                                                                        old_ffmpeg_first_on_path):
    path_variable, calls = old_ffmpeg_first_on_path
    out = tmp_path / "vfr.stylized.mp4"
    result = stylize(vfr_clip, out, path_variable, tmp_path / "store", starrynight)
    assert result.returncode == 0, result.stderr
    source, made = probe_video(vfr_clip), probe_video(out)
    assert made.frames == source.frames == 85 and made.variable_rate and made.has_audio
    assert np.abs(made.times.seconds() - source.times.seconds()).max() < 1e-3  # every frame at its time
    assert not calls.exists(), f"Artify ran the ffmpeg on PATH: {calls.read_text()}"


@pytest.mark.slow
def test_a_rotated_clip_without_any_ffmpeg(tmp_path, tiny_video, starrynight):
    rotated = stream_copy(tiny_video, tmp_path / "portrait.mp4", input_options={"display_rotation": 90})
    out = tmp_path / "portrait.stylized.mp4"
    result = stylize(rotated, out, without_ffmpeg(), tmp_path / "store", starrynight)
    assert result.returncode == 0, result.stderr
    made = probe_video(out)
    # Stylized upright: 48 x 64 stored as 64 x 48 with a quarter turn, resized to 96 lines.
    assert (made.width, made.height, made.frames, made.rotation) == (72, 96, 12, 0)
