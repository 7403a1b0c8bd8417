"""Stylizing one chunk of a video: decode → model → encode, streamed in batches."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from artify_core.models.base import StylizationModel
from artify_core.pipeline.chunks import Chunk
from artify_core.video import VideoInfo, VideoWriter, iter_frames, output_size


@dataclass(frozen=True)
class EncodeSettings:
    crf: int = 18
    preset: str = "medium"


@dataclass(frozen=True)
class ChunkResult:
    """A stylized chunk written as an H.264 segment."""

    chunk: Chunk
    path: Path
    frames: int
    width: int
    height: int
    seconds: float


def stylize_chunk(
    info: VideoInfo,
    chunk: Chunk,
    model: StylizationModel,
    style: Any,
    destination: Path,
    *,
    height: int | None = None,
    strength: float = 1.0,
    batch_frames: int = 8,
    encode: EncodeSettings = EncodeSettings(),
    on_frames: Callable[[int], None] | None = None,
) -> ChunkResult:
    """Stylizes frames ``[chunk.start, chunk.end)`` of the video into ``destination``.

    Memory holds one batch of frames at a time; ffmpeg decodes and encodes in
    their own processes, overlapping with the model.
    """
    started = time.perf_counter()
    width, out_height = output_size(info, height)
    with VideoWriter(destination, width=width, height=out_height, fps=info.fps,
                     crf=encode.crf, preset=encode.preset) as writer:
        for batch in iter_frames(info.path, batch_frames=batch_frames, height=height,
                                 start=chunk.start, end=chunk.end, info=info):
            writer.write(model.stylize(batch, style, strength=strength))
            if on_frames is not None:
                on_frames(len(batch))
    return ChunkResult(chunk, destination, writer.frames_written, width, out_height,
                       time.perf_counter() - started)
