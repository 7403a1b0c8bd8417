"""Excerpts: stylizing part of a video (``--start``, ``--duration``) with its audio.

An excerpt is a frame range (``timing.excerpt_range``: frame-exact on the
frames' real times) and the whole video's chunks clipped to it
(``plan_chunks(start=, end=)``): chunk keys stay on absolute frame ranges, so
the chunks inside an excerpt are the very chunks a full run stylizes, and
either run reuses the other's. Style schedules are still planned over the
whole video, so an excerpt looks exactly like that part of a full run. The
output starts at the excerpt's first frame (time 0) and carries the source's
audio from that frame's time for the excerpt's duration. Before it is published
it must show exactly the excerpt's frames at their times (``check_complete``).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from artify_core.errors import ArtifyError
from artify_core.pipeline.chunks import Chunk, plan_chunks
from artify_core.video import VideoInfo, probe_video
from artify_core.video.timing import TIME_TOLERANCE, FrameRange, FrameTimes, excerpt_range


class IncompleteOutputError(ArtifyError):
    """An assembled output misses frames of its plan, or shows them at other times: never published."""


@dataclass(frozen=True)
class ExcerptPlan:
    """What an excerpt run stylizes and how its output is assembled."""

    frames: FrameRange
    chunks: tuple[Chunk, ...]
    # The excerpt's frame times relative to its first frame: what the output must show.
    times: FrameTimes

    @property
    def audio_window(self) -> tuple[float, float]:
        """(start, duration) in seconds of the source audio that goes with the excerpt
        (``concat_segments(audio_window=...)``)."""
        return float(self.frames.start_seconds), float(self.frames.duration)


def plan_excerpt(info: VideoInfo, chunk_frames: int, start: str | float | Fraction | None = None,
                 duration: str | float | Fraction | None = None) -> ExcerptPlan:
    """The frames shown in ``[start, start + duration)`` (seconds or ``HH:MM:SS.mmm``; None: from
    the beginning / to the end) and their chunks. Raises ``InputError`` for a bad time or an
    excerpt with no frame."""
    frames = excerpt_range(info.times, start, duration, what=info.path)
    return ExcerptPlan(frames, tuple(plan_chunks(info.frames, chunk_frames, start=frames.start, end=frames.end)),
                       info.times.window(frames.start, frames.end))


def check_complete(path: str, planned: FrameTimes, *, output: str) -> None:
    """Raises ``IncompleteOutputError`` unless the video at ``path`` (``output`` on its way to being
    published) has every frame the plan has, each shown at its planned time when the rate varies.

    ``planned``: the excerpt's times relative to its first frame (``info.times.window(start, end)``).
    Times are compared within one tick of the output's time base (or ``TIME_TOLERANCE`` when it has
    none): writing a time rounds it to a tick, and the first frame's time, subtracted, to another.
    """
    info = probe_video(path)
    if info.frames != planned.frames:
        raise IncompleteOutputError(f"{output}: the assembled video has {info.frames} frames where "
                                    f"{planned.frames} were planned; nothing was published")
    if not planned.variable:
        return
    written = info.times
    tolerance = float(max(written.time_base or 0, TIME_TOLERANCE))
    error = np.abs(written.seconds() - planned.seconds())
    worst = int(np.argmax(error)) if len(error) else 0
    if len(error) and error[worst] > tolerance:
        raise IncompleteOutputError(
            f"{output}: frame {worst} of the assembled video is shown at {written.seconds()[worst]:.4f} s where "
            f"the plan has {planned.seconds()[worst]:.4f} s; nothing was published")
