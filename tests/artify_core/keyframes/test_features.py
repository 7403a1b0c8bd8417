import numpy as np
import pytest

from artify_core.keyframes.features import (
    FrameFeatures,
    difference_scores,
    frame_features,
    hsv_histograms,
    thumbnails,
)
from tests.artify_core.keyframes.synthetic import look, shot


def test_thumbnails_are_block_means():
    frames = np.zeros((1, 32, 48, 3), np.uint8)
    frames[0, :16] = 255  # top half white
    thumbs = thumbnails(frames, grid=2).reshape(1, 2, 2, 3)
    np.testing.assert_allclose(thumbs[0, 0], 1.0)
    np.testing.assert_allclose(thumbs[0, 1], 0.0)


def test_thumbnails_handle_sizes_not_divisible_by_the_grid():
    frames = np.full((2, 37, 53, 3), 128, np.uint8)
    thumbs = thumbnails(frames)
    assert thumbs.shape == (2, 16 * 16 * 3) and thumbs.dtype == np.float32
    np.testing.assert_allclose(thumbs, 128 / 255, rtol=1e-6)


def test_histograms_are_pixel_fractions():
    frames = shot(look(3), 2)
    hists = hsv_histograms(frames)
    assert hists.shape == (2, 32)
    np.testing.assert_allclose(hists[:, 16:24].sum(axis=1), 1.0, rtol=1e-5)  # saturation
    np.testing.assert_allclose(hists[:, 24:].sum(axis=1), 1.0, rtol=1e-5)  # value
    grey = np.full((1, 16, 16, 3), 90, np.uint8)
    assert hsv_histograms(grey)[0, :16].sum() == 0  # no saturation, no hue mass


def test_difference_scores_are_zero_for_a_still_and_high_for_a_cut():
    still = np.repeat(shot(look(1), 1, noise=0), 5, axis=0)
    cut = np.concatenate([still, shot(look(2), 5, noise=0)])
    scores = difference_scores(frame_features(cut))
    assert scores.shape == (10,) and scores[0] == 0
    np.testing.assert_allclose(scores[1:5], 0, atol=1e-6)
    assert scores[5] > 0.1 and 0 <= scores.max() <= 1


def test_features_concatenate_and_reject_bad_input():
    parts = [frame_features(shot(look(1), 3)), frame_features(shot(look(2), 2))]
    assert len(FrameFeatures.concatenate(parts)) == 5
    assert len(FrameFeatures.concatenate([])) == 0
    with pytest.raises(ValueError, match="uint8"):
        frame_features(np.zeros((1, 32, 32, 3), np.float32))
    with pytest.raises(ValueError, match="at least 16x16"):
        frame_features(np.zeros((1, 8, 32, 3), np.uint8))
