"""The process settings for frame streaming: freed frame-sized blocks are reused, not faulted in
again; idle OpenMP threads sleep.

Each case runs in a fresh interpreter: the settings are process-wide and must not leak into the test run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]

# Makes and drops a 720p float frame's worth of memory, as the smoother does each frame, and
# counts the page faults of the last 20 rounds.
_PROBE = """
import json, resource, sys
import numpy as np
from artify_core.foundation import runtime
if sys.argv[1] == "tuned":
    runtime.configure_for_frames((720, 1280))
def frame():
    a = np.empty((720, 1280, 3), np.float32)
    a.fill(1.0)  # touch every page
    b = a * 2.0  # and a second fresh array, freed while the first is alive
    return float(b[0, 0, 0])
for _ in range(5):
    frame()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    frame()
print(json.dumps({"faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before,
                  "glibc": runtime.reuse_freed_memory(runtime.HEAP_BLOCKS_SMALL_FRAMES)}))
"""


def _faults(mode: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, env=env,
                          check=True, timeout=120)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_freed_frames_are_reused_without_page_faults():
    tuned = _faults("tuned")
    if not tuned["glibc"]:
        pytest.skip("not glibc: the allocator settings do not apply")
    default = _faults("default")
    # 20 rounds of two 11 MB arrays: 2,700 faults for each one that is fresh memory; glibc's own
    # heuristics reuse some of them (15,000-55,000 faults measured).
    assert default["faults"] > 5_000, default
    assert tuned["faults"] < 500, tuned


def _openmp_spin_count(package: str, policy: str | None) -> str | None:
    """libgomp's spin count in a fresh interpreter that imports ``package`` and then torch (None: not libgomp)."""
    env = {key: value for key, value in os.environ.items() if key != "OMP_WAIT_POLICY"}
    env.update({"PYTHONPATH": str(REPO), "OMP_DISPLAY_ENV": "VERBOSE", **({"OMP_WAIT_POLICY": policy} if policy else {})})
    done = subprocess.run([sys.executable, "-c", f"import {package}, torch; torch.ones(4).sum()"],
                          capture_output=True, text=True, env=env, check=True, timeout=120)
    lines = [line for line in done.stderr.splitlines() if "GOMP_SPINCOUNT" in line]
    return lines[0].split("=")[1].strip(" '") if lines else None


@pytest.mark.parametrize("package", ["artify_cli", "flows", "tasks"])
def test_entry_points_have_openmp_threads_sleep_when_idle(package):
    spins = _openmp_spin_count(package, None)
    if spins is None:
        pytest.skip("torch's OpenMP is not GNU libgomp here")
    assert spins == "0"  # passive: idle threads sleep at once


def test_a_wait_policy_the_user_chose_is_kept():
    spins = _openmp_spin_count("artify_cli", "ACTIVE")
    if spins is None:
        pytest.skip("torch's OpenMP is not GNU libgomp here")
    assert spins != "0"
