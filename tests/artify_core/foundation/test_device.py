"""What the machine computes on: torch asked once, its answer remembered under what could change it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import artify_core.foundation.device as device
from artify_core.errors import InputError

REPO = Path(__file__).resolve().parents[3]


def test_torch_is_asked_once_per_machine_state(monkeypatch, tmp_path):
    asked = []
    monkeypatch.setattr(device, "_ask_torch", lambda: asked.append(1) or device.Capabilities(0, False))
    memo = tmp_path / "capabilities.json"
    assert device.capabilities(memo) == device.Capabilities(0, False) and len(asked) == 1
    assert device.capabilities(memo) == device.Capabilities(0, False) and len(asked) == 1  # remembered
    monkeypatch.setattr(device, "_fingerprint", lambda: "another driver")
    device.capabilities(memo)
    assert len(asked) == 2  # something that could change the answer changed
    memo.write_text("{garbage")
    device.capabilities(memo)
    assert len(asked) == 3 and json.loads(memo.read_text())["key"] == "another driver"


def test_device_names_are_checked_against_the_machine(monkeypatch):
    monkeypatch.setattr(device, "capabilities", lambda memo=None: device.Capabilities(1, False))
    assert device.device_name("auto") == "cuda" and device.device_name("cuda:0") == "cuda"[:4] + ":0"
    monkeypatch.setattr(device, "capabilities", lambda memo=None: device.Capabilities(0, False))
    assert device.device_name("auto") == "cpu"
    for bad, message in (("cuda", "CUDA is not available"), ("tpu", "unknown device"), ("cpu:1", "unknown device")):
        with pytest.raises(InputError, match=message):
            device.device_name(bad)


def test_a_run_is_keyed_without_importing_torch(tmp_path):
    """Cache keys (the model's version with every auto made concrete) need no torch once the machine's
    capabilities are known: a fully cached run never loads it."""
    code = ("import sys; from tasks.models import ModelSpec; "
            "a = ModelSpec.create('arbitrary'); s = ModelSpec.create('segmented', options={'base_options': {}}); "
            "print(a.version, a.device, dict(a.options)['backend'], 'torch' in sys.modules)")
    env_code = ["-c", code]
    run = lambda: subprocess.run([sys.executable, *env_code], cwd=REPO, capture_output=True, text=True, check=True,
                                 env={**__import__("os").environ, "ARTIFY_CACHE": str(tmp_path)})
    run()  # the first run on a machine asks torch
    version, resolved, backend, imported = run().stdout.split()
    assert imported == "False" and resolved in ("cpu", "cuda") and backend in ("torch", "openvino", "onnxruntime")
    assert version.startswith("arbitrary-")
