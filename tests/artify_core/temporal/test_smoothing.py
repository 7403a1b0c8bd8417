"""Temporal smoothing on a synthetic flickering pan: less flicker, clean cuts, seamless chunks, every method."""

from __future__ import annotations

import numpy as np
import pytest

from artify_core.errors import InputError
from artify_core.temporal.functional import consistency_mask, warp
from artify_core.temporal.methods import restore_detail
from artify_core.temporal.smoothing import (
    METHODS,
    SmoothingSettings,
    TemporalSmoother,
    lookahead_end,
    recommended_overlap,
    smooth_frames,
    warmup_start,
)

cv2 = pytest.importorskip("cv2")

COUNT = 24
# Single-threaded, full-resolution flow: results independent of thread timing and of the working size.
EXACT = dict(threads=0)


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


def smooth(content, stylized, settings=SmoothingSettings(), *, batch=5, cuts=(), start_frame=0, window=32):
    return smooth_frames(content, stylized, settings, cuts=cuts, batch_frames=batch, start_frame=start_frame,
                         window=window, **EXACT)


@pytest.fixture(scope="module")
def scene(make_panning):
    content = make_panning(COUNT, height=80, width=112, step=(2, 1))
    return content, flicker(content)


@pytest.mark.parametrize("method", METHODS)
def test_every_method_reduces_the_warping_error_of_a_flickering_sequence(scene, method):
    content, stylized = scene
    smoothed = smooth(content, stylized, SmoothingSettings(method=method))
    assert smoothed.shape == stylized.shape and smoothed.dtype == np.uint8
    before, after = true_warping_error(stylized, (2, 1)), true_warping_error(smoothed, (2, 1))
    assert after < 0.6 * before, (method, before, after)
    # Smoothing follows the content: it stays close to the stylized frames, not a frozen image.
    assert np.abs(smoothed.astype(float) - stylized).mean() < 14


def test_the_default_removes_more_flicker_than_the_first_generation(scene):
    content, stylized = scene
    first = smooth(content, stylized, SmoothingSettings(method="forward", strength=0.5, detail=0.0))
    default = smooth(content, stylized)
    assert true_warping_error(default, (2, 1)) < 0.7 * true_warping_error(first, (2, 1))


def test_strength_zero_returns_the_stylized_frames(scene):
    content, stylized = scene
    np.testing.assert_array_equal(smooth(content, stylized, SmoothingSettings(strength=0.0)), stylized)


@pytest.mark.parametrize("method", METHODS)
def test_nothing_crosses_a_cut(scene, make_panning, method):
    content, stylized = scene
    other = make_panning(COUNT, height=80, width=112, step=(2, 1), seed=7)
    cut_content = np.concatenate([content[:10], other[:14]])
    cut_stylized = np.concatenate([stylized[:10], flicker(other[:14], seed=3)])
    settings = SmoothingSettings(method=method)
    both = smooth(cut_content, cut_stylized, settings, cuts=[10])
    # Each shot comes out exactly as if smoothed on its own: nothing of one leaks into the other.
    np.testing.assert_array_equal(both[:10], smooth(cut_content[:10], cut_stylized[:10], settings))
    np.testing.assert_array_equal(both[10:], smooth(cut_content[10:], cut_stylized[10:], settings, start_frame=10))
    assert not np.array_equal(both[12], cut_stylized[12])  # and smoothing goes on within the shot


def test_an_unlisted_cut_is_caught_by_the_flow_check(scene, make_panning):
    content, stylized = scene
    # A shot of other content and tone (random textures alike in tone can fool
    # the check on up to ~45 % of pixels; real cuts in bikes.mp4 reach 14 %).
    other = 255 - make_panning(COUNT, height=80, width=112, step=(2, 1), seed=7)
    cut_content = np.concatenate([content[:10], other[:14]])
    cut_stylized = np.concatenate([stylized[:10], flicker(other[:14], seed=3)])
    unlisted = smooth(cut_content, cut_stylized)  # no cuts given
    listed = smooth(cut_content, cut_stylized, cuts=[10])
    np.testing.assert_array_equal(unlisted, listed)


def test_batch_size_does_not_change_the_result(scene):
    content, stylized = scene
    a = smooth(content, stylized, batch=3, window=4).astype(float)
    b = smooth(content, stylized, batch=7, window=4).astype(float)
    # The backward pass is cut off lookahead frames ahead at a window's end: residual <= strength^lookahead.
    assert np.abs(a - b).mean() < 0.5 and np.abs(a - b).max() <= 8


@pytest.mark.parametrize("method", METHODS)
def test_overlapping_chunks_match_the_whole_pass(scene, method):
    content, stylized = scene
    # At the nominal strength: on frames this small (80 lines) the sized memory would outlast the clip,
    # and every chunk would start at frame 0.
    settings = SmoothingSettings(method=method, size_strength=False)
    whole = smooth(content, stylized, settings)
    pieces = []
    for start, end in ((0, 8), (8, 16), (16, COUNT)):
        begin = warmup_start(start, settings.warmup)
        stop = lookahead_end(end, settings.lookahead, COUNT)
        out = smooth(content[begin:stop], stylized[begin:stop], settings, start_frame=begin)
        pieces.append(out[start - begin:end - begin])
    chunked = np.concatenate(pieces).astype(float)
    # The recursions forget as strength^k: after the warm-up and look-ahead only rounding-level differences remain.
    assert np.abs(chunked - whole).mean() < 0.5, method
    assert np.abs(chunked - whole).max() <= 10, method


