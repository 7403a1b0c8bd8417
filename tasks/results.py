"""Prefect's task results and cache records kept in Artify's artifact store.

With the store on S3, a rerun on another machine that sees the same bucket
finds the cache records of finished tasks there and reuses them. Cached tasks
run SERIALIZABLE under a file-system lock manager, so two runs racing on the
same chunk on one machine (or Dask workers of one host) compute it once;
across hosts use Prefect's Redis lock manager (``prefect-redis``) the same way.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any, TypeVar

from prefect import Task
from prefect.cache_policies import CacheKeyFnPolicy
# The dispatcher Prefect's own storage blocks use: one method, sync or async by caller.
from prefect._internal.compatibility.async_dispatch import async_dispatch
from prefect.filesystems import WritableFileSystem
from prefect.locking.filesystem import FileSystemLockManager

from artify_core.storage import open_store

RESULTS_PREFIX = "prefect-results"
TaskT = TypeVar("TaskT", bound=Task)


class ArtifactStoreResults(WritableFileSystem):
    """Result storage over an ``ArtifactStore`` URI (a directory or ``s3://bucket/prefix``)."""

    _block_type_name = "Artify Artifact Store"
    store_uri: str
    prefix: str = RESULTS_PREFIX

    async def aread_path(self, path: str) -> bytes:
        return await asyncio.to_thread(self.read_path, path, _sync=True)

    @async_dispatch(aread_path)
    def read_path(self, path: str) -> bytes:
        return open_store(self.store_uri).get_bytes(self._key(path))

    async def awrite_path(self, path: str, content: bytes) -> str:
        return await asyncio.to_thread(self.write_path, path, content, _sync=True)

    @async_dispatch(awrite_path)
    def write_path(self, path: str, content: bytes) -> str:
        return open_store(self.store_uri).put_bytes(self._key(path), content)

    def _key(self, path: str) -> str:
        return f"{self.prefix}/{path.strip('/')}"


def keyed_policy(prefix: str, parameter: str = "key") -> CacheKeyFnPolicy:
    """Cache on ``<prefix>-<the task's parameter>``: a key the flow built from content identities
    and parameters, never from paths or frame arrays."""
    def cache_key(context: Any, parameters: dict[str, Any]) -> str:
        return f"{prefix}-{parameters[parameter]}"
    return CacheKeyFnPolicy(cache_key_fn=cache_key)


def lock_directory() -> Path:
    return Path.home() / ".cache" / "artify" / "locks"


def result_storage(store_uri: str) -> ArtifactStoreResults:
    """The result-storage block for ``store_uri``, saved on the Prefect server (tasks accept
    only saved blocks), under a name derived from the URI."""
    block = ArtifactStoreResults(store_uri=store_uri)
    block.save(f"artify-{hashlib.sha256(store_uri.encode()).hexdigest()[:16]}", overwrite=True)
    return block


def stored(task: TaskT, storage: ArtifactStoreResults, **options: Any) -> TaskT:
    """``task`` with its results and cache records in ``storage``, and locked while it computes."""
    policy = task.cache_policy
    if hasattr(policy, "configure"):
        policy = policy.configure(lock_manager=FileSystemLockManager(lock_files_directory=lock_directory()),
                                  isolation_level="SERIALIZABLE")
    return task.with_options(result_storage=storage, cache_policy=policy, **options)
