"""Values computed once and kept in the artifact store under a content-derived key.

The store is the cache: a value is found by its key (``artify_core.pipeline.keys``)
or computed, published whole, and found by every later run, on this machine or
another that sees the same store. Nothing else records what was computed, so a
store cleaned up by hand simply means recomputing.
"""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass
from typing import Any, Callable, Generic, TypeVar

from artify_core.storage.base import ArtifactStore

T = TypeVar("T")


@dataclass(frozen=True)
class Memo(Generic[T]):
    """A value and whether it came from the store."""

    value: T
    cached: bool


def json_codec() -> tuple[Callable[[Any], bytes], Callable[[bytes], Any]]:
    return (lambda value: json.dumps(value, sort_keys=True).encode()), json.loads


def pickle_codec() -> tuple[Callable[[Any], bytes], Callable[[bytes], Any]]:
    # The store holds only what Artify itself wrote there; treat it with the trust you give the code.
    return (lambda value: pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)), pickle.loads


def remembered(store: ArtifactStore, key: str, compute: Callable[[], T],
               codec: tuple[Callable[[T], bytes], Callable[[bytes], T]]) -> Memo[T]:
    """The value stored at ``key``, or ``compute()`` published there first."""
    encode, decode = codec
    if store.exists(key):
        try:
            return Memo(decode(store.get_bytes(key)), True)
        except (ValueError, EOFError, pickle.UnpicklingError, AttributeError, ModuleNotFoundError):
            pass  # written by another version of the code: compute it again
    value = compute()
    store.put_bytes(key, encode(value))
    return Memo(value, False)
