"""Finding the ffmpeg binary: the one on PATH when present, else imageio-ffmpeg's."""

from __future__ import annotations

import os
import shutil
from functools import lru_cache

from artify_core.errors import FFmpegNotFoundError
from artify_core.foundation.environment import environment


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary to run.

    ``ARTIFY_FFMPEG`` wins, then ``ffmpeg`` on PATH (users' builds may carry
    hardware encoders), then the static build inside the ``imageio-ffmpeg``
    wheel, so a fresh machine without ffmpeg still works. No ffprobe is needed.
    """
    explicit = environment().ffmpeg
    if explicit:
        if not (os.path.isfile(explicit) and os.access(explicit, os.X_OK)):
            raise FFmpegNotFoundError(f"ARTIFY_FFMPEG={explicit}: not an executable file")
        return explicit
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - it is a dependency
        raise FFmpegNotFoundError(
            "ffmpeg not found: install it on PATH or `pip install imageio-ffmpeg`"
        ) from exc
    return imageio_ffmpeg.get_ffmpeg_exe()
