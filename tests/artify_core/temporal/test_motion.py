"""Pair motion at a working resolution: size, direction and masks."""

from __future__ import annotations

import numpy as np
import pytest

from artify_core.temporal.motion import MotionEstimator, photometric_difference, working_size
from artify_core.temporal.smoothing import smoothing_flow_estimator

pytest.importorskip("cv2")


def test_working_size_keeps_the_aspect_both_ways():
    assert working_size(720, 1280, 360) == (360, 640)
    assert working_size(144, 176, 288) == (288, 352)
    assert working_size(2160, 3840, 360) == (360, 640)
    assert working_size(272, 640, 0) == (272, 640)


@pytest.mark.parametrize("flow_height", [30, 40, 72, 80])
def test_a_frame_is_reduced_to_the_working_size_by_its_local_means(flow_height):
    import cv2

    # A smooth picture: any reduction that averages its neighbourhoods gives the same values.
    ys, xs = np.mgrid[0:90, 0:160].astype(np.float32)
    frame = np.stack([ys * 2.5, xs * 1.5, 128 + 60 * np.sin(xs / 17) * np.cos(ys / 13)], axis=-1).astype(np.uint8)
    estimator = MotionEstimator(lambda: smoothing_flow_estimator("dis"), flow_height=flow_height, relative=0.05,
                                absolute=2.0, motion_boundaries=False, threads=0)
    reduced = estimator.reduce(frame)
    size = working_size(90, 160, flow_height)
    assert reduced.frame.shape == (*size, 3) and reduced.height == 90
    areas = cv2.resize(frame, size[::-1], interpolation=cv2.INTER_AREA)
    assert np.abs(reduced.frame.astype(int) - areas).mean() < 1.0
    assert np.abs(reduced.frame.astype(int) - areas).max() <= 6


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


def test_the_neighbourhood_check_forgives_sub_pixel_texture_and_not_an_occlusion(make_texture):
    import cv2

    # A sharp texture (1-pixel cells) and the same texture half a pixel to the right: what a flow
    # that is right to within half a pixel carries.
    target = (60 + make_texture(48, 64, seed=3, cell=1).astype(np.uint16) * 130 // 255).astype(np.uint8)  # 60..190
    half = np.float32([[1, 0, -0.5], [0, 1, 0]])
    carried = cv2.warpAffine(target, half, (64, 48), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    carried[16:32, 20:40] = (0, 255, 0)  # a surface that is not in the target: an occlusion
    plain = photometric_difference(carried, target, neighbourhood=False)
    ranged = photometric_difference(carried, target, neighbourhood=True)
    assert plain.dtype == np.uint8 and plain.shape == (48, 64)
    texture = (slice(2, 14), slice(2, -2))
    assert (plain[texture] > 24).mean() > 0.05  # pixel by pixel, texture half a pixel off looks like another surface
    assert ranged[texture].max() == 0  # within its neighbourhood's range
    assert ranged[18:30, 22:38].min() > 24 and plain[18:30, 22:38].min() > 24
