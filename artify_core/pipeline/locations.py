"""Where a request reads and writes, and which locations a run may name.

A location is a local path on the worker or an ``s3://BUCKET/KEY`` URI. Other
URL schemes are refused before any work, with one line saying what is
accepted: ``http(s)://`` inputs are not fetched because a worker that fetches
whatever URL a run form names can be steered at services only it can reach
(server-side request forgery: cloud metadata endpoints, internal APIs), and an
object store already covers shared inputs with credentials and ETags.

A run triggered from a deployment (the Prefect UI, the API) is further
confined: local paths only under the roots the operator lists in
``ARTIFY_ALLOWED_ROOTS`` (none: object storage only), so no form entry reads or
overwrites a file elsewhere on a worker. ``deployments/deploy.py`` makes the
server refuse such runs (HTTP 409) (``location_pattern`` in the parameter schema);
``check_confined`` checks again when the run starts, on resolved paths (a
symbolic link under a root cannot lead out of it).
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath
from typing import Any, Iterator, Sequence

from artify_core.errors import InputError

# The fields of VideoRequest / FolderRequest / PreviewRequest naming files or folders ("group.field").
LOCATION_FIELDS = ("content", "output", "report", "style", "segmented.fg_style", "segmented.bg_style",
                   "execution.store", "source", "destination")
# Names a location field accepts that are not locations.
NOT_LOCATIONS = frozenset({"none"})
MASK_FIELD = "segmented.mask"
MASK_FILE = "file:"
ACCEPTED = "a local path on the worker or an s3://BUCKET/KEY URI"


def locations(request: Any) -> Iterator[tuple[str, str]]:
    """(field, value) for every location ``request`` names, empty fields left out; a mask
    source ``file:PATH`` gives its PATH."""
    for field in LOCATION_FIELDS:
        value = _field(request, field)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item and item not in NOT_LOCATIONS:
                yield field, item
    mask = _field(request, MASK_FIELD)
    if isinstance(mask, str) and mask.startswith(MASK_FILE):
        yield MASK_FIELD, mask[len(MASK_FILE):]


def check_schemes(request: Any) -> None:
    """``InputError`` for a location with a URL scheme other than ``s3://`` (mask files: none)."""
    for field, value in locations(request):
        scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", value)
        if scheme is None or (scheme[1] == "s3" and field != MASK_FIELD):
            continue
        accepted = "a local path on the worker" if field == MASK_FIELD else ACCEPTED
        if scheme[1].lower() in ("http", "https"):
            raise InputError(f"{_name(field)} {value}: http(s) URLs are not read; give {accepted} (put the file "
                             "in a bucket or on the worker first)")
        raise InputError(f"{_name(field)} {value}: unsupported URI scheme {scheme[1]}://; give {accepted}")


def check_confined(request: Any, roots: Sequence[str | Path]) -> None:
    """``InputError`` unless every local location of ``request`` lies under one of ``roots``
    (absolute, no '..', and under a root once symbolic links are resolved); ``s3://`` URIs pass."""
    real_roots = [Path(os.path.realpath(Path(root).expanduser())) for root in roots]
    for field, value in locations(request):
        if value.startswith("s3://") and field != MASK_FIELD:
            continue
        path = PurePosixPath(value)
        inside = (path.is_absolute() and ".." not in path.parts
                  and any(Path(os.path.realpath(value)).is_relative_to(root) for root in real_roots))
        if not inside:
            where = (f"under {', '.join(str(root) for root in real_roots)}" if real_roots
                     else "nowhere (ARTIFY_ALLOWED_ROOTS is empty)")
            raise InputError(f"{_name(field)} {value}: runs from a deployment may use s3:// URIs and local "
                             f"paths {where}; ask the operator to add a root to ARTIFY_ALLOWED_ROOTS")


def location_regex(roots: Sequence[str | Path], *, s3: bool = True) -> str:
    """A regular expression (unanchored; ECMA-262 and Python alike, for a JSON Schema ``pattern``)
    for ``s3://`` URIs (unless ``s3`` is False) and absolute paths under ``roots`` without '.' or
    '..' parts; one that matches nothing when there is neither."""
    part = r"(?:[^/.][^/]*|\.[^/.][^/]*|\.\.[^/]+)"  # a path component other than "." and ".."
    choices = [_escape(str(Path(root)).rstrip("/")) + f"(?:/{part})*/?" for root in roots]
    if s3:
        choices.append(r"s3://\S+")
    return "(?:" + "|".join(choices) + ")" if choices else "(?!)"


def _field(request: Any, path: str) -> Any:
    value = request
    for part in path.split("."):
        value = getattr(value, part, None)
    return value


def _name(field: str) -> str:
    return field.rsplit(".", 1)[-1].replace("_", " ")


def _escape(text: str) -> str:
    # Only the syntax characters: JavaScript's unicode-mode RegExp (a browser checking the form)
    # refuses the other escapes Python's re.escape adds.
    return re.sub(r"([.^$*+?()\[\]{}|\\/])", r"\\\1", text)
