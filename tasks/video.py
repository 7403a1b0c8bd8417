"""Tasks around video files: inputs from anywhere, probing, fingerprints, the published output."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from artify_core.storage import open_store
from artify_core.storage.uri import is_remote, materialize, publish_file, remote_identity
from artify_core.video import VideoInfo, check_writable, concat_segments, ensure_complete, probe_video


def scratch_dir() -> Path:
    """Where remote inputs are downloaded and remote outputs assembled: ``$ARTIFY_SCRATCH`` or
    ``~/.cache/artify/scratch``."""
    return Path(os.environ.get("ARTIFY_SCRATCH") or Path.home() / ".cache" / "artify" / "scratch")


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def fetch_input(uri: str) -> str:
    """A local path with the bytes of ``uri``: the path itself, or an ``s3://`` object
    downloaded once per ETag."""
    return str(materialize(uri, scratch_dir()))


@task(cache_policy=NO_CACHE)
def probe(path: str, allow_truncated: bool = False) -> VideoInfo:
    """Cheap (two demux passes), so never cached: a cached probe could name a moved file."""
    return ensure_complete(probe_video(path), allow_truncated=allow_truncated)


@task(cache_policy=NO_CACHE)
def fingerprint(uri: str) -> str:
    """The identity every downstream cache key builds on: sha256 of a local file's bytes
    (streamed), key + ETag of an object."""
    return remote_identity(uri)


@task(cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def assemble(store_uri: str, chunk_keys: list[str], info: VideoInfo, output: str) -> str:
    """Joins the stylized segments in order, adds the content's audio, writes ``output``
    (a local file, published atomically)."""
    store = open_store(store_uri)
    missing = [key for key in chunk_keys if not store.exists(key)]
    if missing:
        raise FileNotFoundError(f"stylized chunks missing from the store {store_uri}: {missing[:3]}")
    audio = info.path if info.has_audio else None
    with tempfile.TemporaryDirectory(prefix="artify-segments-") as scratch:
        segments = [store.local_path(key) or store.fetch(key, Path(scratch) / f"{i:05d}.mp4")
                    for i, key in enumerate(chunk_keys)]
        return str(concat_segments(segments, Path(output), audio_source=audio, audio_codec=info.audio_codec))


@task(cache_policy=NO_CACHE)
def local_output_for(output: str) -> str:
    """Where the output is assembled: itself when local, a scratch file when it goes to object storage."""
    if not is_remote(output):
        check_writable(Path(output))
        return output
    directory = scratch_dir() / "outputs"
    directory.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix="artify-", suffix=".mp4", dir=directory)
    os.close(handle)
    return name


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def publish_output(local: str, output: str) -> str:
    """Uploads an assembled output to object storage, in one piece; local outputs are already in place."""
    if not is_remote(output):
        return output
    published = publish_file(local, output)
    Path(local).unlink(missing_ok=True)
    return published
