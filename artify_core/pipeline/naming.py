"""How outputs and reports are named, for one video and for every video of a folder."""

from __future__ import annotations

from pathlib import PurePosixPath

OUTPUT_SUFFIX = ".stylized.mp4"
REPORT_SUFFIX = ".report"


def output_name(content: str) -> str:
    """``trip/day1.mov`` → ``trip/day1.stylized.mp4``, beside the content (a path, a relative
    name under a folder, or an ``s3://`` URI)."""
    folder, _, name = content.rpartition("/")
    stem = str(PurePosixPath(name).stem) if "." in name else name
    return f"{folder}/{stem}{OUTPUT_SUFFIX}" if folder or content.startswith("/") else f"{stem}{OUTPUT_SUFFIX}"


def report_name(output: str) -> str:
    """Where an output's evaluation report goes: ``trip/a.stylized.report`` beside ``trip/a.stylized.mp4``."""
    return (output[: -len(".mp4")] if output.endswith(".mp4") else output) + REPORT_SUFFIX
