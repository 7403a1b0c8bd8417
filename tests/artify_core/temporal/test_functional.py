"""Warping, consistency masks and blending on frames whose true motion is known."""

from __future__ import annotations

import numpy as np
import pytest

from artify_core.temporal.functional import (
    blend,
    consistency_mask,
    consistency_weight,
    linked_frames,
    motion_boundary_mask,
    warp,
)


def constant_flow(height: int, width: int, dx: float, dy: float, count: int = 1) -> np.ndarray:
    flow = np.empty((count, height, width, 2), np.float32)
    flow[..., 0], flow[..., 1] = dx, dy
    return flow


def test_warp_of_a_known_translation_recovers_the_frame(make_panning):
    frames = make_panning(2, step=(3, 2))
    # Flow from frame 1 to frame 0 is the pan step: pulls frame 0 onto frame 1.
    warped = warp(frames[:1], constant_flow(64, 96, 3, 2))
    # The last 3 columns / 2 rows sample outside frame 0 (clamped to its border).
    # Exact up to float32 rounding of grid_sample's normalised coordinates.
    np.testing.assert_allclose(warped[0, :-2, :-3], frames[1, :-2, :-3], atol=1e-3)


def test_warp_interpolates_bilinearly_at_subpixel_offsets():
    ramp = np.tile(np.arange(20, dtype=np.float32), (10, 1))[None, :, :, None]
    warped = warp(ramp, constant_flow(10, 20, 0.25, 0.0))
    np.testing.assert_allclose(warped[0, :, :-1, 0], ramp[0, :, :-1, 0] + 0.25, atol=1e-5)


def test_zero_flow_is_the_identity(make_texture):
    image = make_texture(16, 24)[None]
    np.testing.assert_allclose(warp(image, constant_flow(16, 24, 0, 0)), image, atol=1e-3)


def moving_square_flows(height=48, width=64, left=20, size=12, shift=6):
    """Exact flows between frame a (square at ``left``) and b (square moved right by ``shift``), static background."""
    top = 18
    forward = np.zeros((1, height, width, 2), np.float32)  # a -> b, on a's grid
    forward[0, top:top + size, left:left + size, 0] = shift
    backward = np.zeros_like(forward)  # b -> a, on b's grid
    backward[0, top:top + size, left + shift:left + shift + size, 0] = -shift
    return forward, backward, (top, left, size, shift)


def test_consistency_mask_flags_the_background_the_square_covers():
    forward, backward, (top, left, size, shift) = moving_square_flows()
    mask = consistency_mask(forward, backward, motion_boundaries=False)[0]
    rows = slice(top + 2, top + size - 2)
    # Background just right of the square in a is hidden under it in b.
    assert mask[rows, left + size:left + size + shift].max() == 0
    assert mask[rows, left + 2:left + size - 2].min() == 1  # the square itself is tracked
    assert mask[:top - 2].min() == 1 and mask[:, :left - 2].min() == 1  # static background


def test_consistency_mask_flags_pixels_that_leave_the_frame():
    flow = constant_flow(10, 20, 3, 0)
    mask = consistency_mask(flow, -flow, motion_boundaries=False)[0]
    assert mask[:, -3:].max() == 0 and mask[:, :-3].min() == 1


def test_motion_boundaries_are_masked_around_the_square():
    forward, backward, (top, left, size, _) = moving_square_flows()
    boundary = motion_boundary_mask(forward)[0]
    assert boundary[top + size // 2, left] == 0 and boundary[top + size // 2, left + size - 1] == 0
    assert boundary[top + size // 2, left + size // 2] == 1 and boundary[2, 2] == 1
    combined = consistency_mask(forward, backward)[0]
    assert combined[top + size // 2, left] == 0


def test_consistency_tolerance_grows_with_motion():
    # A round-trip error of 1 px fails for small motion and passes for large (0.01·(|w|²+|w̃|²) + 0.5).
    small, large = constant_flow(4, 40, 1, 0), constant_flow(4, 40, 10, 0)
    assert consistency_mask(small, -small + 1, motion_boundaries=False)[0, :, :-1].max() == 0
    assert consistency_mask(large, -large + 1, motion_boundaries=False)[0, :, :-10].min() == 1


@pytest.mark.parametrize("strength, expected", [(0.0, 10.0), (0.5, 20.0), (1.0, 30.0)])
def test_blend_weights_by_strength_times_mask(strength, expected):
    current, previous = np.full((1, 2, 2, 3), 10.0, np.float32), np.full((1, 2, 2, 3), 30.0, np.float32)
    mask = np.array([[[1.0, 0.0], [1.0, 0.0]]], np.float32)
    mixed = blend(current, previous, mask, strength)
    np.testing.assert_allclose(mixed[0, :, 0], expected)
    np.testing.assert_allclose(mixed[0, :, 1], 10.0)


def test_linked_frames_skip_the_sequence_start_and_cuts():
    assert linked_frames(5, 10, has_previous=False, cuts=frozenset({12})) == [1, 3, 4]
    assert linked_frames(3, 10, has_previous=True, cuts=frozenset({10})) == [1, 2]


def test_consistency_weight_is_whole_within_the_tolerance_and_falls_beyond():
    # Motion 10 px: tolerance 0.05·(100 + 100) + 2 = 12 px². Round-trip errors of 2, 4 and 8 px.
    flow = constant_flow(4, 60, 10, 0)
    reverse = -flow
    reverse[0, 1, :, 0] += 2.0
    reverse[0, 2, :, 0] += 4.0
    reverse[0, 3, :, 0] += 8.0
    weight = consistency_weight(flow, reverse, relative=0.05, absolute=2.0)[0, :, :40]
    row_tolerance = [12.0, 0.05 * (100 + 64) + 2, 0.05 * (100 + 36) + 2, 0.05 * (100 + 4) + 2]
    np.testing.assert_allclose(weight[0], 1.0)
    np.testing.assert_allclose(weight[1], 1.0)  # 4 px² within 10.2
    np.testing.assert_allclose(weight[2], row_tolerance[2] / 16.0, rtol=1e-5)
    np.testing.assert_allclose(weight[3], row_tolerance[3] / 64.0, rtol=1e-5)
    strict = consistency_mask(flow, reverse, relative=0.05, absolute=2.0, motion_boundaries=False)[0, :, :40]
    np.testing.assert_array_equal(weight == 1.0, strict == 1.0)  # the gradual test passes what the mask passes


def test_a_steeper_falloff_raises_the_weight_to_its_power():
    flow = constant_flow(4, 60, 10, 0)
    reverse = -flow
    reverse[0, :, :, 0] += 8.0  # 64 px² against a tolerance of 0.05·(100 + 4) + 2 = 7.2
    gentle = consistency_weight(flow, reverse, relative=0.05, absolute=2.0)[0, :, :40]
    steep = consistency_weight(flow, reverse, relative=0.05, absolute=2.0, falloff=2.0)[0, :, :40]
    np.testing.assert_allclose(gentle, 7.2 / 64, rtol=1e-5)
    np.testing.assert_allclose(steep, (7.2 / 64) ** 2, rtol=1e-5)


def test_consistency_weight_is_zero_where_the_flow_leaves_the_frame():
    flow = constant_flow(10, 20, 3, 0)
    weight = consistency_weight(flow, -flow, relative=0.05, absolute=2.0)[0]
    assert weight[:, -3:].max() == 0 and weight[:, :-3].min() == 1
