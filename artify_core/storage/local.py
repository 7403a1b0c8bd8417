"""A directory as artifact store."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterator

from artify_core.storage.base import ObjectInfo, validate_key

# mkstemp creates files 0600; published files get the usual mode of new files.
PUBLISHED_MODE = 0o644


class LocalStore:
    """Objects are files under ``root``; writes go to a temp file then ``os.replace``."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser().resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.uri = str(self.root)

    def __repr__(self) -> str:
        return f"LocalStore({self.uri!r})"

    def _path(self, key: str) -> Path:
        return self.root / validate_key(key)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def stat(self, key: str) -> ObjectInfo:
        # Size and mtime in nanoseconds: no read of the bytes, and every publish
        # (a new file renamed into place) changes it.
        status = self._path(key).stat()
        return ObjectInfo(status.st_size, f"{status.st_size:x}-{status.st_mtime_ns:x}")

    def put_file(self, key: str, source: Path) -> str:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        replace_atomically(target, lambda temp: shutil.copyfile(source, temp))
        return key

    def fetch(self, key: str, destination: Path) -> Path:
        source = self._path(key)
        destination = Path(destination)
        replace_atomically(destination, lambda temp: shutil.copyfile(source, temp))
        return destination

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def put_bytes(self, key: str, data: bytes) -> str:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        replace_atomically(target, lambda temp: temp.write_bytes(data))
        return key

    def get_bytes(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def list(self, prefix: str = "") -> Iterator[str]:
        for path in sorted(self.root.rglob("*")):
            key = path.relative_to(self.root).as_posix()
            if path.is_file() and key.startswith(prefix) and ".part" not in path.name:
                yield key

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def temp_beside(target: Path) -> Path:
    """An empty ``.<name>.XXXX.part`` file in ``target``'s directory, so that the
    final ``os.replace`` stays on one file system (rename is atomic only there)."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.fchmod(handle, PUBLISHED_MODE)
    os.close(handle)
    return Path(name)


def replace_atomically(target: Path, write: Callable[[Path], object]) -> None:
    """Runs ``write(temp)`` then renames temp over ``target``; a failure leaves
    ``target`` as it was and no temp file behind."""
    temp = temp_beside(target)
    try:
        write(temp)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
