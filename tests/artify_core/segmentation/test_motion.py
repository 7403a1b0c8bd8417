"""Motion masks: background subtraction finds a moving subject over a static background."""

from __future__ import annotations

import numpy as np
import pytest

from artify_core.errors import InputError
from artify_core.segmentation.masks import load_mask_source
from artify_core.segmentation.masks.motion import MotionMasks, fill_holes, keep_large_components, motion
from tests.artify_core.segmentation.conftest import iou, moving_subject


@pytest.fixture(scope="module")
def long_scene() -> tuple[np.ndarray, np.ndarray]:
    return moving_subject(count=40, width=160)


def _masks_in_batches(source, frames: np.ndarray, batch: int) -> np.ndarray:
    return np.concatenate([source.masks(frames[i:i + batch]) for i in range(0, len(frames), batch)])


@pytest.mark.parametrize("refine", ["grabcut", "morphology"])
def test_moving_square_matches_the_truth_when_the_first_batch_shows_the_background(long_scene, refine):
    # In 16 frames the square uncovers every pixel it crosses for most of them: their median is the background.
    frames, truth = long_scene
    masks = _masks_in_batches(motion(refine=refine), frames, 16)
    assert masks.shape == truth.shape and masks.dtype == np.float32
    assert 0.0 <= masks.min() and masks.max() <= 1.0
    scores = [iou(m >= 0.5, t) for m, t in zip(masks, truth)]
    assert min(scores) > 0.8, np.round(scores, 2)


@pytest.mark.parametrize("refine", ["grabcut", "morphology"])
def test_a_ghost_from_a_short_first_batch_heals(long_scene, refine):
    # 4 frames: the square is in their median, so its starting place shows up as a still "ghost" blob.
    frames, truth = long_scene
    masks = _masks_in_batches(motion(refine=refine), frames, 4)
    scores = [iou(m >= 0.5, t) for m, t in zip(masks, truth)]
    assert min(scores[:8]) < 0.8, "the scene no longer produces a ghost; the test checks nothing"
    assert min(scores[26:]) > 0.8, np.round(scores, 2)


def test_a_subject_that_freezes_long_enough_is_absorbed_like_a_ghost(long_scene):
    frames, _ = long_scene
    frozen = np.concatenate([frames[:16], np.repeat(frames[15:16], 30, axis=0)])
    masks = _masks_in_batches(motion(), frozen, 16)
    assert masks[17].mean() > 0.02 and masks[-1].max() == 0.0


def test_a_sequence_starting_mid_video_finds_the_subject_without_earlier_frames(long_scene):
    frames, truth = long_scene
    source = motion()
    source.reset(start_frame=20)
    masks = source.masks(frames[20:36])  # the median of this batch is the background
    assert min(iou(m >= 0.5, t) for m, t in zip(masks, truth[20:36])) > 0.8


def test_reset_forgets_the_background(scene):
    frames, truth = scene
    source = motion()
    source.masks(frames)
    # A new shot whose background is another texture: without reset all of it would be "foreground".
    other, other_truth = moving_subject(seed=5)
    source.reset()
    masks = source.masks(other)
    assert iou(masks[-1] >= 0.5, other_truth[-1]) > 0.8


def test_static_scene_has_no_foreground():
    frames, _ = moving_subject()
    still = np.repeat(frames[:1], 8, axis=0)
    assert motion().masks(still).max() == 0.0


def test_registry_builds_motion_with_options():
    source = load_mask_source("motion", work_height=90, refine="morphology")
    assert isinstance(source, MotionMasks) and source.settings.work_height == 90


def test_unknown_option_and_bad_values_are_input_errors():
    with pytest.raises(InputError, match="unknown motion mask option.*work_height"):
        motion(threshold=3)
    with pytest.raises(InputError, match="refine"):
        motion(refine="snakes")


def test_fill_holes_fills_enclosed_holes_only():
    mask = np.zeros((20, 30), np.uint8)
    mask[5:15, 5:15] = 1
    mask[8:11, 8:11] = 0  # a hole
    mask[:, 20:22] = 1  # a wall from top to bottom: the right side is not a hole
    filled = fill_holes(mask, max_fraction=0.5)
    assert filled[8:11, 8:11].all() and not filled[:, 23:].any()


def test_small_components_are_dropped():
    mask = np.zeros((50, 50), np.uint8)
    mask[10:30, 10:30] = 1
    mask[40:42, 40:42] = 1
    kept = keep_large_components(mask, min_area=0.01)
    assert kept[10:30, 10:30].all() and not kept[40:42, 40:42].any()


def test_masks_do_not_depend_on_what_the_thread_ran_before(scene):
    import cv2

    frames = scene[0]
    results = []
    for seed in (1, 2):
        cv2.setRNGSeed(seed)  # another library, or an earlier chunk in this worker, drew from OpenCV's RNG
        results.append(motion(refine="grabcut").masks(frames))
    np.testing.assert_array_equal(results[0], results[1])
