"""Excerpts: stylizing part of a video (``--start``, ``--duration``) with its audio.

An excerpt is a frame range (``timing.excerpt_range``: frame-exact on the
frames' real times) and the whole video's chunks clipped to it
(``plan_chunks(start=, end=)``): chunk keys stay on absolute frame ranges, so
the chunks inside an excerpt are the very chunks a full run stylizes, and
either run reuses the other's. Style schedules are still planned over the
whole video, so an excerpt looks exactly like that part of a full run. The
output starts at the excerpt's first frame (time 0) and carries the source's
audio from that frame's time for the excerpt's duration.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from artify_core.pipeline.chunks import Chunk, plan_chunks
from artify_core.video.probe import VideoInfo
from artify_core.video.timing import FrameRange, excerpt_range


@dataclass(frozen=True)
class ExcerptPlan:
    """What an excerpt run stylizes and how its output is assembled."""

    frames: FrameRange
    chunks: tuple[Chunk, ...]

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
    return ExcerptPlan(frames, tuple(plan_chunks(info.frames, chunk_frames, start=frames.start, end=frames.end)))
