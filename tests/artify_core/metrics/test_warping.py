"""Warping error (Lai et al. 2018) on generated videos whose motion and stability are known."""

from __future__ import annotations

import numpy as np
import pytest

from artify_core.metrics.warping import WarpingErrorMeter, warping_error

cv2 = pytest.importorskip("cv2")
from artify_core.temporal.estimators import load_flow_estimator  # noqa: E402


def panning(make_texture, count=10, step=2, height=64, width=96, seed=0):
    canvas = make_texture(height, width + step * count, seed)
    return np.stack([canvas[:, t * step:t * step + width] for t in range(count)])


def measure(content, output, batch=4, cuts=()):
    meter = WarpingErrorMeter(load_flow_estimator("dis"), cuts=cuts)
    for i in range(0, len(content), batch):
        meter.update(content[i:i + batch], output[i:i + batch])
    return meter.result()


def test_a_static_video_has_zero_warping_error(make_texture):
    frames = np.repeat(make_texture(64, 96)[None], 6, axis=0)
    errors = measure(frames, frames)
    assert np.isnan(errors.output[0])
    np.testing.assert_allclose(errors.output[1:], 0.0, atol=1e-7)
    assert errors.mean < 1e-7 and errors.content_mean < 1e-7


def test_an_output_that_follows_the_content_has_ratio_one(make_texture):
    content = panning(make_texture)
    errors = measure(content, content)
    np.testing.assert_array_equal(errors.output, errors.content)
    assert errors.ratio == pytest.approx(1.0)
    assert errors.content_mean < 2e-3  # DIS tracks the pan: little residual


def test_flicker_raises_the_ratio(make_texture):
    content = panning(make_texture)
    rng = np.random.default_rng(0)
    flickering = np.clip(content + rng.normal(0, 20, (len(content), 1, 1, 3)), 0, 255).astype(np.uint8)
    assert measure(content, flickering).ratio > 5


def test_batching_does_not_change_the_errors(make_texture):
    content = panning(make_texture)
    output = content[:, ::-1].copy()  # moves against the flow
    np.testing.assert_allclose(measure(content, output, batch=3).output, measure(content, output, batch=10).output)


def test_cuts_are_left_out(make_texture):
    content = np.concatenate([panning(make_texture, 5), panning(make_texture, 5, seed=9)])
    errors = measure(content, content, cuts=[5])
    assert np.isnan(errors.output[5]) and np.isfinite(errors.output[6])


def test_error_is_on_the_unit_scale_and_ignores_masked_pixels():
    current = np.zeros((1, 4, 4, 3), np.uint8)
    previous = np.full((1, 4, 4, 3), 51, np.uint8)  # 0.2 on the 0–1 scale
    flow = np.zeros((1, 4, 4, 2), np.float32)
    mask = np.zeros((1, 4, 4), np.float32)
    mask[0, :2] = 1
    np.testing.assert_allclose(warping_error(current, previous, flow, mask), [0.04], rtol=1e-6)
    assert np.isnan(warping_error(current, previous, flow, np.zeros_like(mask))[0])
