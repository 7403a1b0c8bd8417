"""Per-frame appearance features for scene detection, and the change score between frames.

Pure functions on arrays: frames come in as RGB uint8 (N, H, W, 3) batches of
any size (the detector is meant for frames downscaled to about 144 rows) and
leave as small float32 vectors, so a whole video's features fit in memory
(about 3 KiB a frame) while its pixels are streamed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

# 16 x 16 cells keep the layout of a shot (what moved where) but average away
# codec noise and fine texture; the grid is fixed, whatever the aspect ratio.
THUMB_GRID = 16
HUE_BINS, SAT_BINS, VAL_BINS = 16, 8, 8
# Histograms are computed on every other row and column: they are statistics,
# and this halves the cost of the colour conversion.
_HIST_STRIDE = 2


@dataclass(frozen=True)
class FrameFeatures:
    """Features of N consecutive frames.

    ``thumbnails``: float32 (N, 16 * 16 * 3), the frame's mean RGB over a 16 x 16
    grid of cells, in [0, 1]. ``histograms``: float32 (N, 32), hue (16 bins),
    saturation (8) and value (8) histograms as fractions of the pixels; hue
    counts are weighted by saturation, so that block sums to the mean
    saturation (the hue of near-grey pixels is noise).
    """

    thumbnails: np.ndarray
    histograms: np.ndarray

    def __len__(self) -> int:
        return len(self.thumbnails)

    @staticmethod
    def concatenate(parts: Sequence["FrameFeatures"]) -> "FrameFeatures":
        if not parts:
            return FrameFeatures(np.zeros((0, THUMB_GRID * THUMB_GRID * 3), np.float32),
                                 np.zeros((0, HUE_BINS + SAT_BINS + VAL_BINS), np.float32))
        return FrameFeatures(np.concatenate([p.thumbnails for p in parts]),
                             np.concatenate([p.histograms for p in parts]))


def frame_features(frames: np.ndarray) -> FrameFeatures:
    """Features of RGB uint8 frames (N, H, W, 3), H and W at least 16."""
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"frames must be RGB uint8 (N, H, W, 3); got {frames.dtype} {frames.shape}")
    if min(frames.shape[1:3]) < THUMB_GRID:
        raise ValueError(f"frames must be at least {THUMB_GRID}x{THUMB_GRID}; got {frames.shape[2]}x{frames.shape[1]}")
    return FrameFeatures(thumbnails(frames), hsv_histograms(frames))


def thumbnails(frames: np.ndarray, grid: int = THUMB_GRID) -> np.ndarray:
    """Block means of RGB uint8 (N, H, W, 3) over a grid x grid raster: float32 (N, grid*grid*3) in [0, 1]."""
    n, height, width, _ = frames.shape
    rows = np.linspace(0, height, grid + 1).astype(int)
    cols = np.linspace(0, width, grid + 1).astype(int)
    # reduceat sums each block in one pass, exact for any (non-divisible) size.
    sums = np.add.reduceat(np.add.reduceat(frames.astype(np.float32), rows[:-1], axis=1), cols[:-1], axis=2)
    areas = np.diff(rows)[:, None] * np.diff(cols)[None, :]
    return (sums / (areas[None, :, :, None] * 255.0)).reshape(n, -1).astype(np.float32)


def hsv_histograms(frames: np.ndarray) -> np.ndarray:
    """Hue (saturation-weighted), saturation and value histograms as pixel fractions: float32 (N, 32)."""
    rgb = frames[:, ::_HIST_STRIDE, ::_HIST_STRIDE].astype(np.float32) / 255.0
    hue, sat, val = _rgb_to_hsv(rgb.reshape(len(frames), -1, 3))
    blocks = [
        _histograms(hue, HUE_BINS, weights=sat),
        _histograms(sat, SAT_BINS),
        _histograms(val, VAL_BINS),
    ]
    return np.concatenate(blocks, axis=1).astype(np.float32)


def difference_scores(features: FrameFeatures) -> np.ndarray:
    """Change from frame i-1 to frame i: float32 (N,) in [0, 1], 0 for frame 0.

    The mean of two views of change: the thumbnails' mean absolute difference
    (layout: sensitive to any new shot, also to fast motion) and the histogram
    distance (colour make-up: insensitive to motion, blind to a cut between
    shots of similar colours).
    """
    if len(features) < 2:
        return np.zeros(len(features), np.float32)
    scores = pair_scores(features, np.arange(len(features) - 1), np.arange(1, len(features)))
    return np.concatenate([[0.0], scores]).astype(np.float32)


def pair_scores(features: FrameFeatures, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The ``difference_scores`` measure between frames ``first[k]`` and ``second[k]``: float32 (K,)."""
    thumbs, hists = features.thumbnails, features.histograms
    layout = np.abs(thumbs[second] - thumbs[first]).mean(axis=1)
    # Half the L1 distance is the mass that moved between bins, in [0, 1] per block.
    colour = 0.5 * np.abs(hists[second] - hists[first]).sum(axis=1) / 3.0
    return (0.5 * (layout + colour)).astype(np.float32)


def _rgb_to_hsv(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # rgb: float32 (N, P, 3) in [0, 1] -> hue, saturation, value, each (N, P) in [0, 1].
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    high, low = rgb.max(axis=-1), rgb.min(axis=-1)
    span = high - low
    safe = np.where(span > 0, span, 1.0)
    hue = np.where(high == r, (g - b) / safe, np.where(high == g, 2.0 + (b - r) / safe, 4.0 + (r - g) / safe))
    hue = np.where(span > 0, (hue / 6.0) % 1.0, 0.0)
    sat = np.where(high > 0, span / np.where(high > 0, high, 1.0), 0.0)
    return hue, sat, high


def _histograms(values: np.ndarray, bins: int, weights: np.ndarray | None = None) -> np.ndarray:
    # values: (N, P) in [0, 1] -> (N, bins): (weighted) counts per pixel.
    index = np.minimum((values * bins).astype(np.int64), bins - 1)
    offsets = index + bins * np.arange(len(values))[:, None]
    counts = np.bincount(offsets.ravel(), weights=None if weights is None else weights.ravel(),
                         minlength=bins * len(values)).reshape(len(values), bins)
    return counts / values.shape[1]
