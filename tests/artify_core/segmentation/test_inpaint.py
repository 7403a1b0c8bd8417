"""Inpainting a layer's hole: classical fills, and the background plate that remembers what other frames showed."""

from __future__ import annotations

import numpy as np
import pytest

from artify_core.errors import InputError
from artify_core.segmentation.inpaint import BackgroundPlate, inpaint_frames
from artify_core.segmentation.modes import INPAINT_METHODS
from tests.artify_core.segmentation.conftest import moving_subject, texture


def gradient(height: int = 60, width: int = 80) -> np.ndarray:
    ys, xs = np.mgrid[0:height, 0:width]
    return np.stack([xs * 3, ys * 3, np.full_like(xs, 90)], -1).clip(0, 255).astype(np.uint8)


@pytest.mark.parametrize("method", INPAINT_METHODS)
def test_classical_fill_continues_the_surroundings_and_touches_nothing_else(method):
    frame = gradient()
    frames = np.stack([frame, frame])
    holes = np.zeros(frames.shape[:3], bool)
    holes[0, 20:40, 30:50] = True
    spoiled = frames.copy()
    spoiled[holes] = (255, 0, 255)  # what the hole hid must not leak into the fill
    out = inpaint_frames(spoiled, holes, method=method)
    np.testing.assert_array_equal(out[~holes], spoiled[~holes])
    error = np.abs(out[holes].astype(int) - frame[20:40, 30:50].reshape(-1, 3)).mean()
    assert error < 12, error  # a smooth ramp is continued, not painted magenta
    np.testing.assert_array_equal(out[1], spoiled[1])  # an empty hole leaves the frame alone


def test_classical_fill_at_a_working_height_below_the_frame():
    frame = gradient(240, 320)
    holes = np.zeros((1, 240, 320), bool)
    holes[0, 80:160, 100:220] = True
    out = inpaint_frames(frame[None], holes, work_height=60)
    assert np.abs(out[0][holes[0]].astype(int) - frame[holes[0]]).mean() < 15
    np.testing.assert_array_equal(out[0][~holes[0]], frame[~holes[0]])


def test_a_hole_covering_the_frame_is_left_as_it_is():
    frame = gradient()[None]
    np.testing.assert_array_equal(inpaint_frames(frame, np.ones(frame.shape[:3], bool)), frame)


def test_unknown_method_is_an_input_error():
    with pytest.raises(InputError, match="unknown inpainting method 'fast'"):
        inpaint_frames(gradient()[None], np.zeros((1, 60, 80), bool), method="fast")
    with pytest.raises(InputError, match="unknown inpainting method"):
        BackgroundPlate(method="fast")


def test_plate_fills_the_subject_with_the_background_seen_before():
    frames, truth = moving_subject(count=16, step=3)
    background = texture(72, 96)
    plate = BackgroundPlate(follow_camera=False)
    out = plate.fill(frames, truth)
    # At the last frame the subject's square was background some frames earlier, except its leftmost
    # columns' overlap with earlier positions: those the plate has, exactly.
    seen = truth[-1] & plate.seen
    assert seen.sum() > 0.8 * truth[-1].sum()
    np.testing.assert_array_equal(out[-1][seen], background[seen])
    np.testing.assert_array_equal(out[-1][~truth[-1]], frames[-1][~truth[-1]])
    assert plate.moves == 0


def test_plate_does_not_learn_a_moving_part_the_mask_missed():
    background = texture(72, 96)
    count, side = 14, 20
    frames = np.repeat(background[None], count, axis=0)
    truth = np.zeros(frames.shape[:3], bool)
    stripes = np.where((np.arange(side) // 4) % 2 == 0, 230, 20).astype(np.uint8)  # a subject with texture
    for t in range(count):
        left = 4 + 3 * t
        frames[t, 26:46, left:left + side] = stripes[None, :, None]
        truth[t, 26:46, left:left + side] = True
    missed = truth & ~np.roll(truth, -6, axis=2)  # the mask misses the subject's right 6 columns
    plate = BackgroundPlate(follow_camera=False)
    plate.learn(frames[:-1], truth[:-1] & ~missed[:-1])
    filled = plate.fill(frames[-1:], truth[-1:])[0]
    known = truth[-1] & plate.seen
    assert known.sum() > 0.5 * truth[-1].sum()
    # Where the unmasked strip passed, pixels changed from frame to frame: never taken for background.
    np.testing.assert_array_equal(filled[known], background[known])


def test_plate_follows_a_panning_camera():
    scene = texture(100, 200, seed=4, cell=5)
    count, width = 20, 120
    frames = np.stack([scene[10:82, 2 * t:2 * t + width] for t in range(count)])  # the camera pans 2 px a frame
    holes = np.zeros(frames.shape[:3], bool)
    holes[:, 20:50, 50:80] = True  # a subject fixed in the frame, hiding what the camera passes over
    follow, still = BackgroundPlate(work_height=72), BackgroundPlate(follow_camera=False, work_height=72)
    following, static = follow.fill(frames, holes)[-1], still.fill(frames, holes)[-1]
    hidden = holes[-1]
    truth = frames[-1][hidden].astype(int)
    assert follow.moves > 5 and follow.seen[hidden].mean() > 0.9
    assert np.abs(following[hidden].astype(int) - truth).mean() < 6  # resampled a few times: a little soft
    assert np.abs(static[hidden].astype(int) - truth).mean() > 2 * np.abs(following[hidden].astype(int) - truth).mean()


def test_reset_forgets_the_shot():
    frames, truth = moving_subject(count=8)
    plate = BackgroundPlate(follow_camera=False)
    plate.learn(frames, truth)
    assert plate.seen.any()
    plate.reset()
    assert plate.seen is None
    first = plate.fill(frames[:1], truth[:1])
    np.testing.assert_array_equal(first, inpaint_frames(frames[:1], truth[:1]))  # nothing seen: classical only
