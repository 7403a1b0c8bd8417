"""A chain of FFmpeg filters run in-process on frames (PyAV's filter graph), one frame in, one out.

The conversions of ``video.color`` (range, matrix, tone mapping, resizing) and
the rotation that makes frames upright run here, as the ffmpeg command line
would run them, without a subprocess.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Sequence

from artify_core.video.color import Filter


def rotation_filters(clockwise: int) -> list[Filter]:
    """The filters that turn a frame stored rotated by ``clockwise`` degrees upright."""
    return {90: [("transpose", "clock")], 180: [("hflip", ""), ("vflip", "")],
            270: [("transpose", "cclock")]}.get(clockwise % 360, [])


class FrameFilter:
    """Frames of one format and size through ``filters``; ``__call__`` returns the filtered frame."""

    def __init__(self, filters: Sequence[Filter], *, width: int, height: int, pix_fmt: str,
                 time_base: Fraction = Fraction(1, 90_000)) -> None:
        import av.filter

        self.graph = av.filter.Graph()
        previous = self.graph.add_buffer(width=width, height=height, format=pix_fmt, time_base=time_base)
        for name, arguments in filters:
            node = self.graph.add(name, arguments or None)
            previous.link_to(node)
            previous = node
        sink = self.graph.add("buffersink")
        previous.link_to(sink)
        self.graph.configure()

    def __call__(self, frame):
        self.graph.push(frame)
        return self.graph.pull()
