"""The PyTorch networks on random weights: shapes, layouts, padding and normalisation numerics."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from artify_core.models.arbitrary.networks import (
    ConditionalInstanceNorm2d,
    Conv2dSame,
    StylePredictionNetwork,
    StyleTransferNetwork,
    upsample_reflect_pad,
)


@pytest.fixture(scope="module")
def transformer() -> StyleTransferNetwork:
    torch.manual_seed(0)
    return StyleTransferNetwork().eval()


@pytest.fixture(scope="module")
def predictor() -> StylePredictionNetwork:
    torch.manual_seed(0)
    return StylePredictionNetwork().eval()


def _reference_norm(x: torch.Tensor, norm: ConditionalInstanceNorm2d, embedding: torch.Tensor) -> torch.Tensor:
    """The graph's formula in float64: gamma * (x - mean) / sqrt(var + eps) + beta."""
    x = x.double()
    mean = x.mean(dim=(2, 3), keepdim=True)
    variance = ((x - mean) ** 2).mean(dim=(2, 3), keepdim=True)
    gamma = F.linear(embedding.double(), norm.gamma.weight.double(), norm.gamma.bias.double())[:, :, None, None]
    beta = F.linear(embedding.double(), norm.beta.weight.double(), norm.beta.bias.double())[:, :, None, None]
    return gamma * (x - mean) / torch.sqrt(variance + norm.eps) + beta


@pytest.mark.parametrize("channels_last", [False, True], ids=["nchw", "channels-last"])
def test_conditional_instance_norm_matches_the_formula(channels_last):
    torch.manual_seed(1)
    norm = ConditionalInstanceNorm2d(8, embedding_dim=10)
    x = torch.randn(2, 8, 33, 47) * 4 + 3
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    embedding = torch.randn(2, 10)
    before = x.clone()
    with torch.no_grad():
        out = norm(x, embedding)
    torch.testing.assert_close(out.double(), _reference_norm(before, norm, embedding), rtol=1e-4, atol=1e-4)
    assert torch.equal(x, before), "inplace=False must leave the input alone"


def test_inplace_norm_keeps_autograd_working():
    norm = ConditionalInstanceNorm2d(4, embedding_dim=6, inplace=True)
    x, embedding = torch.randn(1, 4, 9, 9, requires_grad=True), torch.randn(1, 6)
    (norm(x * 1.0, embedding) ** 2).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all() and norm.gamma.weight.grad is not None


@pytest.mark.parametrize("channels_last", [False, True], ids=["nchw", "channels-last"])
@pytest.mark.parametrize(("factor", "pad"), [(2, 1), (1, 4), (3, 2)])
def test_fused_upsample_pad_equals_interpolate_then_pad(channels_last, factor, pad):
    x = torch.randn(2, 5, 7, 11)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    expected = F.pad(F.interpolate(x, scale_factor=factor, mode="nearest"), (pad,) * 4, mode="reflect")
    assert torch.equal(upsample_reflect_pad(x, factor, pad), expected)


@pytest.mark.parametrize("size", [(5, 5), (67, 131), (64, 64), (30, 18)])
def test_transformer_keeps_any_size(transformer, size):
    content = torch.rand(2, 3, *size)
    with torch.inference_mode():
        out = transformer(content, torch.randn(1, 100))
    assert out.shape == content.shape and 0 <= out.min() and out.max() <= 1


def test_transformer_broadcasts_one_embedding(transformer):
    content, embedding = torch.rand(3, 3, 24, 40), torch.randn(1, 100)
    with torch.inference_mode():
        shared = transformer(content, embedding)
        repeated = transformer(content, embedding.expand(3, -1))
    torch.testing.assert_close(shared, repeated)


def test_transformer_layouts_agree(transformer):
    content, embedding = torch.rand(2, 3, 36, 52), torch.randn(2, 100)
    channels_last = StyleTransferNetwork().eval().to(memory_format=torch.channels_last)
    channels_last.load_state_dict(transformer.state_dict())
    with torch.inference_mode():
        expected = transformer(content, embedding)
        out = channels_last(content.contiguous(memory_format=torch.channels_last), embedding)
    torch.testing.assert_close(out, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    ("shape", "embedding"),
    [((1, 3, 4, 40), (1, 100)), ((2, 1, 16, 16), (1, 100)), ((2, 3, 16, 16), (3, 100)), ((2, 3, 16, 16), (2, 50))],
    ids=["too-small", "one-channel", "embedding-batch", "embedding-size"],
)
def test_transformer_rejects_bad_shapes(transformer, shape, embedding):
    with pytest.raises(ValueError):
        transformer(torch.rand(shape), torch.randn(embedding))


def test_same_padding_puts_the_odd_pixel_last():
    conv = Conv2dSame(1, 1, 3, stride=2, bias=False)
    conv.weight.data.zero_()
    conv.weight.data[0, 0, 1, 1] = 1.0  # the centre tap
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    # TF 'SAME' on 4 pixels, stride 2: pads (0, 1), so output (i, j) is centred on
    # x[2i+1, 2j+1]; symmetric padding would centre it on x[2i, 2j].
    with torch.no_grad():
        assert torch.equal(conv(x), x[:, :, 1::2, 1::2])


def test_predictor_embeds_any_size(predictor):
    with torch.inference_mode():
        assert predictor(torch.rand(2, 3, 256, 256)).shape == (2, 100)
        assert predictor(torch.rand(1, 3, 97, 131)).shape == (1, 100)


def test_predictor_features_are_named_like_tf_slim(predictor):
    layers = ["layer_1", "layer_4/expansion_output", "layer_7", "layer_19"]
    with torch.inference_mode():
        features = predictor.features(torch.rand(1, 3, 256, 256), layers)
    assert list(features) == layers
    assert features["layer_1"].shape == (1, 32, 128, 128)
    assert features["layer_4/expansion_output"].shape == (1, 144, 64, 64)
    assert features["layer_7"].shape == (1, 32, 32, 32)
    assert features["layer_19"].shape == (1, 1280, 8, 8)
    assert len(predictor.feature_layers) == 1 + 2 + 16 * 3 + 1


def test_predictor_forward_pools_the_last_feature(predictor):
    x = torch.rand(1, 3, 64, 64)
    with torch.inference_mode():
        pooled = predictor.features(x, ["layer_19"])["layer_19"].mean(dim=(2, 3))
        torch.testing.assert_close(predictor(x), predictor.embedding(pooled))


def test_unknown_feature_names_list_the_known_ones(predictor):
    with pytest.raises(ValueError, match="layer_19"):
        predictor.features(torch.rand(1, 3, 32, 32), ["relu4_2"])
