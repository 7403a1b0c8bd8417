"""Inputs and outputs named by URI: a local path or ``s3://bucket/key``.

The demuxer needs local files to seek in, so remote inputs are
*materialized* once into a scratch directory and outputs are written locally
then *published*. Cache keys use :func:`remote_identity`, never a path.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from pathlib import Path, PurePosixPath

from artify_core.errors import InputError, OutputError
from artify_core.foundation.hashing import file_digest
from artify_core.foundation.filesystem import is_out_of_space, out_of_space
from artify_core.foundation.publish import replace_atomically
from artify_core.storage.base import StorageError, validate_key
from artify_core.storage.local import LocalStore
from artify_core.storage.memo import lookup
from artify_core.storage.s3 import S3Store, parse_s3_uri


def is_remote(uri: str | Path) -> bool:
    """True for ``s3://`` URIs; other ``scheme://`` forms are refused by the helpers below."""
    return str(uri).startswith("s3://")


def materialize(uri: str | Path, scratch_dir: str | Path) -> Path:
    """A local file with the bytes of ``uri``.

    Local paths are returned as they are (no copy). An ``s3://`` object is
    downloaded into the scratch folder's ``inputs/``, itself a local store, as
    ``<digest of URI and ETag>/<its name>`` unless a whole copy is already
    there, so reruns on an unchanged object download nothing and a replaced
    object (new ETag) is fetched again. The download is pinned to the ETag it
    was keyed by; a copy damaged since is reported, removed and fetched again
    (``artify_core.storage.memo.lookup``).
    """
    if not is_remote(uri):
        return _local(uri)
    remote, key = _object_store(str(uri))
    info = remote.stat(key)
    version = hashlib.sha256(f"{uri}\x1f{info.etag}".encode()).hexdigest()[:24]
    name = f"{version}/{PurePosixPath(key).name}"
    downloads = LocalStore(Path(scratch_dir) / "inputs")
    if not lookup(downloads, name):
        downloads.write(name, lambda temp: remote.download(key, temp, if_match=info.etag,
                                                           check=lambda got: _whole(got, info.size, str(uri))),
                        info.size)
    return downloads.local_path(name)


def _whole(path: Path, size: int, uri: str) -> None:
    if path.stat().st_size != size:
        raise StorageError(f"{uri}: the download stopped at {path.stat().st_size} of {size} bytes; run again")


def publish_file(local_path: str | Path, uri: str | Path) -> str:
    """Publishes a finished local file at ``uri`` atomically; returns ``uri``.

    To ``s3://`` it is uploaded (a reader sees the whole object or none; the
    local file stays for the caller's scratch clean-up). To a local path it is
    moved with ``os.replace`` (copied beside the target first when the two are on
    different file systems), so treat ``local_path`` as consumed either way.
    """
    if is_remote(uri):
        store, key = _object_store(str(uri))
        store.put_file(key, Path(local_path))
        return str(uri)
    target = _local(uri)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(local_path, target)
        except OSError as error:
            if error.errno != errno.EXDEV:
                raise
            replace_atomically(target, lambda temp: shutil.copyfile(local_path, temp))
            Path(local_path).unlink()
    except OSError as error:
        if is_out_of_space(error):
            raise out_of_space(target, needed=Path(local_path).stat().st_size) from error
        raise OutputError(f"{uri}: cannot write the output ({error.strerror}); "
                          "choose a writable location") from error
    return str(uri)


def remote_identity(uri: str | Path) -> str:
    """A short identifier of the bytes behind ``uri`` for cache keys.

    ``s3://…``: the URI and its ETag (one HEAD request; changes when the object
    is replaced). Local: the sha256 of the file's bytes, as
    :func:`artify_core.foundation.hashing.file_digest`.
    """
    if not is_remote(uri):
        return file_digest(_local(uri))
    store, key = _object_store(str(uri))
    return f"{uri}#{store.stat(key).etag}"


def destination_key(prefix: str, relative_name: str) -> str:
    """``prefix`` joined with a user-supplied relative file name, e.g. a file
    found under a watched folder: ``("s3://b/out", "trip/day1.mp4")`` →
    ``"s3://b/out/trip/day1.mp4"``.

    ``prefix`` (a key prefix, a directory or an ``s3://`` URI chosen by the
    operator) is trusted; ``relative_name`` is not and must be a relative POSIX
    path: no '..', '.', empty parts, leading '/', backslashes, NULs or drive
    letters, so it cannot escape ``prefix``. Raises ``InputError`` naming it.
    """
    if len(relative_name) >= 2 and relative_name[1] == ":":
        raise InputError(f"{relative_name!r}: a drive letter cannot be part of a destination name")
    try:
        validate_key(relative_name)
    except ValueError:
        raise InputError(f"{relative_name!r}: destination names must be relative paths without "
                         "'..', '.', '//', a leading '/' or backslashes") from None
    base = prefix.rstrip("/")
    return f"{base}/{relative_name}" if base else relative_name


def exists(uri: str | Path) -> bool:
    """Whether a file or an object is at ``uri``."""
    if not is_remote(uri):
        return _local(uri).is_file()
    store, key = _object_store(str(uri))
    return store.exists(key)


def delete(uri: str | Path) -> None:
    """Removes the file or object at ``uri`` (nothing when it is absent)."""
    if not is_remote(uri):
        _local(uri).unlink(missing_ok=True)
        return
    store, key = _object_store(str(uri))
    store.delete(key)


def read_bytes(uri: str | Path) -> bytes:
    """The bytes at ``uri`` (small files: manifests, reports); ``FileNotFoundError`` when absent."""
    if not is_remote(uri):
        return _local(uri).read_bytes()
    store, key = _object_store(str(uri))
    return store.get_bytes(key)


def publish_bytes(data: bytes, uri: str | Path) -> str:
    """Writes ``data`` at ``uri`` atomically (one PUT, or a temp file renamed into place)."""
    if is_remote(uri):
        store, key = _object_store(str(uri))
        store.put_bytes(key, data)
        return str(uri)
    target = _local(uri)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        replace_atomically(target, lambda temp: temp.write_bytes(data))
    except OSError as error:
        if is_out_of_space(error):
            raise out_of_space(target, needed=len(data)) from error
        raise OutputError(f"{uri}: cannot write ({error.strerror}); choose a writable location") from error
    return str(uri)


def browser_url(uri: str | Path, expires: int = 7 * 24 * 3600) -> str:
    """A URL to open ``uri`` from a browser: presigned for ``expires`` seconds on S3,
    ``file://`` for a local path (useful where the browser runs on the same machine)."""
    if not is_remote(uri):
        return _local(uri).resolve().as_uri()
    store, key = _object_store(str(uri))
    return store.presigned_url(key, expires)


def _object_store(uri: str) -> tuple[S3Store, str]:
    """``s3://bucket/dir/name`` → (the store at ``s3://bucket/dir``, ``"name"``)."""
    location = parse_s3_uri(uri)
    if not location.prefix or uri.endswith("/"):
        raise InputError(f"{uri}: names a bucket, not an object; expected s3://BUCKET/KEY")
    parent, _, name = location.prefix.rpartition("/")
    return S3Store(f"s3://{location.bucket}/{parent}" if parent else f"s3://{location.bucket}"), name


def _local(uri: str | Path) -> Path:
    if "://" in str(uri):
        raise InputError(f"{uri}: unsupported URI scheme; use a local path or s3://BUCKET/KEY")
    return Path(uri).expanduser()
