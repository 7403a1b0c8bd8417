"""The artifact store interface: content-addressed blobs (chunks, keyframes, reports).

Keys are relative POSIX paths such as ``chunks/3f2a….mp4``. Writers publish
atomically: a reader sees a whole object or none. Every write records a digest
of the bytes and every read checks it (``artify_core.storage.digest``): what a
reader gets is exactly what was written, or ``DamagedEntryError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Protocol, runtime_checkable

from artify_core.errors import ArtifyError, InputError


class StorageError(InputError):
    """A store cannot be used as configured: malformed URI, missing bucket, access
    denied, no credentials. The user can act on it (exit code 2 in the CLI)."""

    advice = "Check the store's URI, its bucket and the worker's credentials for it (boto3's configuration)."


class StorageUnavailableError(ArtifyError):
    """The store could not be reached even after retries (network, endpoint down)."""

    advice = "Check that the object store is up and reachable from the worker, then run again."


class DamagedEntryError(StorageError):
    """An entry whose bytes are not those recorded when it was written (cut short, altered),
    or that has no recorded digest. Callers that can compute it again remove it and do so
    (``artify_core.storage.memo``)."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: damaged store entry: {reason}")
        self.where, self.reason = where, reason


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
        """Publishes the file at ``source`` under ``key`` with the digest of its bytes; returns the key."""
        ...

    def fetch(self, key: str, destination: Path) -> Path:
        """Copies the object to ``destination`` (a local file path) and checks its digest; returns it.
        ``DamagedEntryError`` (and nothing at ``destination``) when the bytes are not those written."""
        ...

    def local_path(self, key: str) -> Path | None:
        """A local path to read the object in place, when the store has one; unchecked: call
        :meth:`verify` first."""
        ...

    def verify(self, key: str) -> None:
        """Reads the object and checks its digest: ``DamagedEntryError`` when its bytes are not
        those written, ``FileNotFoundError`` when absent."""
        ...

    def put_bytes(self, key: str, data: bytes) -> str: ...

    def get_bytes(self, key: str) -> bytes:
        """The object's bytes, checked against its digest (``DamagedEntryError``)."""
        ...

    def list(self, prefix: str = "") -> Iterator[str]: ...

    def delete(self, key: str) -> None:
        """Removes the object and its digest (nothing when absent)."""
        ...


def validate_key(key: str) -> str:
    """Rejects keys that could escape the store's root: absolute, '..' or '.' or
    empty parts, and backslashes or NULs (a separator or terminator elsewhere)."""
    parts = key.split("/")
    if (not key or key.startswith("/") or "\\" in key or "\x00" in key
            or any(p in ("", ".", "..") for p in parts)):
        raise ValueError(f"invalid artifact key {key!r}: use a relative POSIX path without '..'")
    return key
