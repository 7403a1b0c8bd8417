"""Tiled inference: whole-frame instance-norm statistics, exact against the untiled network."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from artify_core.errors import InputError
from artify_core.memory import MemoryBudget, model_pass, stream_frames
from artify_core.models.arbitrary.networks import StyleTransferNetwork
from artify_core.models.arbitrary.tiling import stylize_tiled


@pytest.mark.parametrize("size", [(70, 93), (64, 64), (37, 130)], ids=["odd", "square", "wide"])
def test_tiled_equals_untiled_with_random_weights(size):
    torch.manual_seed(0)
    network = StyleTransferNetwork().eval()
    content, embedding = torch.rand(2, 3, *size), torch.randn(2, 100)
    with torch.inference_mode():
        whole = network(content.clone(), embedding)
        tiled = stylize_tiled(network, content, embedding, strip_bytes=20_000)  # many strips per layer
    assert tiled.shape == whole.shape
    assert (tiled - whole).abs().max().item() < 1e-4


def test_per_strip_statistics_would_show_steps():
    # The reason for whole-frame statistics: a network run on two halves separately differs.
    torch.manual_seed(1)
    network = StyleTransferNetwork().eval()
    content = torch.rand(1, 3, 64, 96)
    content[:, :, :32] *= 0.3  # a dark top half, a bright bottom half
    with torch.inference_mode():
        embedding = torch.randn(1, 100)
        whole = network(content.clone(), embedding)
        halves = torch.cat([network(content[:, :, :32].clone(), embedding),
                            network(content[:, :, 32:].clone(), embedding)], dim=2)
        tiled = stylize_tiled(network, content, embedding, strip_bytes=5_000)
    assert (halves - whole).abs().mean() > 50 * (tiled - whole).abs().mean()


@pytest.mark.parametrize("size,budget,expected", [
    ((640, 272), 2**30, (8, False)), ((1920, 1080), 2**30, (3, False)), ((1920, 1080), 3 * 2**30 // 2, (4, False)),
    ((3840, 2160), 3 * 2**30 // 2, (1, False)), ((3840, 2160), 2**30, (1, True)), ((7680, 4320), 2**30, (1, True)),
    ((3840, 2160), 6 * 2**30, (4, False)),
])
def test_model_pass_follows_the_frame_size(size, budget, expected):
    plan = model_pass(*size, budget, 8)
    assert (plan.frames, plan.tiled) == expected


def test_stream_batches_shrink_with_the_frame():
    budget = MemoryBudget().resolve("cpu")
    assert [stream_frames(w, h, budget) for w, h in ((640, 272), (1920, 1080), (3840, 2160), (7680, 4320))] == \
        [8, 3, 1, 1]
    with pytest.raises(InputError, match="at least 256 MiB"):
        MemoryBudget(2**20)


@pytest.mark.slow
def test_model_tiles_a_frame_over_its_budget_with_the_same_result(weights_dir, media_pixels):
    from artify_core.models import load_model
    from artify_core.models.base import StyleImage

    frame = np.ascontiguousarray(np.tile(media_pixels("images/fei.jpg")[:360, :480], (4, 3, 1))[None, :1280, :1280])
    whole = load_model("arbitrary", device="cpu", precision="fp32", backend="torch")
    small = load_model("arbitrary", device="cpu", precision="fp32", memory_budget=256 * 2**20, backend="torch")
    assert model_pass(1280, 1280, small.memory_bytes, 8).tiled
    style = whole.prepare_style([StyleImage(media_pixels("style/wave.jpg"))])
    difference = np.abs(whole.stylize(frame, style).astype(int) - small.stylize(frame, style).astype(int))
    assert difference.mean() < 0.05 and difference.max() <= 1
