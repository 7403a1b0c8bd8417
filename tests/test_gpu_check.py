"""bench/gpu_check.py, the command to run on a machine with CUDA, works end to end (here on the CPU)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_gpu_check_measures_every_stage(tmp_path, bunny):
    doc = tmp_path / "gpu.md"
    subprocess.run([sys.executable, "bench/gpu_check.py", "--device", "cpu", "--frames", "6", "--sizes", "72",
                    "--out", str(tmp_path / "out"), "--doc", str(doc)], cwd=REPO, check=True, capture_output=True,
                   env={**os.environ}, timeout=900)
    text = doc.read_text()
    for stage in ("decode (CPU)", "encode, x264", "model (arbitrary", "temporal smoothing", "end to end",
                  "Temporal stage:", "Slowest stage"):
        assert stage in text, text
    rates = [float(line.split("|")[2]) for line in text.splitlines() if line.startswith("| ") and "frames/s" not in line
             and "---" not in line]
    assert len(rates) == 5 and all(rate > 0 for rate in rates)
