"""Crop boxes of the ``resize`` composite mode: per frame, and steady along a shot.

``resize`` zooms each layer's box to the full frame before stylizing, so the
box sets the brush scale inside it. A box recomputed on every frame follows
every wobble of the mask's outline: the crop, and the size of the strokes
within it, jump from frame to frame. ``CropBoxFilter`` smooths the box along
the shot, an exponential filter on its centre and height (the width follows
from the frame's aspect ratio), with a little headroom so that outline jitter
stays inside the box. The box is never allowed to cut the region off: when the
subject outgrows it or moves out of it, it grows or shifts at once. So the size
changes when the subject's does, not when the mask boils. The filter carries
state across batches (and, through a sequence's warm-up context, across
chunks) and restarts at cuts.
"""

from __future__ import annotations

import numpy as np

from artify_core.errors import InputError

Box = tuple[int, int, int, int]  # top, left, height, width in pixels
# A layer's box is never zoomed more than this: a speck would become a frame of mush.
MAX_ZOOM = 4.0
# The steady box is this much taller than the region needs, so outline jitter fits inside it.
HEADROOM = 0.06


def region_bounds(region: np.ndarray, margin: int) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right), bottom and right exclusive, of a bool (H, W) region plus ``margin``
    pixels, inside the frame; None when the region is empty."""
    rows, cols = np.flatnonzero(region.any(1)), np.flatnonzero(region.any(0))
    if rows.size == 0:
        return None
    frame_h, frame_w = region.shape
    return (max(int(rows[0]) - margin, 0), min(int(rows[-1]) + 1 + margin, frame_h),
            max(int(cols[0]) - margin, 0), min(int(cols[-1]) + 1 + margin, frame_w))


def needed_height(bounds: tuple[int, int, int, int], shape: tuple[int, int], aspect: float) -> float:
    """Rows of the smallest box of width/height ``aspect`` holding ``bounds``, at least 1/``MAX_ZOOM``
    of the frame's ``shape`` (H, W) and at most the frame."""
    top, bottom, left, right = bounds
    return min(max(bottom - top, (right - left) / aspect, shape[0] / MAX_ZOOM), float(shape[0]))


def place_box(centre: tuple[float, float], height: float, bounds: tuple[int, int, int, int],
              shape: tuple[int, int], aspect: float) -> Box:
    """The box of ``height`` rows (width by ``aspect``) centred at (y, x) ``centre``, shifted as
    little as needed to hold ``bounds``, then inside the frame."""
    frame_h, frame_w = shape
    box_h = int(min(round(height), frame_h))
    box_w = int(min(round(box_h * aspect), frame_w))
    top, bottom, left, right = bounds
    y = int(np.clip(round(centre[0] - box_h / 2), bottom - box_h, top))
    x = int(np.clip(round(centre[1] - box_w / 2), right - box_w, left))
    return int(np.clip(y, 0, frame_h - box_h)), int(np.clip(x, 0, frame_w - box_w)), box_h, box_w


def layer_box(region: np.ndarray, aspect: float, margin: int) -> Box | None:
    """(top, left, height, width) around a bool (H, W) region plus ``margin`` pixels, widened to
    width/height = ``aspect`` and to at least 1/``MAX_ZOOM`` of the frame, inside the frame;
    None when the region is empty. The box of this frame alone."""
    bounds = region_bounds(region, margin)
    if bounds is None:
        return None
    top, bottom, left, right = bounds
    frame_h, frame_w = region.shape
    height = needed_height(bounds, region.shape, aspect)
    box_h = int(min(round(height), frame_h))
    box_w = int(min(round(box_h * aspect), frame_w))
    return (int(np.clip((top + bottom - box_h) // 2, 0, frame_h - box_h)),
            int(np.clip((left + right - box_w) // 2, 0, frame_w - box_w)), box_h, box_w)


class CropBoxFilter:
    """Steady boxes for one layer's regions, fed frame after frame of a shot; ``reset`` at a cut.

    Args:
        strength: α in [0, 1): the weight of the last box in the exponential
            filter (centre and height follow the region over about
            (1 + α)/(1 - α) frames); 0 gives each frame its own box (``layer_box``).
    """

    def __init__(self, strength: float):
        if not 0.0 <= strength < 1.0:
            raise InputError(f"crop smoothing must be in [0, 1); got {strength}")
        self.strength = strength
        self.reset()

    def reset(self) -> None:
        """Forgets the last box (a new shot)."""
        self._state: tuple[float, float, float] | None = None  # centre y, centre x, height

    def update(self, regions: np.ndarray, margin: int) -> list[Box | None]:
        """Boxes for bool (N, H, W) regions plus ``margin`` pixels; None where a region is empty
        (the filter then keeps its last box for the next frame)."""
        return [self._step(region, margin) for region in regions]

    def _step(self, region: np.ndarray, margin: int) -> Box | None:
        if self.strength == 0.0:
            return layer_box(region, region.shape[1] / region.shape[0], margin)
        bounds = region_bounds(region, margin)
        if bounds is None:
            return None
        shape, aspect = region.shape, region.shape[1] / region.shape[0]
        need = needed_height(bounds, shape, aspect)
        target = ((bounds[0] + bounds[1]) / 2, (bounds[2] + bounds[3]) / 2, min(need * (1 + HEADROOM), shape[0]))
        if self._state is None:
            state = target
        else:
            a = self.strength
            state = tuple(a * old + (1 - a) * new for old, new in zip(self._state, target))
        # Never smaller than the region: it would cut the subject off (pixels outside the box stay unstylized).
        height = min(max(state[2], need), float(shape[0]))
        box = place_box(state[:2], height, bounds, shape, aspect)
        # The filter continues from the box actually used, so a forced step is not undone frames later.
        self._state = (box[0] + box[2] / 2, box[1] + box[3] / 2, height)
        return box
