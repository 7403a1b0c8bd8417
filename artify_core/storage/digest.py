"""What a store records of every entry it writes, and checks on every read.

A store entry is a cache: it must be either exactly what Artify wrote or
nothing. Bytes cut short (a full disk, a killed copy tool, an interrupted
sync), altered (bit rot, another tool) or written by code that recorded no
digest all look alike to a reader that trusts the name, and a decoder can
happily use a prefix of a video. So each write records the sha256 and size of
the bytes (a local store in a sidecar file, S3 in the object's metadata) and
each read compares them before the bytes are used.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from artify_core.storage.base import DamagedEntryError

_BLOCK = 1 << 20


@dataclass(frozen=True)
class Digest:
    """sha256 (hex) and size in bytes of an entry's bytes."""

    sha256: str
    size: int

    @classmethod
    def of_bytes(cls, data: bytes) -> "Digest":
        return cls(hashlib.sha256(data).hexdigest(), len(data))

    @classmethod
    def of_blocks(cls, blocks: Iterable[bytes]) -> "Digest":
        digest, size = hashlib.sha256(), 0
        for block in blocks:
            digest.update(block)
            size += len(block)
        return cls(digest.hexdigest(), size)

    @classmethod
    def of_file(cls, path: str | Path) -> "Digest":
        with open(path, "rb") as handle:
            return cls.of_blocks(iter(lambda: handle.read(_BLOCK), b""))

    def line(self) -> str:
        """The sidecar form: ``sha256:<hex> <size>``."""
        return f"sha256:{self.sha256} {self.size}\n"

    @classmethod
    def parse(cls, text: str) -> "Digest | None":
        """The digest a sidecar line (:meth:`line`) records; None when it records none."""
        algorithm, _, rest = text.strip().partition(":")
        sha, _, size = rest.partition(" ")
        if algorithm != "sha256" or len(sha) != 64 or not size.isdigit():
            return None
        try:
            int(sha, 16)
        except ValueError:
            return None
        return cls(sha.lower(), int(size))


def check_digest(where: str, recorded: Digest | None, actual: Digest) -> None:
    """Raises ``DamagedEntryError`` naming ``where`` unless ``actual`` is what was recorded."""
    if recorded is None:
        raise DamagedEntryError(where, "no digest was recorded with it (written by an older Artify or by "
                                       "another tool), so it cannot be trusted")
    if actual.size != recorded.size:
        change = "cut short" if actual.size < recorded.size else "grown"
        raise DamagedEntryError(where, f"{actual.size} bytes where {recorded.size} were written ({change})")
    if actual.sha256 != recorded.sha256:
        raise DamagedEntryError(where, f"its bytes differ from those written (sha256 {actual.sha256[:12]}… "
                                       f"where {recorded.sha256[:12]}… was recorded)")
