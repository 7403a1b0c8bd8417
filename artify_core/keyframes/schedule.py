"""Which style each frame of the *content* video gets: a style schedule.

A schedule is a sequence of runs, one style each, separated by transitions.
A transition sits at a (fractional) frame position ``at`` and ramps the mix
linearly from the old style to the new over ``width`` frames centred on
``at``; with width 0 the style switches at the first frame whose centre
(``frame + 0.5``) lies at or past ``at``. Widths are clamped so that ramps
never overlap, so every frame has at most two styles, ``style_a`` with weight
``1 - mix`` and ``style_b`` with weight ``mix``.

Ways to build one:

- ``proportional_schedule``: the style video's timeline stretched over the content's;
- ``scenes_schedule``: the next style at each scene cut of the content;
- ``single_schedule``: one style throughout;
- ``images_schedule``: several still style images spread evenly over the timeline.

Models with a style space interpolate embeddings (``embeddings_for``); others
stylize with each style and blend the outputs (``blend_weights_for``).

Time is real time: for a variable-frame-rate content video (``times``) frame
positions are measured on the frames' presentation times, in units of the
average frame interval, so a 1 s transition lasts 1 s however the frames are
spaced, and shares of the timeline are shares of its duration.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any, Literal, Sequence

import numpy as np

from artify_core.keyframes.keyframe_set import StyleSegment
from artify_core.video.timing import FrameTimes

ScheduleMode = Literal["proportional", "scenes", "single", "images"]
DEFAULT_TRANSITION_SECONDS = 1.0


@dataclass(frozen=True)
class StyleTransition:
    """A change of style at frame position ``at``, ramped over ``width`` frames centred there."""

    at: float
    width: float


@dataclass(frozen=True)
class StyleSchedule:
    """Styles over ``frames`` content frames. ``runs[i]`` is the style shown between
    ``transitions[i - 1]`` and ``transitions[i]``; ``n_styles`` is how many styles
    the ids refer to (rows of the embedding matrix)."""

    mode: ScheduleMode
    frames: int
    fps: Fraction
    n_styles: int
    runs: tuple[int, ...]
    transitions: tuple[StyleTransition, ...]
    # The content's frame times when its rate varies (None: frame i at i / fps).
    times: FrameTimes | None = None

    def __post_init__(self) -> None:
        if len(self.runs) != len(self.transitions) + 1:
            raise ValueError(f"{len(self.runs)} runs need {len(self.runs) - 1} transitions; got {len(self.transitions)}")
        if any(not 0 <= s < self.n_styles for s in self.runs):
            raise ValueError(f"style ids {self.runs} must be in [0, {self.n_styles})")
        positions = [t.at for t in self.transitions]
        if positions != sorted(positions):
            raise ValueError(f"transitions must be in order; got positions {positions}")

    @cached_property
    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self._pairs(0, self.frames)

    @property
    def style_a(self) -> np.ndarray:
        """int64 (frames,): the first style of each frame (the only one outside transitions)."""
        return self._arrays[0]

    @property
    def style_b(self) -> np.ndarray:
        """int64 (frames,): the second style (equal to ``style_a`` outside transitions)."""
        return self._arrays[1]

    @property
    def mix(self) -> np.ndarray:
        """float32 (frames,) in [0, 1]: the weight of ``style_b``."""
        return self._arrays[2]

    def embeddings_for(self, start: int, end: int, style_embeddings: np.ndarray) -> np.ndarray:
        """Per-frame embeddings for frames ``[start, end)``: float32 (end - start, D),
        linear interpolation between the rows of ``style_embeddings`` (n_styles, D)."""
        table = np.asarray(style_embeddings, np.float32)
        if table.ndim != 2 or len(table) < self.n_styles:
            raise ValueError(f"style_embeddings must be (n_styles={self.n_styles}, D); got shape {table.shape}")
        a, b, mix = self._pairs(start, end)
        return ((1.0 - mix)[:, None] * table[a] + mix[:, None] * table[b]).astype(np.float32)

    def blend_weights_for(self, start: int, end: int) -> np.ndarray:
        """Weights for blending per-style outputs over frames ``[start, end)``:
        float32 (end - start, n_styles), rows summing to 1, at most two non-zero."""
        a, b, mix = self._pairs(start, end)
        weights = np.zeros((end - start, self.n_styles), np.float32)
        rows = np.arange(end - start)
        np.add.at(weights, (rows, a), 1.0 - mix)
        np.add.at(weights, (rows, b), mix)
        return weights

    def _pairs(self, start: int, end: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not 0 <= start <= end <= self.frames:
            raise ValueError(f"frame range [{start}, {end}) is outside the schedule's 0..{self.frames}")
        centres = self._clock(np.arange(start, end) + 0.5)
        runs = np.asarray(self.runs, np.int64)
        at = self._clock(np.array([t.at for t in self.transitions], np.float64))
        style_a = runs[np.searchsorted(at, centres, side="right")]
        style_b = style_a.copy()
        mix = np.zeros(end - start, np.float32)
        for k, t in enumerate(self.transitions):
            ramp = np.abs(centres - at[k]) < t.width / 2
            style_a[ramp], style_b[ramp] = runs[k], runs[k + 1]
            mix[ramp] = (centres[ramp] - (at[k] - t.width / 2)) / t.width
        return style_a, style_b, mix

    def _clock(self, positions: np.ndarray) -> np.ndarray:
        return real_clock(self.times, positions)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (compact: runs and transitions, not per-frame arrays, unless the rate varies)."""
        data = {
            "mode": self.mode, "frames": self.frames, "fps": f"{self.fps.numerator}/{self.fps.denominator}",
            "n_styles": self.n_styles, "runs": list(self.runs),
            "transitions": [{"at": t.at, "width": t.width} for t in self.transitions],
        }
        if self.times is not None and self.times.variable:
            data["times"] = {"time_base": str(self.times.time_base), "pts": list(self.times.pts)}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "StyleSchedule":
        times = None
        if "times" in data:
            times = FrameTimes.from_timestamps(data["times"]["pts"][:-1], data["times"]["pts"][-1],
                                               Fraction(data["times"]["time_base"]))
        return cls(data["mode"], int(data["frames"]), Fraction(data["fps"]), int(data["n_styles"]),
                   tuple(int(s) for s in data["runs"]),
                   tuple(StyleTransition(float(t["at"]), float(t["width"])) for t in data["transitions"]), times)


