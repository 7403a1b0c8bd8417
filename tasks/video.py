"""Tasks around video files: probing, fingerprinting, assembling the output."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from artify_core.hashing import file_digest
from artify_core.storage import open_store
from artify_core.video import VideoInfo, concat_segments, ensure_complete, probe_video


@task(cache_policy=NO_CACHE)
def probe(path: str, allow_truncated: bool = False) -> VideoInfo:
    """Cheap (two demux passes), so never cached: a cached probe could name a moved file."""
    return ensure_complete(probe_video(path), allow_truncated=allow_truncated)


@task(cache_policy=NO_CACHE)
def fingerprint(path: str) -> str:
    """sha256 of the file's bytes: the identity every downstream cache key builds on."""
    return file_digest(path)


@task(cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def assemble(store_uri: str, chunk_keys: list[str], info: VideoInfo, output: str) -> str:
    """Joins the stylized segments in order, adds the content's audio, publishes ``output``."""
    store = open_store(store_uri)
    segments = [store.local_path(key) for key in chunk_keys]
    missing = [key for key, path in zip(chunk_keys, segments) if path is None or not path.exists()]
    if missing:
        raise FileNotFoundError(f"stylized chunks missing from the store {store_uri}: {missing[:3]}")
    audio = info.path if info.has_audio else None
    return str(concat_segments(segments, Path(output), audio_source=audio, audio_codec=info.audio_codec))
