"""Seam measures on generated composites: an extra edge along the outline, and flicker on either side."""

from __future__ import annotations

import numpy as np

from artify_core.metrics.seams import band_warping_errors, edge_band, edge_distance, seam_gradient_ratio
from tests.artify_core.segmentation.conftest import texture


def disk_masks(count: int = 1, height: int = 80, width: int = 100, radius: int = 20, centre_x: int = 50) -> np.ndarray:
    ys, xs = np.mgrid[0:height, 0:width]
    mask = ((ys - 40) ** 2 + (xs - centre_x) ** 2 <= radius ** 2).astype(np.float32)
    return np.repeat(mask[None], count, axis=0)


def test_edge_distance_and_band():
    masks = disk_masks()
    distance = edge_distance(masks)[0]
    assert distance[40, 50] == 20 or abs(distance[40, 50] - 20) < 1.5  # the centre, 20 px inside
    assert distance[40, 70] <= 1.5 and distance[40, 71] <= 1.5  # either side of the outline
    assert np.isinf(edge_distance(np.zeros((1, 8, 8), np.float32))).all()
    band = edge_band(masks, 3)[0]
    assert band[40, 70] and not band[40, 50] and not band[0, 0]


def test_an_outline_drawn_along_the_seam_raises_the_gradient_ratio():
    masks = disk_masks()
    frame = texture(80, 100, seed=2)
    seamless = frame[None]
    outlined = frame.copy()
    outlined[(edge_distance(masks)[0] <= 2)] = 0  # a dark contour on the outline
    plain, drawn = seam_gradient_ratio(seamless, masks, 4)[0], seam_gradient_ratio(outlined[None], masks, 4)[0]
    assert 0.5 < plain < 2.0 and drawn > 3 * plain


def test_flicker_is_measured_along_each_sides_own_motion():
    masks = disk_masks(2)
    scene = texture(80, 110, seed=3)
    # The camera pans: the scene moves 2 px right per frame; the output is the scene, steady in its own motion.
    previous, current = scene[None, :, 2:102], scene[None, :, 0:100]
    flow = np.zeros((1, 80, 100, 2), np.float32)
    flow[..., 0] = -2.0  # t -> t-1: pixel x of t was at x - 2 in t-1
    steady = band_warping_errors(current, previous, flow, np.ones((1, 80, 100), np.float32), masks[:1], masks[:1], 6)
    assert steady.inside[0] < 1e-4 and steady.outside[0] < 1e-4
    # The flow just outside the subject smeared to the subject's (zero) motion: the outside still follows the
    # background's median motion, so a steady background is not taken for flicker.
    smeared = flow.copy()
    smeared[0][edge_distance(masks[:1])[0] <= 6] = 0.0
    again = band_warping_errors(current, previous, smeared, np.ones((1, 80, 100), np.float32), masks[:1], masks[:1], 6)
    assert again.outside[0] < 1e-4
    noisy = current.copy()
    rng = np.random.default_rng(0)
    noisy[0][~(masks[0] >= 0.5)] = rng.integers(0, 255, size=(int((masks[0] < 0.5).sum()), 3))
    flickering = band_warping_errors(noisy, previous, flow, np.ones((1, 80, 100), np.float32), masks[:1], masks[:1], 6)
    assert flickering.outside[0] > 100 * max(steady.outside[0], 1e-6) and flickering.inside[0] < 1e-4
