"""Artifact stores, chosen by URI (``STORES``, keyed by scheme): a local directory or ``s3://bucket/prefix``."""

from __future__ import annotations

from artify_core.foundation.paths import default_store_uri
from artify_core.foundation.registry import Registry
from artify_core.storage.base import (
    ArtifactStore,
    ObjectInfo,
    StorageError,
    StorageUnavailableError,
    validate_key,
)
from artify_core.storage.local import LocalStore
from artify_core.storage.s3 import S3Store

# Keyed by the URI's scheme; a URI without one is a directory ("local"). A builder takes the URI.
STORES: Registry[ArtifactStore] = Registry("store")
STORES.register("local", "artify_core.storage.local:LocalStore", summary="a directory")
STORES.register("s3", "artify_core.storage.s3:S3Store", summary="s3://BUCKET/PREFIX")
LOCAL = "local"


def open_store(uri: str | None = None) -> ArtifactStore:
    """``s3://bucket/prefix`` → :class:`S3Store`; anything else is a directory.
    Other URL schemes (``gs://``, ``http://``) are refused rather than taken for
    a directory named ``gs:``."""
    uri = uri or default_store_uri()
    scheme, separator, _ = uri.partition("://")
    name = scheme if separator else LOCAL
    if name not in STORES or (separator and name == LOCAL):
        kinds = " or ".join(STORES.entry(name).summary for name in STORES)
        raise StorageError(f"{uri}: unsupported store; use {kinds}")
    return STORES.entry(name).builder(uri)


__all__ = [
    "ArtifactStore",
    "LocalStore",
    "ObjectInfo",
    "S3Store",
    "STORES",
    "StorageError",
    "StorageUnavailableError",
    "default_store_uri",
    "open_store",
    "validate_key",
]
