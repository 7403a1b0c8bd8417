"""Checks a request's files before any work starts: the content decodes, the styles
read, the store answers, the output and report can be written, a frame fits in memory.

The CLI runs these before Prefect starts (one line, exit code 2); the flows run
them as their first step, so runs triggered from the Prefect UI or a deployment
fail the same way before anything is stylized. Objects in object storage are
checked by the flow once downloaded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from artify_core.errors import InputError, OutputError
from artify_core.foundation.filesystem import check_can_create
from artify_core.foundation.paths import default_store_uri
from artify_core.pipeline.locations import check_schemes
from artify_core.pipeline.naming import output_name
from artify_core.settings import NO_STYLE, StylizeSettings, VideoRequest
from artify_core.storage import open_store
from artify_core.storage.uri import is_remote
from artify_core.video.encoders import resolve_encoder

# Bytes per output pixel the chunk stage holds per frame in flight at most (decoded and stylized
# frames, float work copies in the model and the smoother), measured on 720p with batches of 8.
WORKING_BYTES_PER_PIXEL = 64


@dataclass(frozen=True)
class Preflight:
    """What the checks found: the content's description (None when it is in object storage)
    and where the output goes."""

    info: object | None
    output: str


def check_video_request(request: VideoRequest) -> Preflight:
    """Raises ``InputError`` naming the first file or value that cannot work."""
    from artify_core.video import check_writable, ensure_complete, output_size, probe_video

    check_schemes(request)
    output = request.output or output_name(request.content)
    if not is_remote(output):  # first: refused in moments, not after the content is probed
        check_writable(Path(output))
        check_can_create(Path(output))
    info = None
    if not is_remote(request.content):
        info = ensure_complete(probe_video(request.content), allow_truncated=request.execution.allow_truncated)
        check_frame_memory(*output_size(info, request.height), what=request.content)
    check_request_styles(request)
    if request.encoding.encoder != "auto":
        resolve_encoder(request.encoding.encoder, request.execution.device)  # NVENC asked for where none opens
    open_store(request.execution.store or default_store_uri()).check()  # a dead store fails in seconds
    if output == request.content or (not is_remote(output) and not is_remote(request.content)
                                     and Path(output).resolve() == Path(request.content).resolve()):
        raise OutputError(f"{output}: the output would overwrite the content video")
    if request.report:
        check_report_dir(Path(request.report))
    return Preflight(info, output)


def check_request_styles(request: StylizeSettings) -> None:
    """Every style a request names: the main one (left out when both layers have their own, as
    the request's rule allows) and each layer's ('none' keeps a layer's pixels)."""
    if request.style:
        check_styles(request.style)
    for layer in (request.segmented.fg_style, request.segmented.bg_style):
        if layer and layer != [NO_STYLE]:
            check_styles(layer)


def check_styles(paths: Sequence[str]) -> None:
    """Reads every local style image and probes a local style video."""
    from artify_core.images import load_image
    from artify_core.pipeline.styles import classify_style_sources
    from artify_core.video import ensure_complete, probe_video

    sources = classify_style_sources(paths)
    for image in sources.images:
        if not is_remote(image):
            load_image(image)
    if sources.video is not None and not is_remote(sources.video):
        info = ensure_complete(probe_video(sources.video))
        if info.frames < 1:
            raise InputError(f"{sources.video}: the style video has no frames")


def check_report_dir(directory: Path) -> None:
    """An existing folder must take the report's files; a new one needs a writable parent."""
    from artify_core.video import check_writable

    target = directory / "report.md" if directory.is_dir() else directory
    check_writable(target)
    check_can_create(target, "report")


def check_frame_memory(width: int, height: int, *, what: str, memory: int | None = None) -> None:
    """Refuses frames whose working set alone would not fit in this machine's memory."""
    memory = memory or physical_memory()
    needed = width * height * WORKING_BYTES_PER_PIXEL
    if needed > memory:
        raise InputError(f"{what}: frames of {width}x{height} need about {needed / 2**30:.1f} GiB each to "
                         f"stylize; this machine has {memory / 2**30:.1f} GiB. Choose a smaller --height")


def physical_memory() -> int:
    """Bytes of RAM on this machine."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
