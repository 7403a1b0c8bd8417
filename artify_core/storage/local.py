"""A directory as artifact store."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable, Iterator

from artify_core.foundation.filesystem import is_out_of_space, out_of_space
from artify_core.foundation.publish import replace_atomically
from artify_core.storage.base import ObjectInfo, StorageError, validate_key
from artify_core.storage.digest import Digest, check_digest

# Digests live in a hidden tree beside the objects: ``.digests/<key>.sha256``.
DIGESTS = ".digests"


class LocalStore:
    """Objects are files under ``root``; writes go to a temp file then ``os.replace``.

    Each object's digest is a sidecar ``.digests/<key>.sha256``, published before the
    object: a reader that sees an object sees the digest written with it.
    """

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
            raise StorageError("the artifact store is not writable; choose another", fields=(("execution.store", self.uri),))

    def _path(self, key: str) -> Path:
        return self.root / validate_key(key)

    def _digest_path(self, key: str) -> Path:
        return self.root / DIGESTS / f"{validate_key(key)}.sha256"

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def stat(self, key: str) -> ObjectInfo:
        # Size and mtime in nanoseconds: no read of the bytes, and every publish
        # (a new file renamed into place) changes it.
        status = self._path(key).stat()
        return ObjectInfo(status.st_size, f"{status.st_size:x}-{status.st_mtime_ns:x}")

    def put_file(self, key: str, source: Path) -> str:
        return self.write(key, lambda temp: shutil.copyfile(source, temp), Path(source).stat().st_size)

    def put_bytes(self, key: str, data: bytes) -> str:
        return self.write(key, lambda temp: temp.write_bytes(data), len(data))

    def write(self, key: str, write: Callable[[Path], object], size: int | None = None) -> str:
        """Publishes what ``write(temp)`` puts in a temporary file beside the object (a download
        lands in place without a second copy), with its digest; ``size``: the bytes expected, for
        the message when the disk fills up."""
        target, sidecar = self._path(key), self._digest_path(key)

        def write_then_record(temp: Path) -> None:
            write(temp)
            digest = Digest.of_file(temp)  # the bytes as they landed, not as they were meant
            sidecar.parent.mkdir(parents=True, exist_ok=True)
            replace_atomically(sidecar, lambda part: part.write_text(digest.line()))

        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            replace_atomically(target, write_then_record)
        except OSError as error:
            if is_out_of_space(error):
                raise out_of_space(target, needed=size) from error
            raise
        return key

    def recorded(self, key: str) -> Digest | None:
        """The digest recorded when ``key`` was written; None when there is none."""
        try:
            return Digest.parse(self._digest_path(key).read_text())
        except (OSError, UnicodeDecodeError):
            return None

    def verify(self, key: str) -> None:
        path = self._path(key)
        recorded = self.recorded(key)
        check_digest(str(path), recorded, Digest.of_file(path))

    def fetch(self, key: str, destination: Path) -> Path:
        source, destination = self._path(key), Path(destination)
        recorded = self.recorded(key)

        def copy_checked(temp: Path) -> None:
            shutil.copyfile(source, temp)
            check_digest(str(source), recorded, Digest.of_file(temp))

        try:
            replace_atomically(destination, copy_checked)
        except OSError as error:
            if is_out_of_space(error):
                raise out_of_space(destination, needed=source.stat().st_size) from error
            raise
        return destination

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def get_bytes(self, key: str) -> bytes:
        path = self._path(key)
        recorded = self.recorded(key)
        data = path.read_bytes()
        check_digest(str(path), recorded, Digest.of_bytes(data))
        return data

    def list(self, prefix: str = "") -> Iterator[str]:
        for path in sorted(self.root.rglob("*")):
            key = path.relative_to(self.root).as_posix()
            # Temp files, locks and digests live under names starting with '.'.
            hidden = any(part.startswith(".") for part in path.relative_to(self.root).parts)
            if path.is_file() and key.startswith(prefix) and not hidden:
                yield key

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
        self._digest_path(key).unlink(missing_ok=True)
