"""The result of keyframe extraction: a style video's scenes, each mapped to a style,
and one keyframe (image + embedding) per style."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np


@dataclass(frozen=True)
class StyleSegment:
    """Frames ``[start_frame, end_frame)`` of the style video, showing style ``style``."""

    start_frame: int
    end_frame: int
    style: int


@dataclass(frozen=True)
class KeyframeStyle:
    """One style: the frame that represents it, that frame's pixels (RGB uint8
    (H, W, 3), full resolution), its style embedding (float32 (D,)) and the
    file name it is stored under."""

    id: int
    keyframe_frame: int
    image: str
    pixels: np.ndarray
    embedding: np.ndarray


@dataclass(frozen=True)
class KeyframeSet:
    """Styles of a video of ``frames`` frames at ``fps``. ``segments`` are in time
    order and cover every frame; ``styles[i].id == i``."""

    video: str
    fps: Fraction
    frames: int
    segments: tuple[StyleSegment, ...]
    styles: tuple[KeyframeStyle, ...]

    def __post_init__(self) -> None:
        check_segments(self.segments, self.frames, len(self.styles))
        if [s.id for s in self.styles] != list(range(len(self.styles))):
            raise ValueError(f"style ids must be 0..{len(self.styles) - 1} in order; got {[s.id for s in self.styles]}")

    @property
    def embeddings(self) -> np.ndarray:
        """float32 (n_styles, D), row i for style i."""
        return np.stack([s.embedding for s in self.styles]).astype(np.float32)

    def seconds(self, frame: int) -> float:
        return float(Fraction(frame) / self.fps)

    def ranges(self, style: int) -> list[tuple[int, int]]:
        """Frame ranges ``[start, end)`` where ``style`` shows, adjacent segments merged."""
        merged: list[tuple[int, int]] = []
        for seg in self.segments:
            if seg.style != style:
                continue
            if merged and merged[-1][1] == seg.start_frame:
                merged[-1] = (merged[-1][0], seg.end_frame)
            else:
                merged.append((seg.start_frame, seg.end_frame))
        return merged

    def style_order(self) -> list[int]:
        """Style of each *run* of segments in time order (adjacent repeats merged): the
        sequence a ``proportional`` schedule walks through."""
        order: list[int] = []
        for seg in self.segments:
            if not order or order[-1] != seg.style:
                order.append(seg.style)
        return order


def check_segments(segments: tuple[StyleSegment, ...], frames: int, n_styles: int) -> None:
    """Raises ``ValueError`` unless ``segments`` tile ``[0, frames)`` in order with valid style ids."""
    position = 0
    for seg in segments:
        if seg.start_frame != position or seg.end_frame <= seg.start_frame:
            raise ValueError(f"segments must tile [0, {frames}) in order; segment {seg} does not follow frame {position}")
        if not 0 <= seg.style < n_styles:
            raise ValueError(f"segment {seg} names style {seg.style}; there are {n_styles} styles")
        position = seg.end_frame
    if position != frames:
        raise ValueError(f"segments end at frame {position}, the video has {frames} frames")
