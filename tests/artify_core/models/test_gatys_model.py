"""GatysStylizer: optimisation, the model interfaces, video sequences and weights, without downloads.

VGG19 is randomly initialised (``weights=None``): its pictures mean nothing,
but its losses fall and its sequences are as stable as the temporal loss
makes them, which is what these tests measure.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from artify_core.errors import InputError, WeightsUnavailableError
from artify_core.metrics.warping import WarpingErrorMeter
from artify_core.models import MODELS, load_model
from artify_core.models.base import (
    FrameSequenceStylizer,
    StyleImage,
    StyleMixingModel,
    StylizationModel,
    VideoStylizationModel,
)
from artify_core.models.gatys import GatysStylizer, gatys
from artify_core.models.gatys import functional as G
from artify_core.models.gatys.optimize import Target, optimize
from artify_core.models.gatys.weights import VGG19_WEIGHTS_ENV, vgg19_member

VGG19_URL = vgg19_member().url
VGG19_FILE = VGG19_URL.rsplit("/", 1)[-1]
from artify_core.temporal.estimators import load_flow_estimator

MEDIA = Path(__file__).resolve().parents[3] / ".." / "shared" / "media"


def _square(pixels: np.ndarray, side: int) -> np.ndarray:
    """Centre square of an RGB uint8 image, area-resized to side x side."""
    height, width = pixels.shape[:2]
    crop = min(height, width)
    top, left = (height - crop) // 2, (width - crop) // 2
    tensor = torch.from_numpy(np.array(pixels[top:top + crop, left:left + crop])).permute(2, 0, 1)[None].float()
    small = F.interpolate(tensor, size=(side, side), mode="area")
    return small[0].permute(1, 2, 0).round().clamp(0, 255).to(torch.uint8).numpy()


def _with(model: GatysStylizer, **loss_or_settings) -> GatysStylizer:
    """The same backbone with changed settings (building VGG19 again costs seconds)."""
    loss_fields = {f.name for f in dataclasses.fields(model.settings.loss)}
    loss = dataclasses.replace(model.settings.loss, **{k: v for k, v in loss_or_settings.items() if k in loss_fields})
    settings = dataclasses.replace(model.settings, loss=loss,
                                   **{k: v for k, v in loss_or_settings.items() if k not in loss_fields})
    return GatysStylizer(model.backbone, backbone_version=model.backbone_version, settings=settings,
                         device=model.device, flow=model.flow)


@pytest.fixture(scope="module")
def model() -> GatysStylizer:
    torch.manual_seed(0)
    return gatys(device="cpu", backbone="vgg19", weights=None, iterations=3, first_frame_iterations=5, style_size=64)


@pytest.fixture(scope="module")
def photo(media_pixels) -> np.ndarray:
    return _square(media_pixels("images/amber.jpg"), 64)


@pytest.fixture(scope="module")
def starry(model, media_pixels):
    return model.prepare_style([StyleImage(media_pixels("style/starrynight.jpg"), name="starrynight")])


@pytest.fixture(scope="module")
def clip() -> np.ndarray:
    """Four consecutive frames of Big Buck Bunny with camera motion, RGB uint8 (4, 64, 114, 3)."""
    from artify_core.video import read_frames

    path = MEDIA / "content" / "bigbuckbunny_720p.mp4"
    if not path.exists():
        pytest.skip(f"shared test media not found: {path.resolve()}")
    return read_frames(path, height=64, start=100, end=104)


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_style_loss_falls_tenfold_in_50_iterations(model, photo, starry, optimizer):
    content = model._tensor(photo)
    grams = {name: torch.from_numpy(gram) for name, gram in starry.grams.items()}
    result = optimize(model.backbone, content, Target(content, grams), model.settings.loss,
                      iterations=50, optimizer=optimizer)
    assert result.initial.style / result.final.style >= 10.0
    assert result.image.shape == content.shape and 0.0 <= float(result.image.min()) <= float(result.image.max()) <= 1.0


def test_coarse_to_fine_runs_every_scale(model, photo, starry):
    content = model._tensor(photo)
    grams = {name: torch.from_numpy(gram) for name, gram in starry.grams.items()}
    one = optimize(model.backbone, content, Target(content, grams), model.settings.loss, iterations=4, optimizer="adam")
    two = optimize(model.backbone, content, Target(content, grams), model.settings.loss, iterations=4,
                   optimizer="adam", scales=(0.5, 1.0))
    assert (one.evaluations, two.evaluations) == (4, 8) and two.image.shape == content.shape
    assert two.final.style < two.initial.style


def test_implements_the_model_interfaces(model, starry):
    assert isinstance(model, StylizationModel) and isinstance(model, VideoStylizationModel)
    assert isinstance(model, StyleMixingModel)
    assert isinstance(model.open_sequence(starry), FrameSequenceStylizer)
    assert model.name == "gatys" and model.version.startswith("gatys-1+vgg19_random@")
    assert model.backbone_version in model.version


def test_version_changes_with_settings(model):
    assert _with(model, iterations=6).version != model.version
    assert _with(model, style=1.0).version != model.version


def test_stylize_keeps_shape_and_strength_zero_returns_the_content(model, photo, starry):
    frames = np.stack([photo, photo[::-1]])
    out = model.stylize(frames, starry)
    assert out.shape == frames.shape and out.dtype == np.uint8
    assert np.abs(out.astype(int) - frames).mean() > 2.0
    assert np.array_equal(model.stylize(frames, starry, strength=0.0), frames)
    with pytest.raises(InputError, match="strength"):
        model.stylize(frames, starry, strength=1.5)


def test_prepare_style_weights_images_like_mix_styles(model, media_pixels):
    wave, udnie = media_pixels("style/wave.jpg"), media_pixels("style/udnie.jpg")
    both = model.prepare_style([StyleImage(wave, weight=1.0), StyleImage(udnie, weight=3.0)])
    mixed = model.mix_styles([model.prepare_style([StyleImage(wave)]), model.prepare_style([StyleImage(udnie)])],
                             [0.25, 0.75])
    for name in both.grams:
        np.testing.assert_allclose(both.grams[name], mixed.grams[name], rtol=1e-5, atol=1e-8)
    assert not np.allclose(both.grams["relu1_1"], model.prepare_style([StyleImage(wave)]).grams["relu1_1"])


def test_mix_styles_rejects_bad_weights_and_foreign_styles(model, starry):
    with pytest.raises(InputError, match="one weight per style"):
        model.mix_styles([starry, starry], [1.0])
    with pytest.raises(InputError, match="non-negative"):
        model.mix_styles([starry, starry], [1.5, -0.5])
    foreign = dataclasses.replace(starry, backbone="mobilenet_random@0")
    with pytest.raises(InputError, match="prepared with backbone"):
        model.mix_styles([starry, foreign], [0.5, 0.5])
    with pytest.raises(InputError, match="preserve_color"):
        _with(model, preserve_color=True).stylize(np.zeros((1, 32, 32, 3), np.uint8), starry)


def test_preserve_color_keeps_the_content_chroma(model, photo, media_pixels):
    colour = _with(model, preserve_color=True)
    style = colour.prepare_style([StyleImage(media_pixels("style/candy.jpg"))])
    out = colour.stylize(photo[None], style)[0]
    before, after = (G.rgb_to_yiq(torch.from_numpy(x).permute(2, 0, 1)[None].float() / 255) for x in (photo, out))
    assert float((after[:, 1:] - before[:, 1:]).abs().mean()) < 0.01  # chroma kept (up to rounding, clamping)
    assert float((after[:, :1] - before[:, :1]).abs().mean()) > 0.02  # luma stylized


def test_temporal_loss_lowers_the_warping_error_of_a_real_clip(model, clip, starry):
    with_loss = _with(model, iterations=8, first_frame_iterations=16)
    without = _with(with_loss, temporal=0.0)
    assert with_loss.settings.loss.temporal > 0
    errors = {}
    for label, candidate in (("on", with_loss), ("off", without)):
        meter = WarpingErrorMeter(load_flow_estimator("dis"))
        meter.update(clip, candidate.open_sequence(starry).stylize(clip))
        errors[label] = meter.result().mean
    assert errors["on"] < 0.8 * errors["off"], errors


def test_sequence_restarts_at_cuts_and_carries_state_across_batches(model, clip, starry):
    frames = clip[:3]
    whole = model.open_sequence(starry, start_frame=10, cuts=(12,)).stylize(frames)
    split = model.open_sequence(starry, start_frame=10, cuts=(12,))
    parts = np.concatenate([split.stylize(frames[:1]), split.stylize(frames[1:])])
    assert np.array_equal(whole, parts)
    # Frame 12 is a cut: it is stylized from its content alone, with the first-frame budget.
    alone = model.stylize_frame(frames[2], starry, iterations=model.settings.first_frame_iterations)[1]
    assert np.array_equal(whole[2], alone)
    linked = model.stylize_frame(frames[1], starry, iterations=model.settings.first_frame_iterations)[1]
    assert not np.array_equal(whole[1], linked)


def test_sequence_takes_one_style_per_frame(model, clip, starry, media_pixels):
    wave = model.prepare_style([StyleImage(media_pixels("style/wave.jpg"))])
    sequence = model.open_sequence(starry)
    with pytest.raises(InputError, match="one style per frame"):
        sequence.stylize(clip[:2], styles=[wave])
    schedule = model.open_sequence(starry).stylize(clip[:1], styles=[wave])
    assert np.array_equal(schedule, model.open_sequence(wave).stylize(clip[:1]))
    sequence.stylize(clip[:1])
    with pytest.raises(InputError, match="keep their size"):
        sequence.stylize(clip[:1, :32, :32])


def test_builder_validates_its_options():
    with pytest.raises(InputError, match="unknown Gatys backbone 'resnet'.*vgg19, mobilenet"):
        gatys(backbone="resnet", weights=None)
    with pytest.raises(InputError, match="unknown: \\['relu9_9'\\]"):
        gatys(backbone="mobilenet", weights=None, style_layers={"relu9_9": 1.0})
    with pytest.raises(InputError, match="scales"):
        gatys(backbone="mobilenet", weights=None, scales=(1.0, 0.5))
    with pytest.raises(InputError, match="optimizer"):
        gatys(backbone="mobilenet", weights=None, optimizer="sgd")


def test_registered_as_gatys():
    assert "gatys" in MODELS
    model = load_model("gatys", backbone="mobilenet", weights=None, device="cpu", iterations=3)
    assert isinstance(model, GatysStylizer) and model.settings.iterations == 3


def test_missing_vgg19_weights_name_both_ways(monkeypatch, tmp_path):
    monkeypatch.delenv(VGG19_WEIGHTS_ENV, raising=False)
    monkeypatch.setenv("ARTIFY_WEIGHTS_DIR", str(tmp_path / "weights"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    with pytest.raises(WeightsUnavailableError) as raised:
        gatys(backbone="vgg19", device="cpu", download=False)
    assert VGG19_WEIGHTS_ENV in str(raised.value) and VGG19_URL in str(raised.value)
    monkeypatch.setenv(VGG19_WEIGHTS_ENV, str(tmp_path / "nowhere.pth"))
    with pytest.raises(WeightsUnavailableError, match="not a file.*download"):
        gatys(backbone="vgg19", device="cpu")


def test_vgg19_weights_are_found_offline_and_checked(monkeypatch, tmp_path):
    monkeypatch.delenv(VGG19_WEIGHTS_ENV, raising=False)
    monkeypatch.setenv("ARTIFY_WEIGHTS_DIR", str(tmp_path))
    (tmp_path / VGG19_FILE).write_bytes(b"not a checkpoint")  # found there, then checked
    with pytest.raises(WeightsUnavailableError, match="does not start with dcbb9e9d"):
        gatys(backbone="vgg19", device="cpu", download=False)


def test_mobilenet_backbone_runs_on_the_installed_weights(weights_dir, photo, media_pixels):
    from artify_core.models.arbitrary.model import ArbitraryWeights

    model = gatys(backbone="mobilenet", device="cpu", iterations=5, style_size=64)
    assert ArbitraryWeights.DEFAULT.sha256[:16] in model.version
    style = model.prepare_style([StyleImage(media_pixels("style/starrynight.jpg"))])
    out = model.stylize(photo[None, :32, :48], style)
    assert out.shape == (1, 32, 48, 3) and np.abs(out.astype(int) - photo[None, :32, :48]).mean() > 1.0
