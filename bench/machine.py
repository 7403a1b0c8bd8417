"""The machine a bench ran on, as its pages print it."""

from __future__ import annotations

import os


def cpu_description() -> str:
    """"<CPU model>, <n> cores" from /proc/cpuinfo ("unknown CPU" where there is none)."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        model = "unknown CPU"
    return f"{model}, {os.cpu_count()} cores"
