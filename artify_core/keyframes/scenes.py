"""Scene boundaries in a stream of frames: hard cuts and gradual transitions (dissolves).

Used twice: on a *style* video (its scenes become styles) and on the *content*
video (temporal smoothing restarts at each cut; ``scenes`` style schedules
advance there). It takes frame batches, not a path, so it runs on the frames
Artify already streams out of ``artify_core.video.iter_frames``.

Why our own detector rather than PySceneDetect: its ``detect(path, ...)``
decodes through its own backends (OpenCV or PyAV), a second decoder beside
our decoder with its own frame accounting; even fed frames directly, its
detectors convert colours with OpenCV, and its packages pull an OpenCV build
(the GUI one unless ``scenedetect-headless`` is chosen, and the two must not
be installed together). Its detectors also find hard cuts and fades to or
from black (``ThresholdDetector``), not cross-fades between two shots, and
style videos are often edited with cross-fades whose frames must not become
a style of their own. The hard-cut rule below is the idea of its
``AdaptiveDetector`` (a frame's change against its neighbours'), so its
documented behaviour carries over.

Method, on small per-frame features (``features.py``):

1. **Hard cuts.** ``score[i]`` (change from frame i-1 to i) must be large in
   absolute terms *and* ``cut_ratio`` times the median score of its
   neighbours. A zoom, a pan or a moving subject raises every neighbour's
   score alike, so the ratio stays low there; a cut is a lone spike.
2. **Dissolves.** During a cross-fade each frame is ``(1 - a) A + a B`` for
   the two looks A and B, with ``a`` ramping from 0 to 1. Candidates are
   frames where the change across ``2 * dissolve_lag`` frames peaks with no
   hard cut inside, and runs of "cuts" a frame or two apart (a dissolve of a
   few frames changes too fast per frame to look gradual). Each candidate is
   verified on thumbnails: projected on the line from A to B, the picture
   must move fast along a stretch (the ramp) and hold still for
   ``stable_frames`` on both sides; the ramp's frames must be close to mixes
   of A and B, mixed linearly; and the picture must change faster on the
   ramp than beside it. Camera motion fails these (it moves structure, which
   no mix reproduces, and changes the picture as fast before and after). The
   boundary is the middle of the ramp, and the ramp's frames are recorded
   (``SceneCut.start``/``end``, ``Segment.stable_*``) so callers keep them
   out of anything that describes a scene. Known limit: a long dissolve
   between shots that themselves move fast (each changing about as much per
   frame as the fade) can be measured a little off-centre or missed.
3. **Minimum scene length.** Of boundaries closer than ``min_scene_len`` to
   each other, the weaker are dropped (a flash or a split cut is not two
   scenes). The first and last scenes may be shorter: a clip can start or end
   just beside a real cut (``bikes.mp4`` has one 8 frames before its end).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from artify_core.keyframes.features import FrameFeatures, difference_scores, frame_features, pair_scores

CutKind = Literal["cut", "dissolve"]


@dataclass(frozen=True)
class SceneConfig:
    """Detector settings. Lengths are in frames of the analysed stream; scores
    are on the ``difference_scores`` scale, [0, 1]."""

    min_scene_len: int = 15
    cut_threshold: float = 0.08
    cut_ratio: float = 3.0
    # Neighbours on each side whose median score a cut must exceed cut_ratio times.
    cut_window: int = 8
    dissolves: bool = True
    # Least change between the two looks of a dissolve.
    dissolve_threshold: float = 0.06
    # Half-span of the probe that finds dissolve candidates.
    dissolve_lag: int = 6
    min_dissolve_frames: int = 3
    max_dissolve_frames: int = 60
    # Frames each look must hold around a dissolve; also how many frames are averaged as that look.
    stable_frames: int = 5
    # Largest median distance of transition frames from the fitted mix, relative to |B - A|.
    max_mix_residual: float = 0.45

    def __post_init__(self) -> None:
        for name in ("min_scene_len", "cut_window", "dissolve_lag", "min_dissolve_frames", "stable_frames"):
            if getattr(self, name) < 1:
                raise ValueError(f"SceneConfig.{name} must be >= 1; got {getattr(self, name)}")
        if self.max_dissolve_frames < self.min_dissolve_frames:
            raise ValueError(f"SceneConfig.max_dissolve_frames ({self.max_dissolve_frames}) must be >= "
                             f"min_dissolve_frames ({self.min_dissolve_frames})")
        if self.cut_ratio <= 1.0:
            raise ValueError(f"SceneConfig.cut_ratio must be > 1; got {self.cut_ratio}")


@dataclass(frozen=True)
class SceneCut:
    """A boundary between scenes. ``frame`` is the first frame of the new scene
    (for a dissolve, the middle of the transition). ``[start, end)`` are the
    transition frames, mixes of both scenes; empty (``start == end == frame``)
    for a hard cut. ``score``: change between the last frame of the old look
    and the first of the new, in [0, 1]."""

    frame: int
    kind: CutKind
    score: float
    start: int
    end: int


@dataclass(frozen=True)
class Segment:
    """Frames ``[start, end)`` of one scene; ``[stable_start, stable_end)`` is the
    part outside any transition, where frames show this scene alone."""

    start: int
    end: int
    stable_start: int
    stable_end: int

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True, eq=False)
class SceneDetection:
    """Boundaries of a video of ``frames`` frames. ``segments`` are in order and
    cover every frame; ``scores``: float32 (frames,), the per-frame change."""

    frames: int
    cuts: tuple[SceneCut, ...]
    segments: tuple[Segment, ...]
    scores: np.ndarray = field(repr=False)

    @property
    def cut_frames(self) -> list[int]:
        return [cut.frame for cut in self.cuts]


def detect_scenes(frame_batches: Iterable[np.ndarray], *, config: SceneConfig = SceneConfig()) -> SceneDetection:
    """Scenes of a video given as RGB uint8 batches (n, H, W, 3) in order.

    Only small features of each batch are kept, so the frames can be streamed;
    about 144 rows are plenty (the features average over a 16 x 16 grid).
    """
    features = FrameFeatures.concatenate([frame_features(b) for b in frame_batches if len(b)])
    return detect_scenes_in_features(features, config=config)


def detect_scenes_in_features(features: FrameFeatures, *, config: SceneConfig = SceneConfig()) -> SceneDetection:
    """``detect_scenes`` on precomputed features."""
    scores = difference_scores(features)
    candidates = hard_cuts(scores, config)
    if config.dissolves:
        candidates = find_dissolves(features, candidates, config)
    chosen = enforce_min_scene_len(candidates, len(features), config.min_scene_len)
    return SceneDetection(len(features), tuple(chosen), segments_between(chosen, len(features)), scores)


def hard_cuts(scores: np.ndarray, config: SceneConfig) -> list[SceneCut]:
    """Frames whose score is a spike: above ``cut_threshold`` and ``cut_ratio`` x the neighbours' median."""
    if len(scores) < 2:
        return []
    neighbours = _neighbour_median(scores, config.cut_window)
    hits = (scores >= config.cut_threshold) & (scores >= config.cut_ratio * neighbours)
    hits[0] = False
    return [SceneCut(int(i), "cut", float(scores[i]), int(i), int(i)) for i in np.flatnonzero(hits)]


