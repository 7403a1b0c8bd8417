"""SSIM: identities, a closed-form value, and agreement with a direct per-window computation."""

from __future__ import annotations

import numpy as np
import pytest

from artify_core.errors import InputError
from artify_core.metrics.ssim import K1, K2, gaussian_window, luminance, ssim


def grey(value: int, shape=(1, 24, 32)) -> np.ndarray:
    return np.full((*shape, 3), value, np.uint8)


def test_identical_frames_score_one(make_texture):
    frames = np.stack([make_texture(40, 48, seed) for seed in range(3)])
    np.testing.assert_allclose(ssim(frames, frames), 1.0, atol=1e-6)


def test_flat_frames_have_the_closed_form_value():
    # No variance: SSIM reduces to the luminance term (2ab + C1) / (a² + b² + C1).
    a, b = 100 / 255, 150 / 255
    expected = (2 * a * b + K1**2) / (a * a + b * b + K1**2)
    np.testing.assert_allclose(ssim(grey(100), grey(150)), expected, rtol=1e-5)


def test_matches_a_direct_computation_at_one_window(make_texture):
    a, b = make_texture(11, 11, 1)[None], make_texture(11, 11, 2)[None]
    # With an 11x11 image the valid map is a single window: weighted statistics by hand.
    w = np.outer(gaussian_window(), gaussian_window())
    x, y = luminance(a)[0].astype(np.float64), luminance(b)[0].astype(np.float64)
    mx, my = (w * x).sum(), (w * y).sum()
    vx, vy = (w * (x - mx) ** 2).sum(), (w * (y - my) ** 2).sum()
    cov = (w * (x - mx) * (y - my)).sum()
    expected = (2 * mx * my + K1**2) * (2 * cov + K2**2) / ((mx**2 + my**2 + K1**2) * (vx + vy + K2**2))
    np.testing.assert_allclose(ssim(a, b), expected, rtol=1e-4)


def test_noise_lowers_ssim_and_order_does_not_matter(make_texture):
    clean = make_texture(48, 64)[None]
    noisy = np.clip(clean + np.random.default_rng(0).normal(0, 25, clean.shape), 0, 255).astype(np.uint8)
    score = ssim(clean, noisy)
    assert 0.2 < score[0] < 0.95
    np.testing.assert_allclose(ssim(noisy, clean), score, atol=1e-6)


def test_luminance_of_grey_is_its_level():
    np.testing.assert_allclose(luminance(grey(200, (1, 2, 2))), 200 / 255, rtol=1e-6)


def test_rejects_frames_smaller_than_the_window():
    with pytest.raises(InputError, match="smaller than the 11-pixel SSIM window"):
        ssim(grey(0, (1, 8, 8)), grey(0, (1, 8, 8)))
