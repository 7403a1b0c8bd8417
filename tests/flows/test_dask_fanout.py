"""Chunks fanned out to a local Dask cluster give the same video as the sequential run.

Both runs go through the ``artify`` command in fresh processes, as users run it:
the Dask workers are spawned processes that import the project themselves.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from artify_core.video import probe_video, read_frames

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def stylize(content: Path, style: Path, output: Path, store: Path, *extra: str) -> None:
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    result = subprocess.run([sys.executable, "-m", "artify_cli.main", "stylize", str(content), "--style", str(style),
                             "--out", str(output), "--store", str(store), "--device", "cpu", "--height", "136",
                             "--chunk-frames", "10", "--preset", "ultrafast", *extra],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "30 frames" in result.stdout


def test_two_dask_workers_match_the_sequential_run(tmp_path, bikes_clip, starrynight, prefect_api):
    """Three chunks of 30 frames: two run at once on two workers, each joined to its neighbours."""
    stylize(bikes_clip, starrynight, tmp_path / "sequential.mp4", tmp_path / "store1")
    stylize(bikes_clip, starrynight, tmp_path / "dask.mp4", tmp_path / "store2", "--workers", "2")
    a, b = read_frames(tmp_path / "sequential.mp4"), read_frames(tmp_path / "dask.mp4")
    assert a.shape == b.shape == (30, 136, 320, 3) and probe_video(tmp_path / "dask.mp4").frames == 30
    difference = np.abs(a.astype(int) - b).mean()
    assert difference < 0.5, difference  # identical models and settings: codec noise at most
