"""bench/norm_statistics.py: instance-norm statistics averaged along a shot (random weights), the
alternative to trunk blending that bench_feature_variation.py measures, swapped into the network's norms."""

from __future__ import annotations

import pytest
import torch

from artify_core.errors import InputError
from artify_core.models.arbitrary.networks import ConditionalInstanceNorm2d, StyleTransferNetwork
from bench.norm_statistics import SMOOTHED_LAYERS, StatisticsSmoother, norm_layers, smoothed_norms


@pytest.fixture(scope="module")
def transformer() -> StyleTransferNetwork:
    torch.manual_seed(0)
    return StyleTransferNetwork().eval()


def _stats(values: list[float]) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-frame statistics of one channel: (N, 1, 1, 1) means and variances (variance = mean + 10)."""
    mean = torch.tensor(values, dtype=torch.float32)[:, None, None, None]
    return mean, mean + 10.0


def test_smoother_is_an_exponential_average_that_restarts_at_cuts():
    smoother = StatisticsSmoother(0.5, start_frame=10, cuts=frozenset({13}), layers=frozenset({"a"}))
    mean, variance = smoother("a", *_stats([0.0, 4.0, 8.0, 100.0, 0.0]))
    assert mean.flatten().tolist() == [0.0, 2.0, 5.0, 100.0, 50.0]
    assert variance.flatten().tolist() == [10.0, 12.0, 15.0, 110.0, 60.0]


def test_smoother_passes_other_layers_and_zero_strength_through():
    values = _stats([0.0, 4.0])
    mean, variance = StatisticsSmoother(0.5, layers=frozenset({"a"}))("b", *values)
    assert mean is values[0] and variance is values[1]
    mean, variance = StatisticsSmoother(0.0)("residual.0.norm1", *values)
    assert mean is values[0] and variance is values[1]


def test_smoother_state_across_calls_equals_one_call():
    whole = StatisticsSmoother(0.7, cuts=frozenset({3}), layers=frozenset({"a"}))("a", *_stats([1, 5, 2, 8, 3]))
    split = StatisticsSmoother(0.7, cuts=frozenset({3}), layers=frozenset({"a"}))
    first, second = split("a", *_stats([1, 5])), split("a", *_stats([2, 8, 3]))
    torch.testing.assert_close(torch.cat([first[0], second[0]]), whole[0])
    torch.testing.assert_close(torch.cat([first[1], second[1]]), whole[1])


@pytest.mark.parametrize("alpha", [-0.1, 1.0, 1.5])
def test_strength_outside_zero_to_one_is_refused(alpha):
    with pytest.raises(InputError, match="feature_smoothing"):
        StatisticsSmoother(alpha)


def test_smoothed_layers_are_the_norms_of_the_network(transformer):
    assert norm_layers(transformer) == SMOOTHED_LAYERS


def test_zero_strength_replacement_is_the_network_bit_for_bit(transformer):
    content = torch.rand(3, 3, 20, 24, generator=torch.Generator().manual_seed(4))
    embedding = torch.randn(1, 100, generator=torch.Generator().manual_seed(5))
    smoother = StatisticsSmoother(0.0)
    with torch.inference_mode():
        plain = transformer(content.clone(), embedding)
        with smoothed_norms(transformer, smoother):
            replaced = transformer(content.clone(), embedding)
    assert torch.equal(plain, replaced)
    assert smoother.layers_seen == frozenset(SMOOTHED_LAYERS)


def test_replacement_smooths_within_the_block_and_is_undone_after(transformer):
    content = torch.rand(3, 3, 20, 24, generator=torch.Generator().manual_seed(6))
    embedding = torch.randn(1, 100, generator=torch.Generator().manual_seed(7))
    with torch.inference_mode():
        plain = transformer(content.clone(), embedding)
        with smoothed_norms(transformer, StatisticsSmoother(0.8)):
            smoothed = transformer(content.clone(), embedding)
        after = transformer(content.clone(), embedding)
    # The first frame has no predecessor: its own statistics, the network's output up to the order of rounding.
    torch.testing.assert_close(smoothed[:1], plain[:1], rtol=1e-5, atol=1e-6)
    assert (smoothed[1:] - plain[1:]).abs().max() > 1e-3
    assert torch.equal(after, plain)
    assert all("forward" not in vars(module) for module in transformer.modules()
               if isinstance(module, ConditionalInstanceNorm2d))
