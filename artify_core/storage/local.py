"""A directory as artifact store."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterator

from artify_core.foundation.publish import replace_atomically
from artify_core.storage.base import ObjectInfo, StorageError, validate_key


class LocalStore:
    """Objects are files under ``root``; writes go to a temp file then ``os.replace``."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser().resolve()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageError(f"{self.root}: cannot create the artifact store ({error.strerror}); "
                               "choose another --store") from error
        self.uri = str(self.root)

    def __repr__(self) -> str:
        return f"LocalStore({self.uri!r})"

    def check(self) -> None:
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageError(f"{self.uri}: the artifact store is not writable; choose another --store")

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
            hidden = any(part.startswith(".") for part in path.relative_to(self.root).parts)  # temp files, locks
            if path.is_file() and key.startswith(prefix) and not hidden:
                yield key

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