def proportional_schedule(segments: Sequence[StyleSegment], frames: int, fps: Fraction, *,
                          transition_seconds: float = DEFAULT_TRANSITION_SECONDS,
                          n_styles: int | None = None, times: FrameTimes | None = None) -> StyleSchedule:
    """The style video's segments (covering its frames in order) stretched over ``frames``
    (over the content's duration, when ``times`` vary)."""
    if not segments:
        raise ValueError("a proportional schedule needs the style video's segments; got none")
    source_frames = segments[-1].end_frame
    boundaries = _shares([seg.start_frame / source_frames for seg in segments[1:]], frames, times)
    styles = [seg.style for seg in segments]
    n = n_styles if n_styles is not None else max(styles) + 1
    return _build("proportional", frames, fps, n, styles, boundaries, transition_seconds, times)


def scenes_schedule(style_order: Sequence[int], cut_frames: Sequence[int], frames: int, fps: Fraction, *,
                    transition_seconds: float = 0.0, n_styles: int | None = None,
                    times: FrameTimes | None = None) -> StyleSchedule:
    """The next style of ``style_order`` (cycling) at each content cut.

    The default is a hard switch: the cut already marks the change, and a ramp
    across it would tint the end of one shot with the next shot's style.
    """
    if not style_order:
        raise ValueError("a scenes schedule needs at least one style")
    cuts = sorted(c for c in set(cut_frames) if 0 < c < frames)
    styles = [style_order[k % len(style_order)] for k in range(len(cuts) + 1)]
    n = n_styles if n_styles is not None else max(style_order) + 1
    return _build("scenes", frames, fps, n, styles, [float(c) for c in cuts], transition_seconds, times)


