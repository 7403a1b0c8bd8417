"""Atomic publishing, and sweeping what dead processes left behind (never a live one's files)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from artify_core.foundation.publish import (
    replace_atomically,
    scratch_directory,
    sweep_parts,
    sweep_scratch,
    temporary_sibling,
)


def dead_pid() -> int:
    """The id of a process that has exited."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_temporary_names_carry_the_process_id(tmp_path):
    temp = temporary_sibling(tmp_path / "out.mp4", ".mp4")
    assert temp.parent == tmp_path and temp.name.startswith(f".out.mp4.{os.getpid()}.")
    assert temp.name.endswith(".part.mp4") and oct(temp.stat().st_mode)[-3:] == "644"


def test_a_failed_write_leaves_the_target_and_no_temporary(tmp_path):
    target = tmp_path / "a.json"
    target.write_text("old")

    def fail(temp: Path) -> None:
        temp.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        replace_atomically(target, fail)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["a.json"]
    replace_atomically(target, lambda temp: temp.write_text("new"))
    assert target.read_text() == "new" and [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_sweeping_removes_only_dead_processes_files(tmp_path):
    dead = dead_pid()
    stale = tmp_path / f".out.mp4.{dead}.abc123.part.mp4"
    live = tmp_path / f".out.mp4.{os.getpid()}.def456.part.mp4"
    other = tmp_path / f".other.mp4.{dead}.ghi789.part.mp4"
    unrelated = tmp_path / "notes.part.txt"
    for path in (stale, live, other, unrelated):
        path.write_bytes(b"x")
    assert sweep_parts(tmp_path, "out.mp4") == [stale]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name, unrelated.name])
    assert sweep_parts(tmp_path) == [other]


def test_sweeping_a_target_removes_the_temporaries_of_its_temporary(tmp_path):
    dead = dead_pid()
    assembled = f".out.mp4.{dead}.abc123.part.mp4"  # the output assembled under a temporary name ...
    joining = tmp_path / f".{assembled}.{dead}.def456.part.mp4"  # ... and the joiner's own temporary of it
    joining.write_bytes(b"x")
    (tmp_path / f".{assembled}.{os.getpid()}.ghi789.part.mp4").write_bytes(b"live")
    assert sweep_parts(tmp_path, "out.mp4") == [joining]


def test_scratch_folders_of_dead_processes_are_swept(tmp_path):
    dead = tmp_path / f"artify-chunk-{dead_pid()}-x1"
    (dead / "chunk.mp4").parent.mkdir()
    (dead / "chunk.mp4").write_bytes(b"x")
    with scratch_directory("chunk") as mine:
        assert mine.name.startswith(f"artify-chunk-{os.getpid()}-")
        alive = tmp_path / f"artify-chunk-{os.getpid()}-y2"
        alive.mkdir()
        assert sweep_scratch(tmp_path) == [dead]
        assert alive.exists()
    assert not mine.exists()
