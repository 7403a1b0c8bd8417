"""When each frame is shown: constant or variable frame rate, times, and excerpts in seconds.

Phone cameras write variable-frame-rate (VFR) video: frames are as far apart
as the camera needed, not 1/fps. Artify keeps every frame's presentation time
(``FrameTimes``, read by ``probe_video`` from the container's packet
timestamps) so the output shows each stylized frame when the source showed it,
in sync with the audio. Chunking and caching stay on frame indices; times
matter only where the timeline meets seconds: seeking, encoding, excerpts
(``--start``/``--duration``), schedule transitions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

import numpy as np

from artify_core.errors import InputError

# A timestamp within this of a frame's time counts as that frame's time (rounding of
# "1.033" typed for a frame at 31/30 s must not skip it).
TIME_TOLERANCE = Fraction(1, 2000)
_CLOCK = re.compile(r"^(?:(?:(?P<h>\d+):)?(?P<m>\d{1,2}):)?(?P<s>\d+(?:\.\d+)?)$")


@dataclass(frozen=True)
class FrameTimes:
    """Presentation times of ``frames`` frames, in display order, relative to the first frame.

    Constant rate (``pts`` None): frame i is shown at i / ``fps``. Variable
    rate: frame i at ``pts[i] * time_base`` seconds, ``pts[0] == 0``, and
    ``pts[frames]`` is the end of the last frame, so ``pts`` has ``frames + 1``
    increasing integer entries. ``fps`` is then the average rate.
    """

    frames: int
    fps: Fraction
    time_base: Fraction | None = None
    pts: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.pts is not None:
            if len(self.pts) != self.frames + 1 or self.time_base is None or self.time_base <= 0:
                raise ValueError(f"variable-rate times need {self.frames + 1} timestamps and a time base; "
                                 f"got {len(self.pts)} and {self.time_base}")

    @classmethod
    def from_timestamps(cls, pts: Sequence[int], end: int, time_base: Fraction) -> "FrameTimes":
        """Times from packet timestamps (any order, in ``time_base`` ticks) and the end of the last frame.

        Constant when every interval between consecutive frames is the same
        within one tick (a 1/1000 time base stores 29.97 fps as 33 and 34 ms).
        """
        ordered = sorted(pts)
        origin = ordered[0]
        relative = tuple(p - origin for p in ordered) + (max(end - origin, ordered[-1] - origin + 1),)
        steps = np.diff(np.asarray(relative[:-1], np.int64)) if len(ordered) > 1 else np.zeros(0, np.int64)
        if len(steps) == 0 or int(steps.max() - steps.min()) <= 1:
            step = Fraction(relative[-1], len(ordered)) if len(steps) == 0 else Fraction(int(np.median(steps)))
            return cls(len(ordered), 1 / (step * time_base))
        average = Fraction(len(ordered)) / (relative[-1] * time_base)
        return cls(len(ordered), average, time_base, relative)

    @property
    def variable(self) -> bool:
        return self.pts is not None

    @property
    def duration(self) -> Fraction:
        """Seconds from the first frame to the end of the last."""
        return self.time(self.frames)

    def time(self, index: int) -> Fraction:
        """Seconds at which frame ``index`` is shown (``index == frames``: the end of the last one)."""
        if not 0 <= index <= self.frames:
            raise IndexError(f"frame {index} is outside 0..{self.frames}")
        return self.pts[index] * self.time_base if self.pts is not None else index / self.fps

    def seconds(self, start: int = 0, end: int | None = None) -> np.ndarray:
        """float64 (end - start,): the times of frames ``[start, end)`` in seconds."""
        end = self.frames if end is None else end
        if self.pts is None:
            return np.arange(start, end, dtype=np.float64) / float(self.fps)
        return np.asarray(self.pts[start:end], np.float64) * float(self.time_base)

    def position(self, seconds: np.ndarray | float) -> np.ndarray:
        """Fractional frame positions of times (inverse of ``seconds``, linear between frames)."""
        if self.pts is None:
            return np.asarray(seconds, np.float64) * float(self.fps)
        knots = np.asarray(self.pts, np.float64) * float(self.time_base)
        return np.interp(seconds, knots, np.arange(self.frames + 1, dtype=np.float64))

    def intervals(self) -> tuple[Fraction, Fraction]:
        """(shortest, longest) time between consecutive frames, in seconds."""
        if self.pts is None or self.frames < 2:
            step = 1 / self.fps
            return step, step
        steps = np.diff(np.asarray(self.pts[:self.frames], np.int64))
        return int(steps.min()) * self.time_base, int(steps.max()) * self.time_base

    def describe(self) -> str:
        """One line for users: constant or variable rate, with the frame intervals."""
        shortest, longest = self.intervals()
        if not self.variable:
            return f"constant ({float(shortest) * 1000:.2f} ms between frames)"
        return (f"variable ({float(shortest) * 1000:.2f} to {float(longest) * 1000:.2f} ms between frames, "
                f"average {float(self.fps):.3f} fps)")

    def frame_at(self, seconds: Fraction) -> int:
        """The first frame shown at or after ``seconds`` (``frames`` when none is)."""
        target = Fraction(seconds) - TIME_TOLERANCE
        low, high = 0, self.frames
        while low < high:  # bisection over times, exact in fractions
            middle = (low + high) // 2
            if self.time(middle) < target:
                low = middle + 1
            else:
                high = middle
        return low

    def seek_seconds(self, index: int) -> float:
        """A time half-way between frame ``index - 1`` and ``index``: seeking there lands on
        ``index`` whatever the rounding of timestamps."""
        if index <= 0:
            return 0.0
        return float((self.time(index - 1) + self.time(index)) / 2)

    def window(self, start: int, end: int) -> "FrameTimes":
        """Times of frames ``[start, end)`` relative to frame ``start`` (a chunk or excerpt's own clock)."""
        if not 0 <= start <= end <= self.frames:
            raise ValueError(f"frame range [{start}, {end}) is outside 0..{self.frames}")
        if self.pts is None:
            return FrameTimes(end - start, self.fps)
        origin = self.pts[start]
        window = tuple(p - origin for p in self.pts[start:end + 1])
        average = Fraction(end - start) / (window[-1] * self.time_base) if end > start else self.fps
        return FrameTimes(end - start, average, self.time_base, window)


@dataclass(frozen=True)
class FrameRange:
    """Frames ``[start, end)`` of a video, with the times they span (an excerpt)."""

    start: int
    end: int
    start_seconds: Fraction
    end_seconds: Fraction

    @property
    def frames(self) -> int:
        return self.end - self.start

    @property
    def duration(self) -> Fraction:
        return self.end_seconds - self.start_seconds


def parse_time(text: str | float | int, what: str = "time") -> Fraction:
    """Seconds from ``12.5``, ``"12.5"``, ``"01:02.5"`` or ``"1:02:03.250"`` (HH:MM:SS.mmm).

    Raises ``InputError`` naming ``what`` for anything else or a negative time.
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = Fraction(str(text))
    else:
        match = _CLOCK.match(str(text).strip())
        if match is None:
            raise InputError(f"{what} {text!r}: not a time; give seconds (12.5) or HH:MM:SS.mmm (00:01:02.500)")
        if match["m"] is not None and int(match["m"]) >= 60 and match["h"] is not None:
            raise InputError(f"{what} {text!r}: minutes must be below 60 in HH:MM:SS.mmm")
        value = (Fraction(match["s"]) + 60 * int(match["m"] or 0) + 3600 * int(match["h"] or 0))
    if value < 0:
        raise InputError(f"{what} {text!r}: must not be negative")
    return value


def excerpt_range(times: FrameTimes, start: str | float | Fraction | None = None,
                  duration: str | float | Fraction | None = None, *, what: str = "video") -> FrameRange:
    """The frames shown in ``[start, start + duration)`` seconds (to the end when ``duration`` is None).

    Frame-exact: a frame belongs to the excerpt when its presentation time
    lies in the interval. Raises ``InputError`` when the excerpt holds no frame.
    """
    begin = Fraction(0) if start is None else (start if isinstance(start, Fraction) else parse_time(start, "--start"))
    length = None if duration is None else (duration if isinstance(duration, Fraction)
                                             else parse_time(duration, "--duration"))
    if length is not None and length <= 0:
        raise InputError("must be more than 0 seconds", fields=(("duration", duration),))
    if begin >= times.duration:
        raise InputError(f"{what} lasts only {float(times.duration):.3f} s", fields=(("start", start),))
    first = times.frame_at(begin)
    last = times.frames if length is None else times.frame_at(begin + length)
    if last <= first:
        raise InputError(f"no frame of {what} is shown in that interval; give a longer duration",
                         fields=(("start", start), ("duration", duration)))
    return FrameRange(first, last, times.time(first), times.time(last))


def rate_label(fps: Fraction) -> str:
    """A frame rate as people write it: ``25``, ``29.97`` (30000/1001), ``23.976``, ``12.5``;
    the exact fraction stays in ``VideoInfo.fps`` and ``fps_str``."""
    if fps.denominator == 1:
        return str(fps.numerator)
    return f"{float(fps):.3f}".rstrip("0").rstrip(".")
