"""Facts about the file systems files are written to, for errors that name the cause.

``out_of_space`` builds the one message a full disk gets, wherever it happens
(the store, the output, a scratch folder): the file, the file system's mount
point and type, and how much was needed against how much is free, as far as
the caller knows. ``check_can_create`` tries a directory the only reliable way:
``os.access`` asks the permission bits, which root always passes, while a
read-only or pseudo file system (``/sys``, ``/proc``) refuses only the create.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

from artify_core.errors import OutOfSpaceError, OutputError

# errno values that mean "no room": the device is full, or the user's quota is spent.
NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})


def is_out_of_space(error: BaseException) -> bool:
    """Whether ``error`` (an ``OSError``) says a file system is full."""
    return isinstance(error, OSError) and error.errno in NO_SPACE


def mount_point(path: str | Path) -> Path:
    """The mount point of the file system holding ``path`` (or its nearest existing parent)."""
    current = _existing(Path(path))
    while not os.path.ismount(current) and current != current.parent:
        current = current.parent
    return current


def file_system_type(mount: Path) -> str | None:
    """The type of the file system mounted at ``mount`` (``ext4``, ``tmpfs`` …), from /proc/mounts."""
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return None
    found = None
    for line in lines:
        fields = line.split()
        if len(fields) >= 3 and _unescape(fields[1]) == str(mount):
            found = fields[2]  # the last mount on a point is the visible one
    return found


def free_bytes(path: str | Path) -> int | None:
    """Bytes an unprivileged user may still write on the file system holding ``path``."""
    try:
        return shutil.disk_usage(_existing(Path(path))).free
    except OSError:
        return None


def out_of_space(path: str | Path, needed: int | None = None) -> OutOfSpaceError:
    """The error for a write of ``path`` that filled its file system: names the file system and,
    when known, the bytes ``needed`` against those free. Raise it ``from`` the ``OSError``."""
    mount = mount_point(path)
    kind = file_system_type(mount)
    where = f"the file system mounted at {mount}" + (f" ({kind})" if kind else "")
    free = free_bytes(path)
    amounts = []
    if needed is not None:
        amounts.append(f"{human_size(needed)} needed")
    if free is not None:
        amounts.append(f"{human_size(free)} free")
    detail = f": {', '.join(amounts)}" if amounts else ""
    return OutOfSpaceError(f"{path}: out of space on {where}{detail}; free space there or choose another "
                           "location")


def check_can_create(target: str | Path, what: str = "output") -> None:
    """Creates and removes a temporary file beside ``target``: ``OutputError`` naming ``target``
    and the reason when that fails (read-only, pseudo or full file system, no permission)."""
    target = Path(target)
    parent = target.parent if str(target.parent) else Path(".")
    try:
        # Named as a part file of this process, so a rerun sweeps it if this process is killed here.
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".part.probe",
                                        dir=parent)
    except OSError as error:
        if is_out_of_space(error):
            raise out_of_space(target) from error
        raise OutputError(f"{target}: cannot write the {what} in {parent} ({error.strerror}); "
                          "choose a writable location") from error
    os.close(handle)
    os.unlink(name)


def human_size(size: int) -> str:
    """``1536`` → ``1.5 KiB``."""
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _existing(path: Path) -> Path:
    path = path.expanduser().absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _unescape(field: str) -> str:
    # /proc/mounts writes spaces, tabs, newlines and backslashes in paths as octal escapes.
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")
