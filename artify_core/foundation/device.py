"""What this machine computes on, known without importing torch once torch has been asked.

Cache keys name the device and precision a chunk is computed with, and they are
needed before anything needs the model (a fully cached run needs no model at
all). Importing torch only to ask whether CUDA is there costs seconds on every
run, so torch's answer is remembered in the cache directory, under a key of
everything that could change it: torch's version, the NVIDIA driver, the GPUs
visible to the process, the CPU's model and flags, the host.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from dataclasses import asdict, dataclass
from pathlib import Path

from artify_core.errors import InputError
from artify_core.foundation.paths import cache_home
from artify_core.foundation.publish import replace_atomically

DEVICE_NAMES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class Capabilities:
    """CUDA devices torch can use, and whether the CPU computes bf16 natively (AVX512-BF16 or AMX)."""

    cuda_devices: int
    native_bf16: bool


def capabilities(memo: Path | None = None) -> Capabilities:
    """This machine's capabilities: remembered in ``memo`` (default: the cache directory), else
    asked of torch and remembered."""
    memo = memo or cache_home() / "capabilities.json"
    key = _fingerprint()
    try:
        record = json.loads(memo.read_text())
        if record.get("key") == key:
            return Capabilities(**record["capabilities"])
    except (OSError, ValueError, TypeError, KeyError):
        pass  # none yet, or unreadable: ask torch
    found = _ask_torch()
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        replace_atomically(memo, lambda temp: temp.write_text(json.dumps({"key": key,
                                                                           "capabilities": asdict(found)})))
    except OSError:
        pass  # a read-only cache costs the next run a torch import, nothing else
    return found


def device_name(device: str) -> str:
    """``"auto"`` → ``"cuda"`` where torch sees a GPU, else ``"cpu"``; ``"cpu"``, ``"cuda"`` and
    ``"cuda:N"`` as given, checked against what the machine has."""
    if device == "auto":
        return "cuda" if capabilities().cuda_devices > 0 else "cpu"
    kind, _, index = device.partition(":")
    if kind not in ("cpu", "cuda") or (index and (kind == "cpu" or not index.isdigit())):
        raise InputError(f"unknown device {device!r}; use auto, cpu, cuda or cuda:N")
    if kind == "cuda" and capabilities().cuda_devices <= int(index or 0):
        raise InputError(f"device {device!r} requested but CUDA is not available here; use device='cpu'")
    return device


def _ask_torch() -> Capabilities:
    import torch

    # Without AVX512-BF16 or AMX, oneDNN emulates bf16 and it is slower than fp32. torch has no public
    # probe; these private ones back its own CPU backend choices, and their absence means fp32.
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    native_bf16 = any(getattr(torch.cpu, probe, lambda: False)() for probe in probes)
    return Capabilities(torch.cuda.device_count() if torch.cuda.is_available() else 0, native_bf16)


def _fingerprint() -> str:
    """A digest of what could change the answer."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        torch_version = version("torch")
    except PackageNotFoundError:
        torch_version = "none"
    parts = [torch_version, _read("/proc/driver/nvidia/version"), os.environ.get("CUDA_VISIBLE_DEVICES", "*"),
             os.environ.get("ATEN_CPU_CAPABILITY", ""), _cpu_description(), socket.gethostname()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _cpu_description() -> str:
    text = _read("/proc/cpuinfo")
    keep = [line for line in text.splitlines() if line.startswith(("model name", "flags"))][:2]
    return "\n".join(keep) or os.uname().machine


def _read(path: str) -> str:
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return ""