def test_frames_outside_the_emitted_range_only_serve_the_others(scene, monkeypatch):
    import artify_core.temporal.smoothing as smoothing_module

    content, stylized = scene
    restored = []

    def counting(*args, **kwargs):
        restored.append(1)
        return restore_detail(*args, **kwargs)

    monkeypatch.setattr(smoothing_module, "restore_detail", counting)
    whole = smooth(content, stylized)
    restored.clear()
    # A chunk [6, 16) fed from frame 0 to the end: the warm-up frames take the forward pass alone,
    # the look-ahead frames the backward pass without restoration, and neither comes back.
    bounded = smooth_frames(content, stylized, batch_frames=5, window=32, emit_from=6, emit_until=16, **EXACT)
    assert bounded.shape == (10, *content.shape[1:]) and len(restored) == 10
    # From frame 12 on, the whole pass's last window starts where the chunk's does (the same backward
    # pass); before it, the whole pass split its last window in two, as a window's look-ahead does.
    np.testing.assert_array_equal(bounded[6:], whole[12:16])
    assert np.abs(bounded[:6].astype(float) - whole[6:12]).mean() < 0.5
    emitted_until = smooth_frames(content, stylized, batch_frames=5, window=32, emit_until=16, **EXACT)
    np.testing.assert_array_equal(emitted_until, whole[:16])  # the same windows: the same frames


def test_submitting_content_ahead_gives_the_same_frames(scene):
    content, stylized = scene
    smoother = TemporalSmoother(cuts=(), **EXACT)
    smoother.submit(content[:12])
    smoother.submit(content[12:])
    ahead = np.concatenate([smoother.process(content[:12], stylized[:12]),
                            smoother.process(content[12:], stylized[12:]), smoother.finish()])
    np.testing.assert_array_equal(ahead, smooth(content, stylized, batch=12))


def test_the_flow_pool_gives_the_frames_of_a_single_thread(scene):
    content, stylized = scene
    pooled = smooth_frames(content, stylized, threads=2)
    np.testing.assert_array_equal(pooled, smooth(content, stylized))


def test_backward_passes_on_their_own_thread_give_the_frames_of_one_thread(scene):
    # Several windows, each handed to the backward thread while the next fills; out in order.
    content, stylized = scene
    threaded = smooth_frames(content, stylized, threads=2, window=4, batch_frames=3)
    inline = smooth_frames(content, stylized, threads=2, window=4, batch_frames=3, concurrent_backward=False)
    np.testing.assert_array_equal(threaded, inline)
    np.testing.assert_array_equal(threaded, smooth(content, stylized, batch=3, window=4))


def test_an_error_on_the_forward_thread_reaches_the_caller(scene, monkeypatch):
    content, stylized = scene

    def failing(self, stylized_frame):
        raise RuntimeError("the forward pass failed")

    monkeypatch.setattr(TemporalSmoother, "_step", failing)
    smoother = TemporalSmoother(threads=1)
    with pytest.raises(RuntimeError, match="the forward pass failed"):
        for first in range(0, COUNT, 4):
            smoother.process(content[first:first + 4], stylized[first:first + 4])
        smoother.finish()
    smoother.close()


@pytest.mark.parametrize("strength, frames", [(0.0, 0), (0.5, 6), (0.6, 8), (0.7, 11), (0.8, 18)])
def test_recommended_overlap_lets_the_recursion_forget(strength, frames):
    assert recommended_overlap(strength) == frames
    assert strength == 0.0 or strength**frames <= 0.02


def test_warmup_and_lookahead_stop_at_cuts_and_ends():
    assert warmup_start(100, overlap=12) == 88
    assert warmup_start(5, overlap=12) == 0
    assert warmup_start(100, overlap=12, cuts=[50, 95, 130]) == 95
    assert warmup_start(100, overlap=12, cuts=[100]) == 100
    assert lookahead_end(100, 11, 500) == 111
    assert lookahead_end(100, 11, 105) == 105
    assert lookahead_end(100, 11, 500, cuts=[104, 300]) == 104
    assert lookahead_end(100, 11, 500, cuts=[100]) == 100
    assert SmoothingSettings(method="forward").lookahead == 0
    assert SmoothingSettings(method="bidirectional", strength=0.7).lookahead == 11
    assert SmoothingSettings(method="long-term", strength=0.7, long_term_offset=5).warmup == 16


def test_bad_input_is_rejected(scene):
    content, stylized = scene
    smoother = TemporalSmoother(**EXACT)
    with pytest.raises(InputError, match="differ in shape"):
        smoother.process(content[:2], stylized[:2, :40])
    with pytest.raises(InputError, match="between 0 and 1"):
        SmoothingSettings(strength=1.5)
    with pytest.raises(InputError, match="unknown temporal method 'median'"):
        SmoothingSettings(method="median")
