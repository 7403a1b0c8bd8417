"""Stylizing one chunk into the artifact store, cached on content."""

from __future__ import annotations

import tempfile
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from artify_core.pipeline.chunks import Chunk
from artify_core.pipeline.styles import StylePlan
from artify_core.pipeline.stylize import EncodeSettings, stylize_chunk
from artify_core.temporal.smoothing import SmoothingSettings
from artify_core.storage import open_store
from artify_core.video import VideoInfo
from tasks.models import ModelSpec, get_model
from tasks.progress import report_frames
from tasks.results import keyed_policy


def chunk_object_key(chunk_key: str) -> str:
    return f"chunks/{chunk_key}.mp4"


@task(cache_policy=NO_CACHE)
def missing_chunks(store_uri: str, chunk_keys: list[str]) -> set[str]:
    """Chunk keys whose segment is absent from the store: their cached Prefect
    results point at nothing (a store cleaned up), so they must be refreshed."""
    store = open_store(store_uri)
    return {key for key in chunk_keys if not store.exists(chunk_object_key(key))}


@task(cache_policy=keyed_policy("chunk", "chunk_key"), persist_result=True, retries=1, retry_delay_seconds=5,
      task_run_name="stylize-chunk-{chunk.index}")
def stylize_chunk_task(
    info: VideoInfo,
    chunk: Chunk,
    plan: StylePlan,
    spec: ModelSpec,
    height: int | None,
    strength: float,
    smoothing: SmoothingSettings | None,
    cuts: list[int],
    encode: EncodeSettings,
    store_uri: str,
    chunk_key: str,
) -> str:
    """Returns the store key of the stylized segment for frames [chunk.start, chunk.end).

    ``chunk_key`` hashes everything that shapes the pixels: the content's bytes,
    the style plan's key, the model version, the parameters and the frame range.
    """
    store, key = open_store(store_uri), chunk_object_key(chunk_key)
    if store.exists(key):
        report_frames(chunk.frames)
        return key
    with tempfile.TemporaryDirectory(prefix="artify-chunk-") as scratch:
        result = stylize_chunk(info, chunk, get_model(spec), plan, Path(scratch) / "chunk.mp4",
                               height=height, strength=strength, smoothing=smoothing, cuts=cuts,
                               encode=encode, on_frames=report_frames)
        store.put_file(key, result.path)
    get_run_logger().info("chunk %d: %d frames in %.1f s", chunk.index, result.frames, result.seconds)
    return key
