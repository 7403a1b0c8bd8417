"""Store locks die with their holder; the store remembers computed values."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from artify_core.storage import LocalStore
from artify_core.storage.locks import lock_path, store_lock
from artify_core.storage.memo import data_codec, json_codec, remembered


def test_locks_are_scoped_to_their_store(tmp_path):
    assert lock_path(str(tmp_path / "a"), "chunks/k.mp4").parent == tmp_path / "a" / ".locks"
    assert lock_path(str(tmp_path / "a"), "k") != lock_path(str(tmp_path / "b"), "k")
    assert lock_path("s3://bucket/one", "k") != lock_path("s3://bucket/two", "k")


def test_a_lock_held_by_a_killed_process_is_free_at_once(tmp_path):
    store = str(tmp_path / "store")
    holder = subprocess.Popen([sys.executable, "-c", f"""
import time
from artify_core.storage.locks import store_lock
with store_lock({store!r}, "chunks/k.mp4"):
    print("held", flush=True)
    time.sleep(600)
"""], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    waited = []
    stop = threading.Event()
    blocked = threading.Thread(target=lambda: _try(store, stop, waited))
    blocked.start()
    time.sleep(0.5)
    assert waited == ["waiting"]  # a live holder is waited for
    holder.kill()  # as kill -9 would
    holder.wait()
    blocked.join(10)
    assert waited == ["waiting", "acquired"]


def _try(store: str, stop: threading.Event, log: list[str]) -> None:
    with store_lock(store, "chunks/k.mp4", poll_seconds=0.05, stop=stop, on_wait=lambda: log.append("waiting")):
        log.append("acquired")


def test_a_waiting_lock_can_be_stopped(tmp_path):
    store, stop = str(tmp_path), threading.Event()
    with store_lock(store, "k"):
        stop.set()
        with pytest.raises(InterruptedError, match="stopped while waiting"):
            with store_lock(store, "k", poll_seconds=0.01, stop=stop):
                pass


def test_remembered_values_are_computed_once(tmp_path):
    store, calls = LocalStore(tmp_path), []

    def compute():
        calls.append(1)
        return {"cuts": [30, 76]}

    first = remembered(store, "cuts/a.json", compute, json_codec())
    second = remembered(store, "cuts/a.json", compute, json_codec())
    assert (first.value, first.cached, second.value, second.cached) == ({"cuts": [30, 76]}, False, first.value, True)
    assert calls == [1]
    store.put_bytes("plans/b.npz", b"written by another version")
    assert remembered(store, "plans/b.npz", lambda: 7, data_codec({})).value == 7  # unreadable: recomputed
