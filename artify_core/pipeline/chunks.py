"""Splitting a video's frames into chunks that are stylized independently."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chunk:
    """Frames ``[start, end)`` of the video, the ``index``-th chunk."""

    index: int
    start: int
    end: int

    @property
    def frames(self) -> int:
        return self.end - self.start


def plan_chunks(total_frames: int, chunk_frames: int, *, start: int = 0, end: int | None = None) -> list[Chunk]:
    """Consecutive chunks of ``chunk_frames`` covering ``[0, total_frames)``, or only the
    part ``[start, end)`` of it (an excerpt).

    A short tail (under a quarter chunk) joins the previous chunk so no worker
    gets a sliver whose fixed costs (process start, seek) dominate. An
    excerpt's chunks are the whole video's chunks clipped to the excerpt, with
    their indices: those inside it cover the very frames a full run's do, so
    their cache entries serve both.
    """
    end = total_frames if end is None else end
    if not 0 <= start <= end <= total_frames:
        raise ValueError(f"frame range [{start}, {end}) is outside 0..{total_frames}")
    whole = _plan_whole(total_frames, chunk_frames)
    if (start, end) == (0, total_frames):
        return whole
    return [Chunk(c.index, max(c.start, start), min(c.end, end)) for c in whole if c.start < end and c.end > start]


def _plan_whole(total_frames: int, chunk_frames: int) -> list[Chunk]:
    if chunk_frames < 1:
        raise ValueError(f"chunk_frames must be >= 1, got {chunk_frames}")
    if total_frames < 1:
        return []
    bounds = list(range(0, total_frames, chunk_frames)) + [total_frames]
    if len(bounds) > 2 and bounds[-1] - bounds[-2] < max(1, chunk_frames // 4):
        del bounds[-2]
    return [Chunk(i, a, b) for i, (a, b) in enumerate(zip(bounds, bounds[1:]))]
