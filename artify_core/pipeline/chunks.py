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


def plan_chunks(total_frames: int, chunk_frames: int) -> list[Chunk]:
    """Consecutive chunks of ``chunk_frames`` covering ``[0, total_frames)``.

    A short tail (under a quarter chunk) joins the previous chunk so no worker
    gets a sliver whose fixed costs (process start, seek) dominate.
    """
    if chunk_frames < 1:
        raise ValueError(f"chunk_frames must be >= 1, got {chunk_frames}")
    if total_frames < 1:
        return []
    bounds = list(range(0, total_frames, chunk_frames)) + [total_frames]
    if len(bounds) > 2 and bounds[-1] - bounds[-2] < max(1, chunk_frames // 4):
        del bounds[-2]
    return [Chunk(i, a, b) for i, (a, b) in enumerate(zip(bounds, bounds[1:]))]
