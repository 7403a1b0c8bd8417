"""Stylizing one chunk into the artifact store: the store is the cache.

A chunk's segment lives at ``chunks/<key>.mp4``, its key derived from content
and settings (``artify_core.pipeline.keys``). The task looks there first (a
segment whose bytes are not those written is reported, removed and stylized
again: ``artify_core.storage.memo.lookup``) and says itself whether the chunk
came from the store; a chunk being stylized is
locked in its store (``artify_core.storage.locks``: released by the kernel if
the process dies), so two runs on one machine never stylize it twice and a
rerun after a crash never waits for a dead one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, State

from artify_core.foundation.publish import scratch_directory
from artify_core.foundation.runtime import configure_for_frames
from artify_core.pipeline.chunks import Chunk
from artify_core.pipeline.keys import chunk_object
from artify_core.pipeline.recipe import ChunkRecipe
from artify_core.pipeline.styles import StylePlan
from artify_core.settings import EncodingOptions
from artify_core.storage import open_store
from artify_core.storage.locks import store_lock
from artify_core.storage.memo import lookup
from artify_core.video import VideoInfo, output_size
from tasks.models import ModelSpec, get_model
from tasks.progress import report_frames
from tasks.retries import transient_only

if TYPE_CHECKING:  # the chunk stage imports torch: only a process that stylizes a chunk loads it
    from artify_core.pipeline.handover import ChunkHandover


@dataclass(frozen=True)
class ChunkJob:
    """Everything one chunk needs; ``key`` hashes all of it that shapes the pixels."""

    info: VideoInfo
    chunk: Chunk
    plan: StylePlan
    spec: ModelSpec
    recipe: ChunkRecipe
    encode: EncodingOptions
    store_uri: str
    key: str


@dataclass(frozen=True)
class ChunkOutcome:
    """A chunk's segment in the store, and whether it was already there."""

    index: int
    key: str
    frames: int
    cached: bool


@task(cache_policy=NO_CACHE, task_run_name="stylize chunk {job.chunk.index}", retries=1,
      retry_delay_seconds=5, retry_condition_fn=transient_only, persist_result=False)
def stylize_chunk_task(job: ChunkJob, handover: ChunkHandover | None = None) -> State:
    """Frames ``[chunk.start, chunk.end)`` stylized into the store; a ``Cached`` state when found there.
    ``handover``: shared by chunks run one after another in this process (``ChunkHandover``)."""
    store, name = open_store(job.store_uri), chunk_object(job.key)
    if not lookup(store, name):  # a damaged chunk is reported, removed and stylized again
        with store_lock(job.store_uri, name, on_wait=lambda: get_run_logger().info(
                "chunk %d: another run is stylizing it; waiting", job.chunk.index)):
            if not lookup(store, name):  # another run may have finished it while this one waited
                _stylize_into(store, name, job, handover)
                return Completed(data=ChunkOutcome(job.chunk.index, job.key, job.chunk.frames, False))
    report_frames(job.chunk.frames)
    return Completed(data=ChunkOutcome(job.chunk.index, job.key, job.chunk.frames, True), name="Cached",
                     message="found in the artifact store")


def _stylize_into(store, name: str, job: ChunkJob, handover: ChunkHandover | None) -> None:
    from artify_core.pipeline.stylize import stylize_chunk

    # For this chunk's frames; and this may be a worker process the CLI never set up.
    configure_for_frames(output_size(job.info, job.recipe.height)[::-1])
    with scratch_directory("chunk") as scratch:
        result = stylize_chunk(job.info, job.chunk, get_model(job.spec), job.plan, scratch / "chunk.mp4",
                               job.recipe, encode=job.encode, on_frames=report_frames, handover=handover)
        store.put_file(name, result.path)
    get_run_logger().info("chunk %d: %d frames in %.1f s", job.chunk.index, result.frames, result.seconds)
