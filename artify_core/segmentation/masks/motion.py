"""Motion masks for static cameras: background subtraction refined by morphology and GrabCut.

Per frame, at a working resolution (``work_height`` rows):

1. Compare the frame with a background model in two ways: chromaticity
   (r, g, b divided by their sum), which a brightening sky or a sunlit lawn
   barely changes, and intensity with a looser threshold, which catches grey
   subjects on grey ground. Either marks a pixel as foreground.
2. Clean up: opening removes speckle (swaying grass), closing joins the
   subject's parts, components smaller than ``min_area`` of the frame or than
   a tenth of the largest are dropped, small enclosed holes are filled.
3. Optionally refine with GrabCut (Rother et al. 2004) at half the working
   resolution: the eroded mask is sure foreground, a band around it is
   "probable", so the subject's colour model fills holes where it matched the
   background (a grey belly over a dark burrow) and trims the halo.
4. Ghosts (Cucchiara et al. 2003, Sakbot): where the background model still
   holds a subject that has left, the true background shows up as a
   foreground blob that never moves. A component with (almost) no frame-to-
   frame change for ``ghost_frames`` consecutive frames is dropped and
   learned into the background at once. Judged per component, so a subject
   whose arm moves while its body stands still is not a ghost; a subject
   that freezes completely for that long is absorbed, as in MOG2.
5. Update the background as a running average where the frame is background
   (``learning_rate``) and much more slowly under the subject
   (``foreground_rate``), so a subject standing still is not absorbed.

Warm-up. After ``reset`` the background is the per-pixel temporal median of
up to ``init_frames`` frames sampled evenly from the first batch the source
sees, so a chunk that starts mid-video gets a background without the frames
before it, provided its subject moves during that batch. A subject that
stays put in the chunk's first batch is part of that median; then feed the
frames before the chunk first (``SegmentedSequence.warm_up``) or start the
sequence at the shot's start.

How well it finds the character of the shared Big Buck Bunny clip, and its cost
(``bench/bench_segmented.py``): docs/models.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from artify_core.errors import InputError
from artify_core.segmentation.masks.base import check_frames

# Added to r + g + b before dividing: dark pixels have unstable chromaticity.
_CHROMA_DARK_OFFSET = 30.0
# Chromaticity scaled to the length of the RGB diagonal, so thresholds read in 0–255 units.
_CHROMA_SCALE = 255.0 * 3 ** 0.5
GRABCUT_SEED = 0x5E6


@dataclass(frozen=True)
class MotionSettings:
    """Tuning of ``MotionMasks``; thresholds in 0–255 units at the working resolution.

    Defaults were tuned on bigbuckbunny_720p.mp4 and checked on generated scenes.
    """

    work_height: int = 180
    learning_rate: float = 0.1
    foreground_rate: float = 0.005
    chroma_threshold: float = 25.0
    intensity_threshold: float = 50.0
    min_area: float = 0.002
    refine: Literal["grabcut", "morphology"] = "grabcut"
    init_frames: int = 25
    ghost_frames: int = 12
    edge_sigma: float = 1.5
    # Blurred intensity change, in 0–255 units, that counts a pixel as moving between frames.
    change_threshold: float = 8.0

    def __post_init__(self) -> None:
        if self.work_height < 16:
            raise InputError(f"motion work_height must be at least 16 rows; got {self.work_height}")
        for name in ("learning_rate", "foreground_rate", "min_area"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise InputError(f"motion {name} must be in [0, 1]; got {getattr(self, name)}")
        if self.refine not in ("grabcut", "morphology"):
            raise InputError(f"motion refine must be 'grabcut' or 'morphology'; got {self.refine!r}")
        if self.init_frames < 1 or self.ghost_frames < 1:
            raise InputError(f"motion init_frames and ghost_frames must be at least 1; "
                             f"got {self.init_frames}, {self.ghost_frames}")


class MotionMasks:
    """Background-subtraction masks (``MaskSource``); state: the background model."""

    name = "motion"

    def __init__(self, settings: MotionSettings = MotionSettings()):
        self.settings = settings
        self.reset()

    def reset(self, start_frame: int = 0) -> None:
        self._colour: np.ndarray | None = None  # float32 (h, w, 3), blurred RGB
        self._chroma: np.ndarray | None = None  # float32 (h, w, 3)
        self._previous: np.ndarray | None = None  # float32 (h, w, 3), the last frame's colour
        self._still: np.ndarray | None = None  # int32 (h, w), frames a foreground pixel's blob has not moved

    def masks(self, frames: np.ndarray) -> np.ndarray:
        """RGB uint8 (N, H, W, 3) → float32 (N, H, W) in [0, 1], upsampled from the working resolution."""
        check_frames(frames)
        count, height, width = frames.shape[:3]
        if count == 0:
            return np.zeros((0, height, width), np.float32)
        small = [self._work(frame) for frame in frames]
        if self._colour is None:
            self._init_background(small)
        masks = np.empty((count, height, width), np.float32)
        for i, frame in enumerate(small):
            colour, chroma = _features(frame)
            mask = self._clean(self._difference(colour, chroma))
            mask, ghosts = self._split_ghosts(mask, colour)
            if self.settings.refine == "grabcut":
                mask = grabcut_refine(frame, mask)
            self._update(colour, chroma, mask, ghosts)
            masks[i] = cv2.resize(self._soften(mask), (width, height), interpolation=cv2.INTER_LINEAR)
        return np.clip(masks, 0.0, 1.0, out=masks)

    def _work(self, frame: np.ndarray) -> np.ndarray:
        height, width = frame.shape[:2]
        if height <= self.settings.work_height:
            return np.ascontiguousarray(frame)
        size = (max(1, round(width * self.settings.work_height / height)), self.settings.work_height)
        return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)

    def _soften(self, mask: np.ndarray) -> np.ndarray:
        # GrabCut's coarse grid leaves a staircase edge; a small blur rounds it off while the
        # 0.5 level stays where the edge was.
        soft = mask.astype(np.float32)
        if self.settings.edge_sigma > 0:
            soft = cv2.GaussianBlur(soft, (0, 0), self.settings.edge_sigma, borderType=cv2.BORDER_REPLICATE)
        return soft

    def _init_background(self, small: list[np.ndarray]) -> None:
        step = max(1, len(small) // self.settings.init_frames)
        median = np.median(np.stack(small[::step][: self.settings.init_frames]), axis=0)
        self._colour, self._chroma = _features(median.astype(np.uint8))
        self._still = np.zeros(self._colour.shape[:2], np.int32)

    def _difference(self, colour: np.ndarray, chroma: np.ndarray) -> np.ndarray:
        chroma_distance = np.sqrt(((chroma - self._chroma) ** 2).sum(-1))
        intensity_distance = np.abs(colour.mean(-1) - self._colour.mean(-1))
        settings = self.settings
        raw = (chroma_distance > settings.chroma_threshold) | (intensity_distance > settings.intensity_threshold)
        return raw.astype(np.uint8)

    def _clean(self, raw: np.ndarray) -> np.ndarray:
        height = raw.shape[0]
        opened = cv2.morphologyEx(raw, cv2.MORPH_OPEN, _disk(height / 36))
        closed = cv2.morphologyEx(opened, cv2.MORPH_CLOSE, _disk(height / 16))
        return fill_holes(keep_large_components(closed, self.settings.min_area), max_fraction=0.02)

    def _split_ghosts(self, mask: np.ndarray, colour: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mask without ghost blobs, ghost blobs), uint8 {0, 1} (h, w) each; updates the stillness counters."""
        previous, self._previous = self._previous, colour
        if previous is None:
            return mask, np.zeros_like(mask)
        changed = np.abs(colour - previous).max(-1) > self.settings.change_threshold
        count, labels = cv2.connectedComponents(mask, connectivity=8)
        moved = np.bincount(labels.ravel(), weights=changed.ravel(), minlength=count)
        area = np.bincount(labels.ravel(), minlength=count)
        moving = moved >= np.maximum(4, 0.005 * area)
        moving[0] = True  # the background label; its counter stays 0 below
        still = np.where(moving[labels] | (mask == 0), 0, self._still + 1)
        self._still = still.astype(np.int32)
        ghost = np.zeros(count, bool)
        for label in range(1, count):
            ghost[label] = not moving[label] and np.median(still[labels == label]) >= self.settings.ghost_frames
        ghosts = ghost[labels].astype(np.uint8)
        return mask & (1 - ghosts), ghosts

    def _update(self, colour: np.ndarray, chroma: np.ndarray, mask: np.ndarray, ghosts: np.ndarray) -> None:
        rate = np.where(mask[..., None] > 0, self.settings.foreground_rate, self.settings.learning_rate)
        rate = np.where(ghosts[..., None] > 0, 1.0, rate).astype(np.float32)
        self._colour = self._colour + rate * (colour - self._colour)
        self._chroma = self._chroma + rate * (chroma - self._chroma)


