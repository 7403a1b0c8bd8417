"""Chunks fanned out to a local Dask cluster give the same video as the sequential run."""

from __future__ import annotations

import numpy as np
import pytest
from prefect.testing.utilities import prefect_test_harness

from artify_core.video import probe_video, read_frames
from flows.stylize_video import stylize_video

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def prefect_harness():
    with prefect_test_harness(server_startup_timeout=120):
        yield


def test_two_dask_workers_match_the_sequential_run(tmp_path, bikes, starrynight):
    run = dict(content=str(bikes), style=[str(starrynight)], device="cpu", height=136, chunk_frames=50,
               preset="ultrafast")
    sequential = stylize_video(**run, output=str(tmp_path / "sequential.mp4"), store=str(tmp_path / "store1"))
    fanned = stylize_video(**run, output=str(tmp_path / "dask.mp4"), store=str(tmp_path / "store2"), workers=2)
    assert sequential.chunks == fanned.chunks == 5 and fanned.chunks_cached == 0
    a, b = read_frames(tmp_path / "sequential.mp4"), read_frames(tmp_path / "dask.mp4")
    assert a.shape == b.shape == (250, 136, 320, 3) and probe_video(tmp_path / "dask.mp4").frames == 250
    difference = np.abs(a.astype(int) - b).mean()
    assert difference < 0.5, difference  # identical models and settings: codec noise at most
