"""Pair motion at a working resolution: size, direction and masks."""

from __future__ import annotations

import numpy as np
import pytest

from artify_core.temporal.motion import MotionEstimator, working_size
from artify_core.temporal.smoothing import smoothing_flow_estimator

pytest.importorskip("cv2")


def test_working_size_keeps_the_aspect_and_never_upscales():
    assert working_size(720, 1280, 360) == (360, 640)
    assert working_size(272, 640, 360) == (272, 640)
    assert working_size(2160, 3840, 360) == (360, 640)


@pytest.mark.parametrize("flow_height", [0, 40])
def test_both_directions_and_their_masks(make_panning, flow_height):
    earlier, later = make_panning(2, height=80, width=112, step=(2, 1))
    estimator = MotionEstimator(lambda: smoothing_flow_estimator("dis"), flow_height=flow_height, relative=0.05,
                                absolute=2.0, motion_boundaries=False, threads=1)
    try:
        motion = estimator.submit(estimator.prepare(earlier), estimator.prepare(later)).result()
        direct = estimator.estimate(earlier, later)
    finally:
        estimator.close()
    np.testing.assert_array_equal(direct.to_earlier, motion.to_earlier)
    np.testing.assert_array_equal(direct.earlier_mask, motion.earlier_mask)
    scale = 1.0 if flow_height == 0 else 40 / 80
    assert motion.to_earlier.shape == (round(80 * scale), round(112 * scale), 2)
    inner = (slice(4, -4), slice(4, -4))
    # Scene content moves by -step: the flow from the later frame back to the earlier one is +step.
    np.testing.assert_allclose(np.median(motion.to_earlier[inner], axis=(0, 1)), np.array([2, 1]) * scale, atol=0.3)
    np.testing.assert_allclose(np.median(motion.to_later[inner], axis=(0, 1)), -np.array([2, 1]) * scale, atol=0.3)
    assert motion.reliable > 0.8 and motion.later_mask.mean() > 0.8