def single_schedule(style: int, frames: int, fps: Fraction, *, n_styles: int | None = None) -> StyleSchedule:
    """One style for every frame."""
    return StyleSchedule("single", frames, fps, n_styles if n_styles is not None else style + 1, (style,), ())


def images_schedule(n_images: int, frames: int, fps: Fraction, *,
                    transition_seconds: float = DEFAULT_TRANSITION_SECONDS,
                    times: FrameTimes | None = None) -> StyleSchedule:
    """Style images ``0 .. n_images - 1`` (``--style a.jpg --style b.jpg``) in turn, each
    for an equal share of the timeline (of its duration, when ``times`` vary)."""
    if n_images < 1:
        raise ValueError(f"need at least one style image; got {n_images}")
    boundaries = _shares([k / n_images for k in range(1, n_images)], frames, times)
    return _build("images", frames, fps, n_images, list(range(n_images)), boundaries, transition_seconds, times)


def _shares(fractions: list[float], frames: int, times: FrameTimes | None) -> list[float]:
    """Frame positions at these fractions of the timeline: of its frames, or of its duration."""
    if times is None or not times.variable:
        return [f * frames for f in fractions]
    return [float(p) for p in times.position(np.asarray(fractions) * float(times.duration))]


def _build(mode: ScheduleMode, frames: int, fps: Fraction, n_styles: int, styles: list[int],
           boundaries: list[float], transition_seconds: float, times: FrameTimes | None = None) -> StyleSchedule:
    # Merges neighbouring runs of one style, then gives each transition the requested
    # width, clamped so that ramps stay inside the timeline and never overlap.
    if frames < 0 or transition_seconds < 0:
        raise ValueError(f"frames ({frames}) and transition_seconds ({transition_seconds}) must be >= 0")
    runs, positions = [styles[0]], []
    for style, at in zip(styles[1:], boundaries):
        if style != runs[-1]:
            runs.append(style)
            positions.append(at)
    width = float(transition_seconds * fps)
    edges = [-positions[0], *positions, 2 * frames - positions[-1]] if positions else []
    transitions = tuple(
        StyleTransition(at, min(width, at - edges[k], edges[k + 2] - at))
        for k, at in enumerate(positions)
    )
    variable = times if times is not None and times.variable and times.frames == frames else None
    if variable is not None:
        # Widths are measured on the real clock (average frame intervals): clamp there.
        clock = real_clock(variable, np.asarray(edges, np.float64))
        transitions = tuple(StyleTransition(at, min(width, clock[k + 1] - clock[k], clock[k + 2] - clock[k + 1]))
                            for k, at in enumerate(positions))
    return StyleSchedule(mode, frames, fps, n_styles, tuple(runs), transitions, variable)


def real_clock(times: FrameTimes | None, positions: np.ndarray) -> np.ndarray:
    """Frame positions → presentation time in average frame intervals (identity at a constant rate).

    Linear between frames; before the first and after the last frame the
    first and last intervals continue.
    """
    positions = np.asarray(positions, np.float64)
    if times is None or not times.variable:
        return positions
    knots = times.seconds(0, times.frames + 1) * float(times.fps)
    inside = np.interp(positions, np.arange(times.frames + 1, dtype=np.float64), knots)
    before = knots[0] + positions * (knots[1] - knots[0])
    after = knots[-1] + (positions - times.frames) * (knots[-1] - knots[-2])
    return np.where(positions < 0, before, np.where(positions > times.frames, after, inside))
