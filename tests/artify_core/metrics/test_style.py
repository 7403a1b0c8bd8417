"""Style distances with a seeded random backbone (offline; the arbitrary model's trunk is tested end to end)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from artify_core.errors import InputError
from artify_core.metrics.style import (
    embedding_distance,
    gram_distance,
    gram_matrices,
    prepare_style_target,
    resize_shorter_side,
    style_distances,
)


def test_gram_matrix_of_a_known_activation():
    activation = torch.tensor([[[[1.0, 2.0]], [[3.0, 0.0]]]])  # (1, 2, 1, 2)
    expected = torch.tensor([[[5.0, 3.0], [3.0, 9.0]]]) / (2 * 1 * 2)  # / (C·h·w), as the Gatys loss
    torch.testing.assert_close(gram_matrices([activation])[0], expected)


def test_gram_distance_is_relative_and_averaged_over_layers():
    target = [torch.eye(2), 2 * torch.eye(3)]
    grams = [torch.eye(2)[None] * 1.5, 2 * torch.eye(3)[None]]
    torch.testing.assert_close(gram_distance(grams, target), torch.tensor([0.25]))


def test_embedding_distance_is_cosine_distance():
    rows = np.array([[1.0, 0.0], [0.0, 2.0], [-3.0, 0.0]])
    np.testing.assert_allclose(embedding_distance(rows, np.array([2.0, 0.0])), [0.0, 1.0, 2.0])


def test_a_style_image_is_at_distance_zero_from_itself(backbone, make_texture):
    style = make_texture(90, 120, seed=5)
    target = prepare_style_target([style], backbone)
    distances = style_distances(style[None], target, backbone)
    np.testing.assert_allclose(distances.gram, 0.0, atol=1e-5)
    np.testing.assert_allclose(distances.embedding, 0.0, atol=1e-9)


def test_frames_nearer_the_style_score_lower(backbone, make_texture):
    style, content = make_texture(64, 64, seed=1, cell=3), make_texture(64, 96, seed=2, cell=12)
    halfway = ((style[:, :64].astype(int) + content[:, :64]) // 2).astype(np.uint8)
    frames = np.stack([content[:, :64], halfway, make_texture(64, 64, seed=3, cell=3)])
    gram = style_distances(frames, prepare_style_target([style], backbone), backbone).gram
    assert gram[2] < gram[1] < gram[0]  # same texture statistics < half mixed < different texture


def test_mixed_styles_target_the_weighted_mean(backbone, make_texture):
    first, second = make_texture(64, 64, seed=1), make_texture(64, 64, seed=2)
    target = prepare_style_target([first, second], backbone, weights=[3, 1])
    alone = [prepare_style_target([image], backbone) for image in (first, second)]
    for k, gram in enumerate(target.grams):
        torch.testing.assert_close(gram, 0.75 * alone[0].grams[k] + 0.25 * alone[1].grams[k])
    with pytest.raises(InputError, match="one non-negative number per image"):
        prepare_style_target([first], backbone, weights=[1, 1])


def test_resize_puts_any_frame_on_one_scale():
    frames = np.zeros((2, 272, 640, 3), np.uint8)
    assert resize_shorter_side(frames, 128).shape == (2, 3, 128, 301)
