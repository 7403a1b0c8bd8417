"""The artifact store interface: content-addressed blobs (chunks, keyframes, reports).

Keys are relative POSIX paths such as ``chunks/3f2a….mp4``. Writers publish
atomically: a reader sees a whole object or none.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Protocol, runtime_checkable

from artify_core.errors import ArtifyError, InputError


class StorageError(InputError):
    """A store cannot be used as configured: malformed URI, missing bucket, access
    denied, no credentials. The user can act on it (exit code 2 in the CLI)."""


class StorageUnavailableError(ArtifyError):
    """The store could not be reached even after retries (network, endpoint down)."""


@dataclass(frozen=True)
class ObjectInfo:
    """What identifies one version of a stored object, cheaply.

    ``etag`` changes whenever the object is replaced; it is not a content hash
    (an S3 multipart ETag depends on the part size, a local one on the mtime).
    """

    size: int
    etag: str


@runtime_checkable
class ArtifactStore(Protocol):
    """Where intermediate and final artifacts live (a directory, a bucket)."""

    uri: str

    def check(self) -> None:
        """Raises ``StorageError`` (unusable as configured) or ``StorageUnavailableError``
        (unreachable) within seconds: called before a run starts any work."""
        ...

    def exists(self, key: str) -> bool: ...

    def stat(self, key: str) -> ObjectInfo:
        """Size and ETag of the object; ``FileNotFoundError`` when absent."""
        ...

    def put_file(self, key: str, source: Path) -> str:
        """Publishes the file at ``source`` under ``key``; returns the key."""
        ...

    def fetch(self, key: str, destination: Path) -> Path:
        """Copies the object to ``destination`` (a local file path); returns it."""
        ...

    def local_path(self, key: str) -> Path | None:
        """A local path to read the object in place, when the store has one."""
        ...

    def put_bytes(self, key: str, data: bytes) -> str: ...

    def get_bytes(self, key: str) -> bytes: ...

    def list(self, prefix: str = "") -> Iterator[str]: ...

    def delete(self, key: str) -> None: ...


def validate_key(key: str) -> str:
    """Rejects keys that could escape the store's root: absolute, '..' or '.' or
    empty parts, and backslashes or NULs (a separator or terminator elsewhere)."""
    parts = key.split("/")
    if (not key or key.startswith("/") or "\\" in key or "\x00" in key
            or any(p in ("", ".", "..") for p in parts)):
        raise ValueError(f"invalid artifact key {key!r}: use a relative POSIX path without '..'")
    return key
