"""Values as data: a tree of JSON values, arrays and named dataclasses in one ``.npz``.

The store is shared (an S3 bucket that many hands can write), so nothing read
from it may run code: no pickle. A value is written as an ``.npz`` holding
its arrays and a JSON description of the tree around them; reading it uses
``np.load(..., allow_pickle=False)`` and ``json.loads``, and builds only the
dataclasses the caller names in ``types`` (``{"style-plan": "module:Class"}``),
from their fields. A file that names anything else, holds an object array, or
is not an ``.npz`` at all is refused with ``DataFormatError``.

Supported: None, bool, int, float, str, list, tuple, dict, ``Fraction``,
numpy arrays and scalars (numeric, bool, str dtypes), and dataclasses listed in
``types`` whose fields are these.
"""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from fractions import Fraction
from typing import Any, Mapping

import numpy as np

from artify_core.errors import ArtifyError
from artify_core.foundation.registry import resolve

TREE = "tree"


class DataFormatError(ValueError):
    """Bytes that are not a value this module wrote, or name a type the reader does not accept."""


def encode(value: Any, types: Mapping[str, str]) -> bytes:
    """``value`` as ``.npz`` bytes; ``types`` maps names to ``"module:Class"`` of the dataclasses
    it may contain (``TypeError`` for anything that is not listed or supported)."""
    names = {target: name for name, target in types.items()}
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(value, names, arrays)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays, **{TREE: np.frombuffer(json.dumps(tree).encode(), np.uint8)})
    return buffer.getvalue()


def decode(data: bytes, types: Mapping[str, str]) -> Any:
    """The value ``encode`` wrote; ``DataFormatError`` for anything else. Never unpickles."""
    try:
        archive = np.load(io.BytesIO(data), allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise DataFormatError("not an .npz archive")
        with archive:
            if TREE not in archive.files:
                raise DataFormatError("not an .npz written by Artify (no tree)")
            arrays = {name: archive[name] for name in archive.files}
        tree = json.loads(arrays.pop(TREE).tobytes().decode())
        return _decode(tree, types, arrays)
    except DataFormatError:
        raise
    # Whatever the bytes make numpy, json or a type's own checks raise: the value is unreadable.
    except (ValueError, TypeError, KeyError, IndexError, OSError, EOFError, zipfile.BadZipFile,
            RecursionError, ArtifyError) as error:
        raise DataFormatError(f"{type(error).__name__}: {error}") from None


def _encode(value: Any, names: Mapping[str, str], arrays: dict[str, np.ndarray]) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)) and not isinstance(value, np.generic):
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.hasobject:
            raise TypeError("arrays of Python objects cannot be stored as data")
        key = f"a{len(arrays)}"
        arrays[key] = array
        return {"$scalar" if isinstance(value, np.generic) else "$array": key}
    if isinstance(value, Fraction):
        return {"$fraction": [value.numerator, value.denominator]}
    if isinstance(value, list):
        return [_encode(item, names, arrays) for item in value]
    if isinstance(value, tuple):
        return {"$tuple": [_encode(item, names, arrays) for item in value]}
    if isinstance(value, Mapping):
        return {"$dict": [[_encode(k, names, arrays), _encode(v, names, arrays)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        target = f"{type(value).__module__}:{type(value).__qualname__}"
        if target not in names:
            raise TypeError(f"{target} is not among the types this value may hold: {', '.join(names)}")
        fields = {f.name: _encode(getattr(value, f.name), names, arrays)
                  for f in dataclasses.fields(value) if f.init}
        return {"$type": names[target], "fields": fields}
    raise TypeError(f"a {type(value).__name__} cannot be stored as data")


def _decode(node: Any, types: Mapping[str, str], arrays: Mapping[str, np.ndarray]) -> Any:
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        return [_decode(item, types, arrays) for item in node]
    if not isinstance(node, dict) or len(node) not in (1, 2):
        raise DataFormatError(f"unexpected node {str(node)[:80]}")
    if "$array" in node:
        return arrays[node["$array"]]
    if "$scalar" in node:
        return arrays[node["$scalar"]][()]
    if "$fraction" in node:
        numerator, denominator = node["$fraction"]
        return Fraction(int(numerator), int(denominator))
    if "$tuple" in node:
        return tuple(_decode(item, types, arrays) for item in node["$tuple"])
    if "$dict" in node:
        return {_decode(k, types, arrays): _decode(v, types, arrays) for k, v in node["$dict"]}
    if "$type" in node:
        name = node["$type"]
        if name not in types:
            raise DataFormatError(f"type {name!r} is not among those accepted here: {', '.join(types)}")
        cls = resolve(types[name])
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
            raise DataFormatError(f"{types[name]} is not a dataclass")
        return cls(**{str(k): _decode(v, types, arrays) for k, v in dict(node["fields"]).items()})
    raise DataFormatError(f"unexpected node {str(node)[:80]}")
