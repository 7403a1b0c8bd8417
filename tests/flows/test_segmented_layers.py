"""The segmented model through ``artify stylize``: both layers on their own schedules, the inpaint
composite, chunks that match one pass, and Dask workers that match the in-process run.

Runs go through fresh processes, as in ``test_dask_fanout``: Dask's worker processes import the
project and reach the flow's Prefect server themselves.
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
SHARED = REPO.parent / "shared" / "media"


def stylize(*args: str) -> str:
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PYTHONPATH": str(REPO),
           "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
    result = subprocess.run([sys.executable, "-m", "artify_cli.main", "stylize", *args], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_both_layers_scheduled_with_inpainting_in_chunks_and_on_dask(tmp_path, bunny_clip):
    styles = [str(SHARED / "style" / name) for name in ("wave.jpg", "udnie.jpg", "candy.jpg", "mosaic.jpg")]
    if not all(Path(path).exists() for path in styles):
        pytest.skip("shared style images not found")
    run = [str(bunny_clip), "--style", styles[0], "--model", "segmented", "--composite", "inpaint",
           "--fg-style", styles[0], "--fg-style", styles[1], "--bg-style", styles[2], "--bg-style", styles[3],
           "--fg-schedule", "proportional", "--bg-schedule", "proportional", "--fg-transition", "0.2",
           "--bg-transition", "0.6", "--device", "cpu", "--height", "72", "--preset", "ultrafast",
           "--crf", "0"]  # lossless: chunk boundaries move keyframes
    outputs = {}
    for name, extra in (("whole", ["--chunk-frames", "25"]), ("chunks", ["--chunk-frames", "10"]),
                        ("dask", ["--chunk-frames", "10", "--workers", "2"])):
        outputs[name] = tmp_path / f"{name}.mp4"
        printed = stylize(*run, *extra, "--out", str(outputs[name]), "--store", str(tmp_path / f"store-{name}"))
        assert "25 frames" in printed
    whole, chunks, dask = (read_frames(outputs[name]).astype(int) for name in ("whole", "chunks", "dask"))
    assert whole.shape == chunks.shape == dask.shape == (25, 72, 128, 3) and probe_video(outputs["dask"]).frames == 25
    assert np.abs(dask - chunks).mean() < 0.5  # the same chunks, computed by workers: codec noise at most
    # Chunks start mid-shot: their masks, background plate and smoothing resume from the frames before.
    assert np.abs(chunks - whole).mean() < 0.5, np.abs(chunks - whole).mean()
    content = read_frames(bunny_clip, height=72).astype(int)
    assert np.abs(whole - content).mean() > 20  # it was stylized
    # Each layer changed style over the second: the last frames differ from the first more than neighbours do.
    assert np.abs(whole[-1] - whole[0]).mean() > 2 * np.abs(whole[1] - whole[0]).mean()
