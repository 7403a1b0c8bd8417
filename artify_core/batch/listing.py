"""The videos under a source folder or ``s3://`` prefix, and where each one's
output and manifest go under the destination (same relative name)."""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterator

from artify_core.errors import InputError, OutputError
from artify_core.foundation.publish import scratch_directory
from artify_core.pipeline.naming import output_name, report_name
from artify_core.storage.s3 import S3Store, parse_s3_uri
from artify_core.storage.uri import destination_key, is_remote, publish_file

# What FFmpeg reads that people call a video; matched case-insensitively.
VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v"})
MANIFEST_SUFFIX = ".manifest.json"
FAILURE_SUFFIX = ".failed.json"


@dataclass(frozen=True)
class BatchItem:
    """One video to stylize. ``relative`` is its POSIX path under the source;
    the URIs are local paths or ``s3://`` URIs."""

    relative: str
    input_uri: str
    output_uri: str
    manifest_uri: str
    failure_uri: str


@dataclass(frozen=True)
class RefusedItem:
    """A video found under the source that cannot be given an output name."""

    relative: str
    input_uri: str
    reason: str


@dataclass(frozen=True)
class Listing:
    items: tuple[BatchItem, ...]
    refused: tuple[RefusedItem, ...]


def is_video(relative: str) -> bool:
    """A video by its extension; hidden files and folders (temp files of writers
    and uploaders, ``.Trash``) are not."""
    path = PurePosixPath(relative)
    return path.suffix.lower() in VIDEO_EXTENSIONS and not any(p.startswith(".") for p in path.parts)


def plan_item(source: str, destination: str, relative: str) -> BatchItem:
    """The item for the video at ``relative`` under ``source``; ``InputError`` when
    ``relative`` could name something outside either prefix ('..', '/', '\\')."""
    output = destination_key(destination, output_name(relative))
    return BatchItem(relative, destination_key(source, relative), output, output + MANIFEST_SUFFIX,
                     output + FAILURE_SUFFIX)


@contextmanager
def staged_report(item: BatchItem, evaluate: bool) -> Iterator[str | None]:
    """The local folder an evaluation report of ``item`` is to be written in (None
    without ``evaluate``). A local destination gets it in place, at
    :func:`~artify_core.pipeline.naming.report_name`; for object storage it is a temp folder whose files are
    uploaded there when the block ends without error."""
    if not evaluate:
        yield None
        return
    uri = report_name(item.output_uri)
    if not is_remote(uri):
        yield uri
        return
    with scratch_directory("report") as scratch:
        yield str(scratch)
        for path in sorted(scratch.iterdir()):
            if path.is_file():
                publish_file(path, f"{uri}/{path.name}")


def prepare_output(item: BatchItem) -> None:
    """Creates the local folder the output goes into (``trip/`` of ``trip/a.stylized.mp4``);
    object storage needs none."""
    if not is_remote(item.output_uri):
        try:
            Path(item.output_uri).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(f"{item.output_uri}: cannot create its folder ({error.strerror}); "
                              "choose a writable destination") from error


def list_videos(source: str, destination: str) -> Listing:
    """Every video under ``source`` (recursively, sorted), outputs under ``destination``.

    A destination inside the source is not scanned (its outputs are not inputs).
    Two videos whose outputs would collide (``a.mp4``, ``a.mov``) are both refused
    rather than one silently overwriting the other.
    """
    excluded = _nested_prefix(source, destination)
    items: list[BatchItem] = []
    refused: list[RefusedItem] = []
    for relative in _keys(source):
        if not is_video(relative) or (excluded is not None and relative.startswith(excluded)):
            continue
        try:
            items.append(plan_item(source, destination, relative))
        except InputError as error:
            refused.append(RefusedItem(relative, f"{source.rstrip('/')}/{relative}", str(error)))
    by_output: dict[str, list[BatchItem]] = defaultdict(list)
    for item in items:
        by_output[item.output_uri].append(item)
    for group in (g for g in by_output.values() if len(g) > 1):
        names = " and ".join(item.relative for item in group)
        for item in group:
            refused.append(RefusedItem(item.relative, item.input_uri,
                                       f"{names} would both be published as {output_name(item.relative)}; "
                                       "rename one of them"))
    clashing = {r.relative for r in refused}
    return Listing(tuple(i for i in items if i.relative not in clashing),
                   tuple(sorted(refused, key=lambda r: r.relative)))


def _keys(source: str) -> Iterator[str]:
    """Relative POSIX names of the files under ``source``, sorted."""
    if is_remote(source):
        yield from S3Store(source).list()
        return
    if "://" in source:
        raise InputError(f"{source}: unsupported URI scheme; use a folder or s3://BUCKET/PREFIX")
    root = Path(source).expanduser()
    if not root.is_dir():
        raise InputError(f"{source}: no such folder; give a directory or s3://BUCKET/PREFIX of videos")
    for path in sorted(root.rglob("*")):
        if path.is_file():
            yield path.relative_to(root).as_posix()


def _nested_prefix(source: str, destination: str) -> str | None:
    """``"<sub>/"`` when ``destination`` is the folder ``<sub>`` inside ``source``;
    ``InputError`` when they are the same folder."""
    if is_remote(source) != is_remote(destination):
        return None
    if is_remote(source):
        src, dst = parse_s3_uri(source), parse_s3_uri(destination)
        if src.bucket != dst.bucket:
            return None
        inner = _relative(PurePosixPath("/", src.prefix), PurePosixPath("/", dst.prefix))
    else:
        inner = _relative(Path(source).expanduser().resolve(), Path(destination).expanduser().resolve())
    if inner == ".":
        raise InputError(f"{destination}: the destination is the source folder; publish the stylized "
                         "videos to another folder (it may be inside the source)")
    return None if inner is None else inner + "/"


def _relative(outer: PurePosixPath | Path, inner: PurePosixPath | Path) -> str | None:
    try:
        return inner.relative_to(outer).as_posix()
    except ValueError:
        return None