def enforce_min_scene_len(cuts: list[SceneCut], frames: int, min_len: int) -> list[SceneCut]:
    """Keeps the strongest boundaries at least ``min_len`` frames from each other, inside (0, frames)."""
    kept: list[SceneCut] = []
    for cut in sorted(cuts, key=lambda c: -c.score):
        if not 0 < cut.frame < frames:
            continue
        if all(abs(cut.frame - other.frame) >= min_len for other in kept):
            kept.append(cut)
    return sorted(kept, key=lambda c: c.frame)


def segments_between(cuts: list[SceneCut], frames: int) -> tuple[Segment, ...]:
    """Half-open segments between sorted boundaries, with their transition-free parts."""
    bounds = [0, *(c.frame for c in cuts), frames]
    segments = []
    for k in range(len(bounds) - 1):
        start, end = bounds[k], bounds[k + 1]
        stable_start = max(start, cuts[k - 1].end) if k > 0 else start
        stable_end = min(end, cuts[k].start) if k < len(cuts) else end
        if stable_start >= stable_end:
            # Two transitions overlap this scene entirely; its middle frame is the best it has.
            stable_start = (start + end) // 2
            stable_end = stable_start + 1
        segments.append(Segment(start, end, stable_start, stable_end))
    return tuple(s for s in segments if s.length > 0)


def find_dissolves(features: FrameFeatures, cuts: list[SceneCut], config: SceneConfig) -> list[SceneCut]:
    """Hard-cut candidates ``cuts`` with gradual transitions worked in, in frame order.

    A short dissolve changes so much per frame that its frames pass as hard cuts;
    such runs of cuts are refitted and, when they form a ramp, become one dissolve.
    Longer dissolves are found from the change across ``2 * dissolve_lag`` frames.
    """
    cuts, found = _short_dissolves(features, cuts, config)
    frames, lag = len(features), config.dissolve_lag
    hard = np.asarray([c.frame for c in cuts], dtype=np.int64)
    span = np.zeros(frames, np.float32)
    centres = np.arange(lag, frames - lag)
    span[centres] = pair_scores(features, centres - lag, centres + lag)
    for centre in _dissolve_candidates(span, hard, config):
        if any(d.start - lag <= centre < d.end + lag for d in found):
            continue
        dissolve = _fit_dissolve(features, *_search_window(centre, hard, frames, config), centre, config)
        if dissolve is not None:
            found.append(dissolve)
    return sorted(cuts + found, key=lambda c: c.frame)


