"""Temporal smoothing on a synthetic flickering pan: less flicker, clean cuts, seamless chunks."""

from __future__ import annotations

import numpy as np
import pytest

from artify_core.errors import InputError
from artify_core.temporal.functional import consistency_mask, warp
from artify_core.temporal.smoothing import (
    SmootherState,
    SmoothingSettings,
    TemporalSmoother,
    recommended_overlap,
    warmup_start,
)

cv2 = pytest.importorskip("cv2")
from artify_core.temporal.flow import load_flow_estimator  # noqa: E402

COUNT = 24


def flicker(content: np.ndarray, seed: int = 0) -> np.ndarray:
    """A stand-in for per-frame stylization: each frame gets its own colour cast and grain."""
    rng = np.random.default_rng(seed)
    cast = rng.normal(0, 14, (len(content), 1, 1, 3))
    grain = rng.normal(0, 8, content.shape)
    return np.clip(content.astype(np.float64) + cast + grain, 0, 255).round().astype(np.uint8)


def true_warping_error(frames: np.ndarray, step: tuple[int, int]) -> float:
    """Mean squared change along the pan's exact flow (the known motion, not an estimate)."""
    height, width = frames.shape[1:3]
    flow = np.broadcast_to(np.array(step, np.float32), (len(frames) - 1, height, width, 2)).copy()
    mask = consistency_mask(flow, -flow)
    carried = warp(frames[:-1], flow)
    squared = ((frames[1:] - carried) / 255.0) ** 2
    return float((squared * mask[..., None]).sum() / (3 * mask.sum()))


def smooth(content, stylized, *, batch=5, settings=SmoothingSettings(), cuts=(), state=SmootherState()):
    smoother = TemporalSmoother(load_flow_estimator("dis"), settings=settings, cuts=cuts, state=state)
    out = np.concatenate([smoother.process(content[i:i + batch], stylized[i:i + batch])
                          for i in range(0, len(content), batch)])
    return out, smoother.state


@pytest.fixture(scope="module")
def scene(make_panning):
    content = make_panning(COUNT, height=80, width=112, step=(2, 1))
    return content, flicker(content)


def test_smoothing_reduces_the_warping_error_of_a_flickering_sequence(scene):
    content, stylized = scene
    smoothed, _ = smooth(content, stylized)
    before, after = true_warping_error(stylized, (2, 1)), true_warping_error(smoothed, (2, 1))
    assert after < 0.5 * before, (before, after)
    # Smoothing follows the content: it stays close to the stylized frames, not a frozen image.
    assert np.abs(smoothed.astype(float) - stylized).mean() < 12


def test_strength_zero_returns_the_stylized_frames(scene):
    content, stylized = scene
    smoothed, _ = smooth(content, stylized, settings=SmoothingSettings(strength=0.0))
    np.testing.assert_array_equal(smoothed, stylized)


def test_frames_at_a_cut_are_left_as_stylized(scene, make_panning):
    content, stylized = scene
    other = make_panning(COUNT, height=80, width=112, step=(2, 1), seed=7)
    cut_content = np.concatenate([content[:10], other[:14]])
    cut_stylized = np.concatenate([stylized[:10], flicker(other[:14], seed=3)])
    smoothed, _ = smooth(cut_content, cut_stylized, cuts=[10])
    np.testing.assert_array_equal(smoothed[10], cut_stylized[10])
    np.testing.assert_array_equal(smoothed[0], cut_stylized[0])
    assert not np.array_equal(smoothed[11], cut_stylized[11])  # and smoothing resumes after it


def test_an_unlisted_cut_is_caught_by_the_flow_check(scene, make_panning):
    content, stylized = scene
    # A shot of other content and tone (random textures alike in tone can fool
    # the check on up to ~45 % of pixels; real cuts in bikes.mp4 reach 14 %).
    other = 255 - make_panning(COUNT, height=80, width=112, step=(2, 1), seed=7)
    cut_content = np.concatenate([content[:10], other[:14]])
    cut_stylized = np.concatenate([stylized[:10], flicker(other[:14], seed=3)])
    smoothed, _ = smooth(cut_content, cut_stylized)  # no cuts given
    np.testing.assert_array_equal(smoothed[10], cut_stylized[10])


def test_batch_size_does_not_change_the_result(scene):
    content, stylized = scene
    np.testing.assert_array_equal(smooth(content, stylized, batch=3)[0], smooth(content, stylized, batch=7)[0])


def test_handing_over_state_reproduces_the_whole_pass(scene):
    content, stylized = scene
    whole, _ = smooth(content, stylized)
    first, state = smooth(content[:11], stylized[:11])
    second, _ = smooth(content[11:], stylized[11:], state=state)
    np.testing.assert_array_equal(np.concatenate([first, second]), whole)


def test_overlapping_chunks_match_the_whole_pass(scene):
    content, stylized = scene
    whole, _ = smooth(content, stylized)
    pieces = []
    for start, end in ((0, 8), (8, 16), (16, COUNT)):
        begin = warmup_start(start, overlap=8)
        out, _ = smooth(content[begin:end], stylized[begin:end], state=SmootherState(frame=begin))
        pieces.append(out[start - begin:])
    chunked = np.concatenate(pieces).astype(float)
    # The recursion forgets as strength^k: after 8 warm-up frames only rounding-level differences remain.
    assert np.abs(chunked - whole).mean() < 0.5
    assert np.abs(chunked - whole).max() <= 8


@pytest.mark.parametrize("strength, frames", [(0.0, 0), (0.5, 6), (0.7, 11), (0.8, 18)])
def test_recommended_overlap_lets_the_recursion_forget(strength, frames):
    assert recommended_overlap(strength) == frames
    assert strength == 0.0 or strength**frames <= 0.02


def test_warmup_starts_at_a_cut_inside_the_overlap():
    assert warmup_start(100, overlap=12) == 88
    assert warmup_start(5, overlap=12) == 0
    assert warmup_start(100, overlap=12, cuts=[50, 95, 130]) == 95
    assert warmup_start(100, overlap=12, cuts=[100]) == 100


def test_mismatched_batches_are_rejected(scene):
    content, stylized = scene
    smoother = TemporalSmoother(load_flow_estimator("dis"))
    with pytest.raises(InputError, match="differ in shape"):
        smoother.process(content[:2], stylized[:2, :40])
    with pytest.raises(InputError, match="between 0 and 1"):
        SmoothingSettings(strength=1.5)
