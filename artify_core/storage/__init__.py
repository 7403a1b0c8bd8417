"""Artifact stores, chosen by URI: a local directory or ``s3://bucket/prefix``."""

from __future__ import annotations

from artify_core.foundation.paths import default_store_uri
from artify_core.storage.base import (
    ArtifactStore,
    ObjectInfo,
    StorageError,
    StorageUnavailableError,
    validate_key,
)
from artify_core.storage.local import LocalStore
from artify_core.storage.s3 import S3Store


def open_store(uri: str | None = None) -> ArtifactStore:
    """``s3://bucket/prefix`` → :class:`S3Store`; anything else is a directory.
    Other URL schemes (``gs://``, ``http://``) are refused rather than taken for
    a directory named ``gs:``."""
    uri = uri or default_store_uri()
    if uri.startswith("s3://"):
        return S3Store(uri)
    if "://" in uri:
        raise StorageError(f"{uri}: unsupported store; use a directory or s3://BUCKET/PREFIX")
    return LocalStore(uri)


__all__ = [
    "ArtifactStore",
    "LocalStore",
    "ObjectInfo",
    "S3Store",
    "StorageError",
    "StorageUnavailableError",
    "default_store_uri",
    "open_store",
    "validate_key",
]
