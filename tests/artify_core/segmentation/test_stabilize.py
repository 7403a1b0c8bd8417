"""Mask stabilization: jittery masks become steady, and still follow the moving subject."""

from __future__ import annotations

import numpy as np
import pytest

from artify_core.errors import InputError
from artify_core.segmentation.stabilize import MaskStabilizer, propagate
from tests.artify_core.segmentation.conftest import iou, moving_subject


def _jittery(truth: np.ndarray, seed: int = 0) -> np.ndarray:
    """The true masks with each frame's edge moved by −2…+2 pixels at random (a boiling edge)."""
    import cv2

    rng = np.random.default_rng(seed)
    kernel = np.ones((5, 5), np.uint8)
    out = []
    for mask in truth.astype(np.uint8):
        choice = rng.integers(0, 3)
        out.append(mask if choice == 0 else cv2.dilate(mask, kernel) if choice == 1 else cv2.erode(mask, kernel))
    return np.stack(out).astype(np.float32)


def _consecutive_iou(masks: np.ndarray) -> float:
    binary = masks >= 0.5
    return float(np.mean([iou(a, b) for a, b in zip(binary[1:], binary[:-1])]))


def test_stabilized_masks_boil_less_and_follow_the_subject():
    frames, truth = moving_subject(count=24, width=160)
    raw = _jittery(truth)
    stabilized = MaskStabilizer(strength=0.6).stabilize(frames, raw)
    assert stabilized.shape == raw.shape and stabilized.dtype == np.float32
    assert _consecutive_iou(stabilized) > _consecutive_iou(raw) + 0.03
    # Still on the subject: as close to the truth as the raw masks, and not trailing behind it.
    truth_iou = [iou(m >= 0.5, t) for m, t in zip(stabilized, truth)]
    assert np.mean(truth_iou) > np.mean([iou(m >= 0.5, t) for m, t in zip(raw, truth)]) - 0.02
    lag = [np.argwhere(m >= 0.5)[:, 1].mean() - np.argwhere(t)[:, 1].mean() for m, t in zip(stabilized, truth)]
    assert abs(np.mean(lag)) < 1.5, np.round(lag, 1)


def test_batches_carry_the_previous_mask():
    frames, truth = moving_subject(count=16, width=160)
    raw = _jittery(truth, seed=1)
    whole = MaskStabilizer().stabilize(frames, raw)
    stabilizer = MaskStabilizer()
    pieces = np.concatenate([stabilizer.stabilize(frames[i:i + 5], raw[i:i + 5]) for i in range(0, 16, 5)])
    np.testing.assert_allclose(pieces, whole, atol=1e-5)


def test_reset_starts_from_the_raw_mask():
    frames, truth = moving_subject(count=8, width=160)
    raw = _jittery(truth, seed=2)
    stabilizer = MaskStabilizer()
    stabilizer.stabilize(frames[:4], raw[:4])
    stabilizer.reset()
    np.testing.assert_array_equal(stabilizer.stabilize(frames[4:], raw[4:])[0], raw[4])


def test_strength_zero_returns_the_raw_masks():
    frames, truth = moving_subject(count=4)
    raw = _jittery(truth)
    np.testing.assert_array_equal(MaskStabilizer(strength=0.0).stabilize(frames, raw), raw)


def test_propagate_moves_a_mask_with_the_flow():
    mask = np.zeros((1, 10, 12), np.float32)
    mask[0, 3:6, 2:5] = 1.0
    flow = np.zeros((1, 10, 12, 2), np.float32)
    flow[..., 0] = -2.0  # frame t sees at x what frame t-1 had at x - 2: content moved right by 2
    np.testing.assert_array_equal(propagate(mask, flow)[0, 3:6, 4:7], 1.0)
    assert propagate(mask, flow)[0, :, :4].max() == 0.0


def test_strength_one_is_refused():
    with pytest.raises(InputError, match="strength"):
        MaskStabilizer(strength=1.0)
