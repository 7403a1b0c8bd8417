"""Values computed once and kept in the artifact store under a content-derived key.

The store is the cache: a value is found by its key (``artify_core.pipeline.keys``)
or computed, published whole, and found by every later run, on this machine or
another that sees the same store. Nothing else records what was computed, so a
store cleaned up by hand simply means recomputing.

A cache must never change what a run produces. So an entry is used only when
its bytes are those written (the store checks their digest) and they decode as
the value expected; anything else (cut short, altered, written without a digest
by an older Artify, a pickle, garbage) is reported once as a warning naming
it, removed, and computed again. Every kind of entry goes through here:
``lookup`` for files (chunks, downloads), ``remembered`` for values (cuts,
plans), ``remembered_folder`` for sets of files (keyframes).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Generic, Mapping, TypeVar

from artify_core.errors import InputError
from artify_core.storage import data
from artify_core.storage.base import ArtifactStore, DamagedEntryError

T = TypeVar("T")
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Memo(Generic[T]):
    """A value and whether it came from the store."""

    value: T
    cached: bool


@dataclass(frozen=True)
class Codec(Generic[T]):
    """How a value becomes bytes and back; ``decode`` raises ``ValueError`` for bytes it refuses."""

    encode: Callable[[T], bytes]
    decode: Callable[[bytes], T]


def json_codec(check: Callable[[Any], T] = lambda value: value) -> Codec[T]:
    """Canonical JSON; ``check(value)`` returns the decoded value or raises ``ValueError``."""
    return Codec(lambda value: json.dumps(value, sort_keys=True).encode(), lambda raw: check(json.loads(raw)))


def data_codec(types: Mapping[str, str]) -> Codec[Any]:
    """Arrays and the dataclasses ``types`` names, as ``.npz`` (``artify_core.storage.data``)."""
    return Codec(lambda value: data.encode(value, types), lambda raw: data.decode(raw, types))


def discard(store: ArtifactStore, keys: list[str], reason: str) -> None:
    """Logs one warning (``reason`` names the entry and what is wrong) and removes ``keys``."""
    _log.warning("%s; removed, computing it again", reason)
    for key in keys:
        store.delete(key)


def lookup(store: ArtifactStore, key: str) -> bool:
    """Whether a whole entry is at ``key``: present and its bytes those written. A damaged one
    is reported and removed (``discard``), so the caller computes it again."""
    try:
        store.verify(key)
    except FileNotFoundError:
        return False
    except DamagedEntryError as error:
        discard(store, [key], str(error))
        return False
    return True


def checked_local(store: ArtifactStore, key: str, destination: Path) -> Path:
    """A local file with the entry's bytes, checked against its digest: the entry itself in a
    local store, else a copy at ``destination``. A damaged entry is reported, removed and raised
    (``DamagedEntryError``): this caller cannot compute it again, so the run fails and a rerun does."""
    try:
        local = store.local_path(key)
        if local is None:
            return store.fetch(key, destination)
        store.verify(key)
        return local
    except DamagedEntryError as error:
        discard(store, [key], str(error))
        raise


def remembered(store: ArtifactStore, key: str, compute: Callable[[], T], codec: Codec[T]) -> Memo[T]:
    """The value stored at ``key``, or ``compute()`` published there first."""
    try:
        raw = store.get_bytes(key)
    except FileNotFoundError:
        pass
    except DamagedEntryError as error:
        discard(store, [key], str(error))
    else:
        try:
            return Memo(codec.decode(raw), True)
        except ValueError as error:  # e.g. a pickle or garbage with a digest of its own
            discard(store, [key], f"{store.uri}/{key}: not a value Artify can read ({error})")
    value = compute()
    store.put_bytes(key, codec.encode(value))
    return Memo(value, False)


def remembered_folder(store: ArtifactStore, prefix: str, marker: str, scratch: Path,
                      compute: Callable[[Path], T], load: Callable[[Path], T]) -> Memo[T]:
    """A set of files kept under ``prefix/``, complete once ``marker`` is there: fetched (each
    file checked) into ``scratch`` and read by ``load(folder)``, or written by ``compute(folder)``
    (which returns the value) and published, ``marker`` last. A set with any file damaged, or
    that ``load`` refuses (``InputError``, ``ValueError``), is removed whole and computed again."""
    folder = scratch / "set"
    folder.mkdir(parents=True, exist_ok=True)
    if store.exists(f"{prefix}/{marker}"):
        keys = list(store.list(prefix + "/"))
        try:
            for key in keys:
                store.fetch(key, folder / key.rsplit("/", 1)[-1])
            return Memo(load(folder), True)
        except FileNotFoundError:
            pass  # removed while read: computed below
        except DamagedEntryError as error:
            discard(store, keys, str(error))
        except (InputError, ValueError) as error:
            discard(store, keys, f"{store.uri}/{prefix}: not a set Artify can read ({error})")
    fresh = scratch / "new"
    value = compute(fresh)
    files = sorted((p for p in fresh.rglob("*") if p.is_file()), key=lambda p: (p.name == marker, p.name))
    for path in files:
        store.put_file(f"{prefix}/{path.relative_to(fresh).as_posix()}", path)
    return Memo(value, False)
