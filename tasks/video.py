"""Tasks around video files: inputs from anywhere, probing, fingerprints, the published output."""

from __future__ import annotations

import os
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from artify_core.batch import failure_reason
from artify_core.before_after import BeforeAfter, render_before_after
from artify_core.errors import ArtifyError, InputError
from artify_core.models.spec import ModelSpec
from artify_core.foundation.paths import scratch_dir
from artify_core.foundation.publish import scratch_directory, temporary_sibling
from artify_core.pipeline.excerpt import check_complete
from artify_core.pipeline.keys import chunk_object
from artify_core.pipeline.preflight import check_frame_memory
from artify_core.pipeline.published import record_publication, run_key, style_identities
from artify_core.settings import VideoRequest
from artify_core.storage import open_store
from artify_core.storage.memo import checked_local
from artify_core.storage.uri import is_remote, materialize, publish_file, remote_identity
from artify_core.video import (
    VideoInfo,
    check_writable,
    concat_segments,
    ensure_complete,
    output_size,
    probe_video,
)
from artify_core.video.timing import FrameTimes
from tasks.retries import transient_only


@task(cache_policy=NO_CACHE, task_run_name="fetch {role}", retries=2, retry_delay_seconds=5,
      retry_condition_fn=transient_only)
def fetch_input(uri: str, role: str) -> str:
    """A local path with the bytes of ``uri`` (``role``: "content", "style" … names the node in the
    UI): the path itself, or an ``s3://`` object downloaded once per ETag."""
    return str(materialize(uri, scratch_dir()))


@task(cache_policy=NO_CACHE, task_run_name="probe content")
def probe(path: str, allow_truncated: bool, height: int | None, uri: str | None = None) -> VideoInfo:
    """Cheap (two demux passes), so never cached: a cached probe could name a moved file. ``uri``:
    where ``path`` was downloaded from, which messages name (the download's path means nothing
    to the person who gave the URI)."""
    try:
        info = ensure_complete(probe_video(path), allow_truncated=allow_truncated)
        check_frame_memory(*output_size(info, height), what=path)
    except InputError as error:
        if uri is None or uri == path:
            raise
        raise type(error)(str(error).replace(path, uri)) from error
    return info


@task(cache_policy=NO_CACHE, task_run_name="fingerprint {role}", retries=2, retry_delay_seconds=5,
      retry_condition_fn=transient_only)
def fingerprint(uri: str, role: str) -> str:
    """The identity every downstream cache key builds on: sha256 of a local file's bytes
    (streamed), key + ETag of an object."""
    return remote_identity(uri)


@task(cache_policy=NO_CACHE, task_run_name="assemble", retries=1, retry_delay_seconds=2,
      retry_condition_fn=transient_only)
def assemble(store_uri: str, chunk_keys: list[str], info: VideoInfo, output: str,
             audio_window: tuple[float, float] | None = None, first_frames: list[int] | None = None) -> str:
    """Joins the stylized segments in order, adds the content's audio (an excerpt's part of it:
    ``audio_window`` = (start, duration) in seconds), writes ``output`` (a local file, published
    atomically). ``first_frames``: each segment's first frame, so it starts at that frame's time."""
    store = open_store(store_uri)
    objects = [chunk_object(key) for key in chunk_keys]
    missing = [key for key in objects if not store.exists(key)]
    if missing:
        raise FileNotFoundError(f"stylized chunks missing from the store {store_uri}: {missing[:3]}")
    audio = info.path if info.has_audio else None
    with scratch_directory("segments") as scratch:
        segments = [checked_local(store, key, scratch / f"{i:05d}.mp4") for i, key in enumerate(objects)]
        starts = None if first_frames is None else [info.times.time(f) - info.times.time(first_frames[0])
                                                      for f in first_frames]
        return str(concat_segments(segments, Path(output), audio_source=audio, audio_codec=info.audio_codec,
                                   audio_window=audio_window, starts=starts))


@task(cache_policy=NO_CACHE, task_run_name="check output")
def check_output(assembled: str, planned: FrameTimes, output: str) -> None:
    """Fails the run, publishing nothing, unless the assembled video has every planned frame at its time."""
    check_complete(assembled, planned, output=output)


@task(cache_policy=NO_CACHE, task_run_name="before/after")
def before_after(content: VideoInfo, output: str, cuts: list[int], content_start: int) -> BeforeAfter | None:
    """The result's playable before/after: the output's most moving seconds beside the content's
    (``content_start``: the content frame the output starts at). None, with a warning, when it
    cannot be made: the output is good, so its publication does not wait on a preview."""
    try:
        return render_before_after(content, output, cuts=cuts, content_start=content_start)
    except Exception as error:
        get_run_logger().warning("no before/after for %s: %s", output, failure_reason(error))
        return None


@task(cache_policy=NO_CACHE, task_run_name="prepare output")
def local_output_for(output: str) -> str:
    """Where the output is assembled and checked before it is published: a temporary file beside a
    local output (renamed into place), a scratch file of this process for object storage (removed
    after the upload); either is removed by a later run if this one dies."""
    if not is_remote(output):
        check_writable(Path(output))
        return str(temporary_sibling(Path(output), Path(output).suffix))
    directory = scratch_dir() / "outputs"
    directory.mkdir(parents=True, exist_ok=True)
    return str(directory / f"artify-output-{os.getpid()}-{Path(output).name}")


@task(cache_policy=NO_CACHE, task_run_name="publish output", retries=2, retry_delay_seconds=5,
      retry_condition_fn=transient_only)
def publish_output(local: str, output: str) -> str:
    """Publishes a checked output whole: renamed into place, or uploaded to object storage in one piece."""
    published = publish_file(local, output)
    Path(local).unlink(missing_ok=True)
    return published


@task(cache_policy=NO_CACHE, task_run_name="record publication")
def record_published(store_uri: str, request: VideoRequest, content_identity: str, spec: ModelSpec,
                     output: str, frames: int) -> None:
    """Records the published output in the store, so the same command again says "up to date"
    without a run. The output is out already: a record that cannot be written costs only that."""
    try:
        key = run_key(request, content_identity, style_identities(request), spec)
        record_publication(store_uri, output, key, frames)
    except (ArtifyError, OSError) as error:
        get_run_logger().warning("%s: published; its record for reruns was not written (%s)", output, error)
