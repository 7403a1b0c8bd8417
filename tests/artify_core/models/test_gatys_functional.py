"""Gatys losses (pure functions) and the two feature backbones, on generated tensors."""

from __future__ import annotations

import pytest
import torch
from torchvision.models import vgg19

from artify_core.models.arbitrary.networks import StylePredictionNetwork
from artify_core.models.functional import gram_matrix
from artify_core.models.gatys import functional as G
from artify_core.models.gatys.backbones import MobileNetFeatures, VGG19Features, vgg19_layer_names


@pytest.fixture(scope="module")
def vgg_features() -> VGG19Features:
    torch.manual_seed(0)
    from artify_core.foundation.weights import normalization
    from artify_core.models.gatys.weights import vgg19_member

    mean, std = normalization(vgg19_member())
    return VGG19Features(vgg19(weights=None).features, mean=mean, std=std).eval().requires_grad_(False)


def test_gram_matrix_is_channel_correlation_over_size():
    features = torch.randn(2, 3, 4, 5)
    gram = gram_matrix(features)
    expected = torch.einsum("nchw,ndhw->ncd", features, features) / (3 * 4 * 5)
    assert gram.shape == (2, 3, 3)
    torch.testing.assert_close(gram, expected)
    torch.testing.assert_close(gram, gram.transpose(1, 2))


def test_style_and_content_losses_vanish_at_their_targets_only():
    features = {"a": torch.rand(1, 4, 8, 8), "b": torch.rand(1, 6, 4, 4)}
    grams = {name: gram_matrix(value)[0] for name, value in features.items()}
    assert float(G.style_loss(features, grams, {"a": 0.5, "b": 0.5})) == pytest.approx(0.0, abs=1e-12)
    assert float(G.content_loss(features, {"a": features["a"]})) == 0.0
    other = {name: value * 2 for name, value in features.items()}
    # Gram matrices grow 4x: a relative error of (4 - 1)^2 = 9 per layer.
    assert float(G.style_loss(other, grams, {"a": 0.5, "b": 0.5})) == pytest.approx(9.0, rel=1e-5)
    assert float(G.content_loss(other, {"a": features["a"]})) == pytest.approx(1.0, rel=1e-5)


def test_total_variation_is_zero_for_flat_images_and_grows_with_noise():
    flat = torch.full((1, 3, 16, 16), 0.3)
    noise = torch.rand(1, 3, 16, 16)
    assert float(G.total_variation(flat)) == 0.0
    assert float(G.total_variation(noise)) > float(G.total_variation(0.1 * noise)) > 0.0


def test_temporal_loss_ignores_masked_pixels():
    image, warped = torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 4)
    warped[..., :2] = 1.0  # differs on the left half only
    mask = torch.ones(1, 4, 4)
    mask[..., :2] = 0.0
    assert float(G.temporal_loss(image, warped, mask)) == 0.0
    assert float(G.temporal_loss(image, warped, torch.ones(1, 1, 4, 4))) == pytest.approx(0.5)


def test_yiq_round_trip_and_chroma_transfer():
    rgb = torch.rand(2, 3, 5, 7)
    torch.testing.assert_close(G.yiq_to_rgb(G.rgb_to_yiq(rgb)), rgb, atol=1e-5, rtol=0)
    grey = G.luminance_image(rgb)
    assert torch.equal(grey[:, 0], grey[:, 1]) and torch.equal(grey[:, 0], grey[:, 2])
    # The grey image's luma with the colour image's chroma is the colour image again.
    torch.testing.assert_close(G.with_chroma_of(grey, rgb), rgb, atol=1e-5, rtol=0)


def test_vgg19_layer_names_follow_the_paper(vgg_features):
    names = vgg19_layer_names()
    assert vgg_features.feature_layers == names and len(names) == 37
    assert names[:5] == ("conv1_1", "relu1_1", "conv1_2", "relu1_2", "pool1")
    assert names[names.index("relu4_2") - 1] == "conv4_2" and names[-1] == "pool5"


def test_vgg19_features_have_paper_strides_and_unclipped_convs(vgg_features):
    image = torch.rand(1, 3, 64, 48)
    found = vgg_features.features(image, ["conv1_1", "relu1_1", "relu4_2", "relu5_1"])
    assert found["relu1_1"].shape == (1, 64, 64, 48)
    assert found["relu4_2"].shape == (1, 512, 8, 6) and found["relu5_1"].shape == (1, 512, 4, 3)
    # ReLUs are out of place: the conv activation keeps its negative values.
    assert float(found["conv1_1"].min()) < 0.0
    torch.testing.assert_close(found["relu1_1"], found["conv1_1"].clamp_min(0))


def test_vgg19_uses_average_pooling_by_default(vgg_features):
    pools = [module for name, module in vgg_features.layers.items() if name.startswith("pool")]
    assert len(pools) == 5 and all(isinstance(pool, torch.nn.AvgPool2d) for pool in pools)


def test_unknown_layers_are_named():
    backbone = MobileNetFeatures(StylePredictionNetwork())
    with pytest.raises(ValueError, match="relu4_2"):
        backbone.features(torch.rand(1, 3, 32, 32), ["relu4_2"])
    assert set(backbone.default_style_layers) <= set(backbone.feature_layers)
    assert set(backbone.default_content_layers) <= set(backbone.feature_layers)
