"""The resize mode's crop boxes: each frame's own, and steady along a shot."""

from __future__ import annotations

import numpy as np
import pytest

from artify_core.errors import InputError
from artify_core.segmentation.crops import CropBoxFilter, layer_box, region_bounds


def square(size: int, centre: tuple[int, int] = (60, 80), shape: tuple[int, int] = (120, 160)) -> np.ndarray:
    region = np.zeros(shape, bool)
    top, left = centre[0] - size // 2, centre[1] - size // 2
    region[max(top, 0):top + size, max(left, 0):left + size] = True
    return region


def contains(box, region: np.ndarray, margin: int) -> bool:
    top, bottom, left, right = region_bounds(region, margin)
    t, l, h, w = box
    # One pixel of slack: the box's width is rounded from its height.
    return t <= top and l <= left + 1 and t + h >= bottom and l + w >= right - 1


def jittering(count: int = 60, seed: int = 0) -> np.ndarray:
    """A subject of steady size 40 whose outline boils by up to 3 pixels a frame."""
    rng = np.random.default_rng(seed)
    return np.stack([square(40 + int(rng.integers(-3, 4)), (60 + int(rng.integers(-2, 3)), 80)) for _ in range(count)])


def test_zero_strength_gives_each_frame_its_own_box():
    regions = jittering(10)
    boxes = CropBoxFilter(0.0).update(regions, margin=2)
    assert boxes == [layer_box(r, 160 / 120, 2) for r in regions]


def test_steady_boxes_barely_move_while_the_subject_keeps_its_size_and_always_hold_it():
    regions = jittering()
    own = [layer_box(r, 160 / 120, 2) for r in regions]
    steady = CropBoxFilter(0.8).update(regions, margin=2)
    own_change = np.abs(np.diff([box[2] for box in own]))
    steady_change = np.abs(np.diff([box[2] for box in steady]))
    assert steady_change.mean() < 0.3 * own_change.mean(), (steady_change.mean(), own_change.mean())
    assert all(contains(box, region, 2) for box, region in zip(steady, regions))
    assert all(abs(box[3] / box[2] - 160 / 120) < 0.05 for box in steady)


def test_steady_box_grows_at_once_with_the_subject_and_shrinks_smoothly():
    grow = [square(40)] * 10 + [square(80)] * 10 + [square(40)] * 20
    boxes = CropBoxFilter(0.8).update(np.stack(grow), margin=2)
    heights = [box[2] for box in boxes]
    assert heights[10] >= 84 and contains(boxes[10], grow[10], 2)  # never cuts the subject off
    shrinking = np.diff(heights[20:])
    assert heights[-1] < 60 and np.all(shrinking <= 0) and np.abs(shrinking).max() < 10


def test_reset_starts_from_the_next_region_and_empty_regions_keep_the_box():
    steady = CropBoxFilter(0.9)
    steady.update(np.stack([square(80)] * 5), margin=2)
    assert steady.update(np.zeros((1, 120, 160), bool), margin=2) == [None]
    assert steady.update(square(30)[None], margin=2)[0][2] > 60  # still shrinking from the last box
    steady.reset()
    assert steady.update(square(30)[None], margin=2)[0][2] < 40


def test_strength_out_of_range_is_an_input_error():
    with pytest.raises(InputError, match="crop smoothing must be in"):
        CropBoxFilter(1.0)
