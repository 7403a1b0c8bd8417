"""The artifact store interface: content-addressed blobs (chunks, keyframes, reports).

Keys are relative POSIX paths such as ``chunks/3f2a….mp4``. Writers publish
atomically: a reader sees a whole object or none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Protocol, runtime_checkable


@runtime_checkable
class ArtifactStore(Protocol):
    """Where intermediate and final artifacts live (a directory, a bucket)."""

    uri: str

    def exists(self, key: str) -> bool: ...

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
    """Rejects keys that could escape the store's root (absolute, '..', empty parts)."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"invalid artifact key {key!r}: use a relative path without '..'")
    return key