def _features(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """RGB uint8 (h, w, 3) → (blurred colour, chromaticity), float32 (h, w, 3) each."""
    colour = cv2.GaussianBlur(frame.astype(np.float32), (5, 5), 0)
    chroma = colour * (_CHROMA_SCALE / (colour.sum(-1, keepdims=True) + _CHROMA_DARK_OFFSET))
    return colour, chroma


def _disk(diameter: float) -> np.ndarray:
    side = max(3, int(round(diameter)) | 1)
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))


def keep_large_components(mask: np.ndarray, min_area: float) -> np.ndarray:
    """uint8 {0, 1} (h, w): components of at least ``min_area`` of the frame and a tenth of the largest."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return mask
    areas = stats[1:, cv2.CC_STAT_AREA]
    floor = max(min_area * mask.size, 0.1 * areas.max())
    keep = np.concatenate([[False], areas >= floor])
    return keep[labels].astype(np.uint8)


def fill_holes(mask: np.ndarray, max_fraction: float) -> np.ndarray:
    """uint8 {0, 1} (h, w) with background components enclosed by the mask filled.

    Only components not touching the border and smaller than ``max_fraction``
    of the frame count as holes: a subject reaching two borders splits the
    background, and the far side is not a hole.
    """
    count, labels, stats, _ = cv2.connectedComponentsWithStats(1 - mask, connectivity=4)
    height, width = mask.shape
    x, y, w, h, area = (stats[:, i] for i in range(5))
    enclosed = (x > 0) & (y > 0) & (x + w < width) & (y + h < height) & (area < max_fraction * mask.size)
    enclosed[0] = False  # label 0 is the mask itself
    return (mask.astype(bool) | enclosed[labels]).astype(np.uint8)


def grabcut_refine(frame: np.ndarray, mask: np.ndarray, *, scale: float = 0.5, iterations: int = 2) -> np.ndarray:
    """GrabCut seeded by ``mask``: uint8 {0, 1} (h, w) and RGB uint8 (h, w, 3) → uint8 {0, 1} (h, w).

    The eroded mask is sure foreground, the mask probable foreground, a dilated
    band around it probable background, the rest sure background. Runs at
    ``scale`` of the given size; an empty or full mask is returned unchanged
    (GrabCut needs samples of both).
    """
    height, width = mask.shape
    size = (max(8, round(width * scale)), max(8, round(height * scale)))
    seed = cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST)
    if seed.sum() < 16 or seed.sum() > seed.size - 16:
        return mask
    kernel = _disk(size[1] / 12)
    labels = np.full(seed.shape, cv2.GC_BGD, np.uint8)
    labels[cv2.dilate(seed, kernel, iterations=2) > 0] = cv2.GC_PR_BGD
    labels[seed > 0] = cv2.GC_PR_FGD
    labels[cv2.erode(seed, kernel) > 0] = cv2.GC_FGD
    image = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
    background_model, foreground_model = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    # GrabCut seeds its colour models with k-means++ drawn from OpenCV's per-thread RNG: without a fixed
    # seed the mask depends on what the thread ran before, and a chunk on a Dask worker differed from
    # the same chunk stylized in process.
    cv2.setRNGSeed(GRABCUT_SEED)
    cv2.grabCut(image, labels, None, background_model, foreground_model, iterations, cv2.GC_INIT_WITH_MASK)
    refined = ((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)).astype(np.float32)
    # Bilinear then a threshold: diagonal edges instead of the coarse grid's staircase.
    return (cv2.resize(refined, (width, height), interpolation=cv2.INTER_LINEAR) >= 0.5).astype(np.uint8)


def motion(*, settings: MotionSettings | None = None, **overrides: object) -> MotionMasks:
    """Builds the motion mask source; keywords override ``MotionSettings`` fields."""
    try:
        chosen = MotionSettings(**overrides) if settings is None else settings
    except TypeError as exc:
        known = ", ".join(MotionSettings.__dataclass_fields__)
        raise InputError(f"unknown motion mask option ({exc}); known: {known}") from None
    return MotionMasks(chosen)
