"""The five composite modes on generated frames, with pointwise 'styles' whose output is easy to predict."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from artify_core.errors import InputError
from artify_core.segmentation.composite import (
    COMPOSITE_MODES,
    composite,
    composite_blur,
    composite_feather,
    composite_hard,
    composite_resize,
    blur_frames,
    feather_alpha,
    layer_box,
)
from tests.artify_core.segmentation.conftest import texture


def invert(frames: np.ndarray) -> np.ndarray:
    return 255 - frames


def darken(frames: np.ndarray) -> np.ndarray:
    return frames // 2


@pytest.fixture(scope="module")
def frames() -> np.ndarray:
    return np.stack([texture(60, 80, seed=s) for s in range(2)])


@pytest.fixture(scope="module")
def masks() -> np.ndarray:
    masks = np.zeros((2, 60, 80), np.float32)
    masks[0, 20:40, 30:50] = 1.0
    masks[1, 10:30, 5:25] = 0.8  # soft values above 0.5 count as foreground
    return masks


def test_hard_keeps_exact_pixels_of_each_layer(frames, masks):
    out = composite_hard(frames, masks, invert, darken)
    inside = masks >= 0.5
    np.testing.assert_array_equal(out[inside], invert(frames)[inside])
    np.testing.assert_array_equal(out[~inside], darken(frames)[~inside])


@pytest.mark.parametrize("radius", [2, 6])
def test_feather_mixes_only_within_the_radius_of_the_edge(frames, masks, radius):
    out = composite_feather(frames, masks, invert, darken, radius=radius)
    inside = (masks >= 0.5).astype(np.uint8)
    window = np.ones((2 * radius + 1, 2 * radius + 1), np.uint8)
    near_edge = np.stack([cv2.dilate(m, window) != cv2.erode(m, window) for m in inside])
    far_inside, far_outside = (inside == 1) & ~near_edge, (inside == 0) & ~near_edge
    np.testing.assert_array_equal(out[far_inside], invert(frames)[far_inside])
    np.testing.assert_array_equal(out[far_outside], darken(frames)[far_outside])
    # On the edge itself the output lies strictly between the layers somewhere.
    fg, bg = invert(frames).astype(int), darken(frames).astype(int)
    between = (out > np.minimum(fg, bg)) & (out < np.maximum(fg, bg))
    assert between[near_edge].any() and not between[~near_edge].any()


def test_feather_alpha_is_hard_at_radius_zero(masks):
    np.testing.assert_array_equal(feather_alpha(masks, 0), (masks >= 0.5).astype(np.float32))


@pytest.mark.parametrize("mode", COMPOSITE_MODES)
def test_none_keeps_the_original_pixels(frames, masks, mode):
    alpha = feather_alpha(masks, 4)
    out = composite(frames, masks, None, invert, mode=mode, radius=4)
    untouched = alpha == 1.0
    np.testing.assert_array_equal(out[untouched], frames[untouched])
    out = composite(frames, masks, invert, None, mode=mode, radius=4)
    np.testing.assert_array_equal(out[alpha == 0.0], frames[alpha == 0.0])
    np.testing.assert_array_equal(composite(frames, masks, None, None, mode=mode), frames)


def test_resize_puts_the_region_back_at_its_place(frames, masks):
    calls = []

    def recording_invert(crops: np.ndarray) -> np.ndarray:
        calls.append(crops.copy())
        return invert(crops)

    out = composite_resize(frames, masks, recording_invert, None, radius=0)
    # The foreground was stylized at full frame size: a zoomed crop, not the frame itself.
    assert calls[0].shape == frames.shape and not np.array_equal(calls[0][0], frames[0])
    inside = masks >= 0.5
    # Zoom in and out again only resamples: inverted pixels land where they were, within interpolation error.
    error = np.abs(out.astype(int) - invert(frames).astype(int))[inside]
    assert error.mean() < 6 and np.percentile(error, 90) < 15
    np.testing.assert_array_equal(out[~inside], frames[~inside])


def test_resize_box_has_the_frame_aspect_and_stays_inside():
    region = np.zeros((60, 80), bool)
    region[50:58, 70:78] = True  # a corner subject
    top, left, height, width = layer_box(region, 80 / 60, margin=2)
    assert abs(width / height - 80 / 60) < 0.05
    assert top + height <= 60 and left + width <= 80 and top <= 48 and left <= 68
    assert height >= 60 / 4  # never zoomed more than MAX_ZOOM
    assert layer_box(np.zeros((60, 80), bool), 4 / 3, margin=2) is None


def test_blur_stylizes_each_layer_from_a_frame_with_the_other_layer_blurred(frames, masks):
    seen = {}

    def record(name):
        def stylize(batch):
            seen[name] = batch.copy()
            return invert(batch)
        return stylize

    out = composite_blur(frames, masks, record("fg"), record("bg"), radius=2, sigma=6.0)
    alpha = feather_alpha(masks, 2)
    blurred = blur_frames(frames, 6.0)
    inside, outside = alpha == 1.0, alpha == 0.0
    np.testing.assert_array_equal(seen["fg"][inside], frames[inside])
    np.testing.assert_array_equal(seen["fg"][outside], blurred[outside])
    np.testing.assert_array_equal(seen["bg"][outside], frames[outside])
    np.testing.assert_array_equal(seen["bg"][inside], blurred[inside])
    np.testing.assert_array_equal(out[inside], invert(frames)[inside])


@pytest.mark.parametrize("sigma", [2.0, 12.0])
def test_blur_frames_is_close_to_a_full_size_gaussian(sigma):
    frames = np.stack([texture(120, 160, seed=3, cell=3)])
    exact = cv2.GaussianBlur(frames[0], (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    error = np.abs(blur_frames(frames, sigma)[0].astype(int) - exact.astype(int))
    assert error.mean() < 1.5 and np.abs(blur_frames(frames, sigma)[0].astype(int) - frames[0]).mean() > 3


def test_per_frame_rows_stay_aligned(frames, masks):
    # A callable that styles row i by frame i's index: each output frame must carry its own row's style.
    def by_row(batch):
        return np.stack([np.full_like(b, 10 * (i + 1)) for i, b in enumerate(batch)])

    for mode in COMPOSITE_MODES:
        out = composite(frames, masks, by_row, None, mode=mode, radius=0)
        for i in range(2):
            assert np.all(out[i][masks[i] >= 0.5] == 10 * (i + 1)), mode


def test_bad_inputs_are_input_errors(frames, masks):
    with pytest.raises(InputError, match="unknown composite mode 'soft'"):
        composite(frames, masks, invert, None, mode="soft")
    with pytest.raises(InputError, match="masks must be float"):
        composite_hard(frames, masks[:1], invert, None)
    with pytest.raises(InputError, match="must return uint8"):
        composite_hard(frames, masks, lambda f: f.astype(np.float32), None)


def test_every_mode_is_registered_with_help():
    from artify_core.segmentation.modes import COMPOSITE_MODE_HELP

    assert tuple(COMPOSITE_MODE_HELP) == COMPOSITE_MODES and "inpaint" in COMPOSITE_MODES
    assert all(len(text) > 20 for text in COMPOSITE_MODE_HELP.values())


def test_inpaint_stylizes_the_background_without_the_subject(frames, masks):
    from artify_core.segmentation.composite import composite_inpaint, inpaint_holes

    seen = {}

    def record(name):
        def stylize(batch):
            seen[name] = batch.copy()
            return invert(batch)
        return stylize

    out = composite_inpaint(frames, masks, record("fg"), record("bg"), radius=3)
    fg_hole, bg_hole = inpaint_holes(masks, 3)
    inside = masks >= 0.5
    assert np.array_equal(fg_hole, ~inside) and np.all(bg_hole[inside]) and bg_hole.sum() > inside.sum()
    np.testing.assert_array_equal(seen["fg"], frames)  # the foreground sees the frame, by default
    np.testing.assert_array_equal(seen["bg"][~bg_hole], frames[~bg_hole])
    # The subject's pixels are replaced by a fill from around them: no longer the frame's there.
    assert np.abs(seen["bg"][inside].astype(int) - frames[inside]).mean() > 5
    alpha = feather_alpha(masks, 3)
    np.testing.assert_array_equal(out[alpha == 1.0], invert(frames)[alpha == 1.0])
    np.testing.assert_array_equal(out[alpha == 0.0], invert(seen["bg"])[alpha == 0.0])


def test_inpaint_takes_a_given_background_input_and_can_fill_the_foreground(frames, masks):
    from artify_core.segmentation.composite import composite_inpaint

    seen = {}

    def record(name):
        def stylize(batch):
            seen[name] = batch.copy()
            return batch
        return stylize

    given = np.zeros_like(frames)
    composite_inpaint(frames, masks, record("fg"), record("bg"), radius=2, background_input=given,
                      fill_foreground=True)
    np.testing.assert_array_equal(seen["bg"], given)
    inside = masks >= 0.5
    np.testing.assert_array_equal(seen["fg"][inside], frames[inside])
    assert np.abs(seen["fg"][~inside].astype(int) - frames[~inside]).mean() > 5


def test_resize_uses_the_boxes_it_is_given(frames, masks):
    calls = []

    def recording(crops):
        calls.append(crops.copy())
        return crops

    box = (0, 0, 30, 40)  # the top-left quarter of each 60x80 frame, zoomed twice
    composite_resize(frames, masks, recording, None, radius=0, boxes=([box, box], [None, None]))
    expected = cv2.resize(frames[1][:30, :40], (80, 60), interpolation=cv2.INTER_CUBIC)
    np.testing.assert_array_equal(calls[0][1], expected)
