"""Artifact stores, chosen by URI: a local directory now, ``s3://`` later."""

from __future__ import annotations

from pathlib import Path

from artify_core.storage.base import ArtifactStore, validate_key
from artify_core.storage.local import LocalStore


def default_store_uri() -> str:
    """``ARTIFY_STORE`` when set, else ``~/.cache/artify/store``."""
    import os

    return os.environ.get("ARTIFY_STORE") or str(Path.home() / ".cache" / "artify" / "store")


def open_store(uri: str | None = None) -> ArtifactStore:
    uri = uri or default_store_uri()
    if uri.startswith("s3://"):
        from artify_core.errors import InputError

        raise InputError(f"{uri}: object storage is not supported in this version; use a directory")
    return LocalStore(uri)


__all__ = ["ArtifactStore", "LocalStore", "default_store_uri", "open_store", "validate_key"]
