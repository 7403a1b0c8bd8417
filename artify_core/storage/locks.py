"""Locks on one key of one store, that no crash can leave behind.

A lock is an exclusive ``flock`` on a lock file: the kernel releases it when the
holding process exits, however it exits (``kill -9`` included), so a rerun after a
crash never waits for a dead holder. Lock files are scoped to their store: in a
local store's own ``.locks/`` folder; for object storage, in a folder of this
machine named after the store's URI. They serialise runs on one machine (or on
hosts sharing the local store's file system); runs on different hosts writing to
one bucket may compute the same chunk twice, and the store's atomic publish keeps
either result whole.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from artify_core.foundation.paths import lock_dir
from artify_core.storage.uri import is_remote


def lock_path(store_uri: str, key: str) -> Path:
    """The lock file of ``key`` in the store at ``store_uri``."""
    name = hashlib.sha256(key.encode()).hexdigest()[:32] + ".lock"
    if is_remote(store_uri):
        return lock_dir() / hashlib.sha256(store_uri.encode()).hexdigest()[:16] / name
    return Path(store_uri).expanduser() / ".locks" / name


@contextmanager
def store_lock(store_uri: str, key: str, *, poll_seconds: float = 0.2,
               stop: threading.Event | None = None, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Holds the exclusive lock on ``key`` of the store for the block.

    Waits while another live process holds it, polling (a blocking ``flock`` in a
    worker thread could not be interrupted by Ctrl-C): ``on_wait`` is called once
    when waiting starts; a set ``stop`` event raises ``InterruptedError``.
    """
    path = lock_path(store_uri, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        waited = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waited and on_wait is not None:
                    on_wait()
                waited = True
                if stop is not None and stop.is_set():
                    raise InterruptedError(f"stopped while waiting for the lock on {key}") from None
                time.sleep(poll_seconds)
        yield
    finally:
        os.close(handle)  # closing the descriptor releases the lock