def _short_dissolves(features: FrameFeatures, cuts: list[SceneCut], config: SceneConfig
                     ) -> tuple[list[SceneCut], list[SceneCut]]:
    # Splits hard-cut candidates into (cuts, dissolves): runs of candidates at most two
    # frames apart are tried as one ramp.
    runs: list[list[SceneCut]] = []
    for cut in sorted(cuts, key=lambda c: c.frame):
        if runs and cut.frame - runs[-1][-1].frame <= 2:
            runs[-1].append(cut)
        else:
            runs.append([cut])
    kept, dissolves = [], []
    for run in runs:
        others = np.asarray([c.frame for c in cuts if c not in run], dtype=np.int64)
        centre = (run[0].frame + run[-1].frame) // 2
        fitted = None
        if len(run) > 1:
            fitted = _fit_dissolve(features, *_search_window(centre, others, len(features), config), centre, config)
        kept.extend(run) if fitted is None else dissolves.append(fitted)
    return kept, dissolves


def _neighbour_median(scores: np.ndarray, window: int) -> np.ndarray:
    # Median of the `window` scores on each side of every frame, itself excluded.
    values = scores.astype(np.float64)
    values[0] = np.nan  # frame 0 has no predecessor: its 0 is not a measurement
    windows = sliding_window_view(np.pad(values, window, constant_values=np.nan), 2 * window + 1)
    around = np.delete(windows, window, axis=1)
    with np.errstate(all="ignore"):
        medians = np.nanmedian(np.where(np.isnan(around).all(axis=1, keepdims=True), 0.0, around), axis=1)
    return np.nan_to_num(medians)


def _dissolve_candidates(span: np.ndarray, hard: np.ndarray, config: SceneConfig) -> list[int]:
    # Local maxima of the span change, strongest first, with no hard cut inside their probe.
    lag = config.dissolve_lag
    if len(span) <= 2 * lag:
        return []
    padded = np.pad(span, lag, constant_values=-np.inf)
    peaks = span >= sliding_window_view(padded, 2 * lag + 1).max(axis=1)
    peaks &= span >= config.dissolve_threshold
    centres = [int(i) for i in np.flatnonzero(peaks)
               if not np.any((hard > i - lag) & (hard <= i + lag))]
    return sorted(centres, key=lambda i: -span[i])


def _search_window(centre: int, hard: np.ndarray, frames: int, config: SceneConfig) -> tuple[int, int]:
    # Frames [lo, hi) around a candidate, wide enough for the longest dissolve and its
    # stable looks, and never reaching across a hard cut.
    # A long dissolve's probe peaks anywhere along it, so reach a whole dissolve each way.
    half = config.max_dissolve_frames + config.stable_frames + config.dissolve_lag
    before, after = hard[hard <= centre], hard[hard > centre]
    lo = max(centre - half, int(before[-1]) if len(before) else 0, 0)
    hi = min(centre + half + 1, int(after[0]) if len(after) else frames, frames)
    return lo, hi


def _fit_dissolve(features: FrameFeatures, lo: int, hi: int, centre: int, config: SceneConfig) -> SceneCut | None:
    ramp = _fit_ramp(features.thumbnails[lo:hi], centre - lo, config)
    if ramp is None:
        return None
    start, end, middle = lo + ramp.start, lo + ramp.end, lo + ramp.middle
    score = float(pair_scores(features, np.array([start - 1]), np.array([end]))[0])
    if score < config.dissolve_threshold:
        return None
    return SceneCut(middle, "dissolve", score, start, end)


@dataclass(frozen=True)
class _Ramp:
    # Transition frames [start, end) and the first frame of the new scene,
    # relative to the fitted window.
    start: int
    end: int
    middle: int


