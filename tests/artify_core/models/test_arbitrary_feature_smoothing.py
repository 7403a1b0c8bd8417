"""Feature smoothing of the arbitrary model (random weights): trunk features warped and blended along a
shot (the model's option). The measured alternative, norm statistics averaged: tests/bench/test_norm_statistics.py."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from artify_core.errors import InputError
from artify_core.models.arbitrary.feature_smoothing import TrunkBlender, warmup_frames
from artify_core.models.arbitrary.model import (
    ArbitraryStylizer,
    ArbitraryWeights,
    FeatureSmoothedStylizer,
    model_version,
)
from artify_core.models.arbitrary.networks import StylePredictionNetwork, StyleTransferNetwork
from artify_core.models.arbitrary.tiling import stylize_tiled
from artify_core.models.base import StyleMixingModel, VideoStylizationModel
from artify_core.pipeline.chunks import Chunk
from artify_core.pipeline.recipe import ChunkRecipe
from artify_core.pipeline.stylize import chunk_warmup_start
from artify_core.temporal.smoothing import DEFAULT_OVERLAP


@pytest.fixture(scope="module")
def transformer() -> StyleTransferNetwork:
    torch.manual_seed(0)
    return StyleTransferNetwork().eval()


@pytest.fixture(scope="module")
def predictor() -> StylePredictionNetwork:
    torch.manual_seed(1)
    return StylePredictionNetwork().eval()


def _model(predictor, transformer, alpha: float, batch_size: int = 8) -> FeatureSmoothedStylizer:
    return FeatureSmoothedStylizer(predictor, transformer, feature_smoothing=alpha,
                                   weights=ArbitraryWeights.DEFAULT.value, device=torch.device("cpu"),
                                   precision="fp32", batch_size=batch_size, channels_last=True)


@pytest.fixture(scope="module")
def clip() -> np.ndarray:
    """Six frames of one noisy still, RGB uint8 (6, 48, 56, 3): only the noise changes.

    48 pixels is the least side whose trunk map (a quarter) DIS estimates flow on.
    """
    return _noisy_still(6, seed=2)


def _noisy_still(count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    # Smooth blobs (a 6x7 grid upsampled) so that flow has texture to follow at quarter size.
    coarse = rng.integers(0, 256, (6, 7, 3)).astype(np.float32)
    still = np.repeat(np.repeat(coarse, 8, axis=0), 8, axis=1)
    return np.clip(still + rng.normal(0, 6, (count, 48, 56, 3)), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def style() -> np.ndarray:
    return np.random.default_rng(3).normal(0, 1, 100).astype(np.float32)


@pytest.mark.parametrize("alpha", [-0.1, 1.0, 1.5])
def test_strength_outside_zero_to_one_is_refused(alpha):
    with pytest.raises(InputError, match="feature_smoothing"):
        model_version(device="cpu", precision="fp32", feature_smoothing=alpha)


def test_zero_keeps_todays_version_and_model_class():
    plain = model_version(device="cpu", precision="fp32")
    assert model_version(device="cpu", precision="fp32", feature_smoothing=0.0) == plain
    smoothed = model_version(device="cpu", precision="fp32", feature_smoothing=0.8)
    assert smoothed.startswith(plain) and smoothed != plain
    assert smoothed != model_version(device="cpu", precision="fp32", feature_smoothing=0.9)
    assert not isinstance(ArbitraryStylizer, VideoStylizationModel)  # the plain class has no open_sequence


def test_smoothed_model_is_a_video_model(predictor, transformer, style, clip):
    model = _model(predictor, transformer, 0.8)
    assert isinstance(model, VideoStylizationModel) and isinstance(model, StyleMixingModel)
    assert model.version == model_version(device="cpu", precision="fp32", feature_smoothing=0.8, backend="torch")
    # Outside a sequence frames stay independent (stills, previews).
    np.testing.assert_array_equal(model.stylize(clip, style), _model(predictor, transformer, 0.0).stylize(clip, style))


def test_sequence_at_zero_equals_stylize(predictor, transformer, style, clip):
    model = _model(predictor, transformer, 0.0)
    np.testing.assert_array_equal(model.open_sequence(style).stylize(clip), model.stylize(clip, style))


def test_frame_depends_on_the_previous_frame_within_a_shot_only(predictor, transformer, style, clip):
    model = _model(predictor, transformer, 0.8)
    changed = clip.copy()
    changed[0] = 255 - clip[0]
    within = model.open_sequence(style).stylize(clip)[1], model.open_sequence(style).stylize(changed)[1]
    assert np.abs(within[0].astype(int) - within[1].astype(int)).max() > 2
    across = (model.open_sequence(style, cuts=[1]).stylize(clip)[1],
              model.open_sequence(style, cuts=[1]).stylize(changed)[1])
    np.testing.assert_array_equal(*across)
    np.testing.assert_array_equal(across[0], model.stylize(clip[1:2], style)[0])


def test_blending_steadies_a_noisy_still(predictor, transformer, style, clip):
    def flicker(alpha: float) -> float:
        outputs = _model(predictor, transformer, alpha).open_sequence(style).stylize(clip).astype(float)
        return float(np.abs(np.diff(outputs, axis=0)).mean())

    assert flicker(0.8) < 0.7 * flicker(0.0)


def test_frames_too_small_for_flow_stay_unblended(predictor, transformer, style):
    small = _noisy_still(3, seed=7)[:, :40, :40]
    model = _model(predictor, transformer, 0.8)
    np.testing.assert_array_equal(model.open_sequence(style).stylize(small), model.stylize(small, style))


def test_batch_size_and_batch_boundaries_do_not_matter(predictor, transformer, style, clip):
    whole = _model(predictor, transformer, 0.8, batch_size=8).open_sequence(style, cuts=[4]).stylize(clip)
    sequence = _model(predictor, transformer, 0.8, batch_size=1).open_sequence(style, cuts=[4])
    split = np.concatenate([sequence.stylize(clip[:2]), sequence.stylize(clip[2:5]), sequence.stylize(clip[5:])])
    assert np.abs(whole.astype(int) - split.astype(int)).max() <= 1


def test_tiled_pass_applies_the_trunk_hook_as_the_untiled_one(transformer, clip):
    content = torch.from_numpy(clip[:3]).permute(0, 3, 1, 2).float().div(255.0)
    embedding = torch.randn(1, 100, generator=torch.Generator().manual_seed(5))

    def blender() -> TrunkBlender:
        blender = TrunkBlender(0.8)
        blender.prepare(clip[:3])
        return blender

    with torch.inference_mode():
        untiled = transformer(content.clone(), embedding, trunk=blender())
        tiled = stylize_tiled(transformer, content.clone(), embedding, strip_bytes=4096, trunk=blender())
        plain = transformer(content.clone(), embedding)
    torch.testing.assert_close(tiled, untiled, rtol=1e-4, atol=1e-4)
    assert (untiled[1:] - plain[1:]).abs().max() > 1e-3


def test_per_frame_styles_and_mixing(predictor, transformer, style, clip):
    model = _model(predictor, transformer, 0.5)
    other = np.zeros(100, np.float32)
    mixed = model.mix_styles([style, other], [0.25, 0.75])
    np.testing.assert_allclose(mixed, 0.25 * style, rtol=1e-6)
    shared = model.open_sequence(style).stylize(clip)
    per_frame = model.open_sequence(other).stylize(clip, [style] * len(clip))
    # One embedding per frame goes through the gamma/beta layers as a batch: float rounding only.
    assert np.abs(per_frame.astype(int) - shared.astype(int)).max() <= 1
    with pytest.raises(InputError, match="one style per frame"):
        model.open_sequence(style).stylize(clip, [style])


def test_chunk_warm_up_covers_the_average_and_joins_without_a_seam(predictor, transformer, style):
    model = _model(predictor, transformer, 0.5)
    assert model.warmup_frames == warmup_frames(0.5) == 6
    assert chunk_warmup_start(Chunk(0, 40, 60), model, ChunkRecipe(smoothing=None)) == 40 - max(DEFAULT_OVERLAP, 6)
    assert chunk_warmup_start(Chunk(0, 40, 60), model, ChunkRecipe(smoothing=None, cuts=(37,))) == 37
    frames = _noisy_still(16, seed=6)
    whole = model.open_sequence(style).stylize(frames)
    chunk = model.open_sequence(style, start_frame=10 - 6).stylize(frames[10 - 6:])[6:]
    assert np.abs(whole[10:].astype(int) - chunk.astype(int)).max() <= 2
