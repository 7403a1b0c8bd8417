"""Content digests for cache keys: keys come from bytes and parameters, never paths."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

_BLOCK = 1 << 20


def file_digest(path: str | Path) -> str:
    """sha256 hex digest of a file's bytes, read in 1 MiB blocks (memory stays flat)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def params_digest(params: Any) -> str:
    """sha256 of the canonical JSON of ``params`` (sorted keys; floats as repr).

    Only JSON values are accepted (``TypeError`` otherwise): a key must not
    depend on how an object happens to print.
    """
    text = json.dumps(params, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def combine(*parts: str) -> str:
    """One digest from several digests or identifiers, order-sensitive."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