def _fit_ramp(thumbs: np.ndarray, centre: int, config: SceneConfig) -> _Ramp | None:
    """Finds a cross-fade in thumbnails (T, K) near row ``centre``; None unless one
    look holds, the picture then moves steadily towards a second look, and that holds."""
    m = config.stable_frames
    if len(thumbs) < 2 * m + config.min_dissolve_frames + 1:
        return None
    # Progress from the window's first look to its last: its fastest stretch near
    # `centre` is the candidate ramp. A second pass measures progress between the
    # looks right beside that stretch, which motion within long shots has not moved.
    look_a, look_b = thumbs[:m].mean(axis=0), thumbs[-m:].mean(axis=0)
    for _ in range(2):
        progress = _progress(look_a, look_b, thumbs)
        if progress is None:
            return None
        # Median of 3 removes lone spikes (codec noise, a flash) but keeps any ramp of 2+ steps.
        steps = _ramp_steps(_median3(np.diff(progress)), centre, config.dissolve_lag)
        if steps is None:
            return None
        start, end = steps[0] + 1, steps[1]
        if start - 1 < m or end + m > len(thumbs):
            return None  # no stable look on one side: continuous change, not a transition
        look_a, look_b = thumbs[start - m:start].mean(axis=0), thumbs[end:end + m].mean(axis=0)
    if not config.min_dissolve_frames <= end - start <= config.max_dissolve_frames:
        return None
    return _check_mix(thumbs, start, end, config)


# How much slower than the ramp the looks on either side may move towards each other
# (progress per frame), and how fast the picture may change there at all, relative to
# during the ramp: a dissolve between moving shots adds its ramp to their motion, while
# a steady zoom or pan changes the picture as fast everywhere (a smooth scene seen
# through 16 x 16 cells can look like a ramp when projected between two of its frames).
_STABLE_RATE = 0.25
_BESIDE_CHANGE = 0.85


def _check_mix(thumbs: np.ndarray, start: int, end: int, config: SceneConfig) -> _Ramp | None:
    # Refits with the looks taken right beside the transition, where motion within
    # the shots has drifted least. Then the looks must hold still (relative to the
    # ramp) for `stable_frames` each side, and the transition frames must be mixes
    # of them, mixed in a ramp.
    m, length = config.stable_frames, end - start
    look_a, look_b = thumbs[start - m:start].mean(axis=0), thumbs[end:end + m].mean(axis=0)
    progress = _progress(look_a, look_b, thumbs[start - m - 1:end + m])
    if progress is None:
        return None
    rate = np.diff(progress)  # step j: frame start - m - 1 + j -> the next
    level = float(np.median(rate[m:m + length + 1]))
    for beside in (rate[:m], rate[m + length + 1:]):
        if level <= 0 or np.mean(np.abs(beside)) > _STABLE_RATE * level:
            return None  # the looks drift towards each other beside the ramp: camera or subject motion
    change = np.linalg.norm(np.diff(thumbs[start - m - 1:end + m], axis=0), axis=1)
    beside_change = (change[:m].mean() + change[m + length + 1:].mean()) / 2
    if beside_change > _BESIDE_CHANGE * change[m:m + length + 1].mean():
        return None  # the picture changes as fast beside the "ramp" as on it: steady motion
    mix = progress[m + 1:m + 1 + length]
    direction = look_b - look_a
    residual = thumbs[start:end] - look_a - mix[:, None] * direction
    if np.median(np.linalg.norm(residual, axis=1)) > config.max_mix_residual * np.linalg.norm(direction):
        return None
    t = np.arange(length)
    slope, intercept = np.polyfit(t, mix, 1)
    if slope <= 0 or np.mean(np.abs(mix - (slope * t + intercept))) > 0.1:
        return None
    # The boundary is the temporal middle: the mix's own 1/2 crossing is pulled around
    # by motion within the shots, while the ramp's ends are sharp.
    return _Ramp(start, end, (start + end) // 2)


def _progress(look_a: np.ndarray, look_b: np.ndarray, thumbs: np.ndarray) -> np.ndarray | None:
    # Position of each thumbnail along the line from look A (0) to look B (1): (T,).
    direction = look_b - look_a
    norm2 = float(direction @ direction)
    if norm2 <= 1e-12:
        return None
    return (thumbs - look_a) @ direction / norm2


def _median3(values: np.ndarray) -> np.ndarray:
    padded = np.pad(values, 1, mode="edge")
    return np.median(sliding_window_view(padded, 3), axis=1)


def _ramp_steps(rate: np.ndarray, centre: int, reach: int) -> tuple[int, int] | None:
    # Steps [k0, k1) (step k: frame k -> k + 1) of the ramp nearest `centre`: the
    # contiguous steps above half the ramp's typical rate, grown from the fastest one.
    lo, hi = max(0, centre - reach), min(len(rate), centre + reach + 1)
    if hi <= lo:
        return None
    peak_at = lo + int(np.argmax(rate[lo:hi]))
    level = float(rate[peak_at])
    if level <= 0:
        return None
    for _ in range(2):  # the max overestimates a noisy plateau; its median does not
        k0, k1 = peak_at, peak_at + 1
        while k0 > 0 and rate[k0 - 1] >= level / 2:
            k0 -= 1
        while k1 < len(rate) and rate[k1] >= level / 2:
            k1 += 1
        level = float(np.median(rate[k0:k1]))
    return k0, k1
