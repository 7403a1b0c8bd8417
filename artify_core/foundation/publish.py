"""Publishing files whole, and clearing what interrupted runs left behind.

A file is written under a temporary name beside its target (same file system,
so the final ``os.replace`` is atomic) and renamed into place when complete:
readers see the whole file or none. Temporary names and scratch folders carry
the writer's process id, so a later run can tell the leftovers of a process that
died (``kill -9``, power loss) from files another live run is still writing, and
remove only the former.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

# mkstemp creates files 0600; published files get the usual mode of new files.
PUBLISHED_MODE = 0o644
# ".<target name>.<pid>.<random>.part<suffix>"
_PART = re.compile(r"^\.(?P<target>.+)\.(?P<pid>\d+)\.[^.]+\.part(\.[^.]*)?$")
SCRATCH_PREFIX = "artify-"
_SCRATCH = re.compile(rf"^{SCRATCH_PREFIX}[a-z]+-(?P<pid>\d+)-")


def temporary_sibling(target: Path, suffix: str = "") -> Path:
    """A new empty file ``.<name>.<pid>.<random>.part<suffix>`` beside ``target``."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=f".part{suffix}",
                                    dir=target.parent)
    os.fchmod(handle, PUBLISHED_MODE)
    os.close(handle)
    return Path(name)


def replace_atomically(target: Path, write: Callable[[Path], object], suffix: str = "") -> None:
    """Runs ``write(temp)`` then renames temp over ``target``; a failure leaves ``target``
    as it was and no temporary file behind."""
    temp = temporary_sibling(target, suffix)
    try:
        write(temp)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


@contextmanager
def scratch_directory(purpose: str) -> Iterator[Path]:
    """A temporary folder ``artify-<purpose>-<pid>-…``, removed when the block ends."""
    with tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{purpose}-{os.getpid()}-") as name:
        yield Path(name)


def process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def sweep_parts(directory: Path, target_name: str | None = None) -> list[Path]:
    """Removes temporary files of dead processes in ``directory`` (only those of ``target_name``
    when given, or of a temporary file of it: an output assembled under a temporary name is itself
    written through one); returns what was removed."""
    removed = []
    try:
        entries = list(directory.iterdir())
    except OSError:
        return removed
    for path in entries:
        match = _PART.match(path.name)
        if match is None or (target_name is not None and not _part_of(match["target"], target_name)):
            continue
        if not process_alive(int(match["pid"])):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _part_of(target: str, name: str) -> bool:
    while target != name:
        match = _PART.match(target)
        if match is None:
            return False
        target = match["target"]
    return True


def sweep_scratch(root: Path | None = None) -> list[Path]:
    """Removes ``artify-<purpose>-<pid>-…`` folders and files of dead processes under ``root``
    (default: the system's temporary folder)."""
    removed = []
    root = Path(root or tempfile.gettempdir())
    try:
        entries = list(root.iterdir())
    except OSError:
        return removed
    for path in entries:
        match = _SCRATCH.match(path.name)
        if match is not None and not process_alive(int(match["pid"])):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def sweep_older_than(directory: Path, seconds: float) -> list[Path]:
    """Removes files under ``directory`` not modified for ``seconds`` (downloads no run claims)."""
    removed, cutoff = [], time.time() - seconds
    for path in sorted(directory.rglob("*"), reverse=True) if directory.is_dir() else []:
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(path)
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        except OSError:
            continue
    return removed
