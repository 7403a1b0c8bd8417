"""The model registry: names users type → builders."""

from __future__ import annotations

import pytest

from artify_core.errors import InputError
from artify_core.models import MODEL_BUILDERS, load_model
from artify_core.models.base import StyleEmbeddingModel


def test_arbitrary_is_registered():
    assert "arbitrary" in MODEL_BUILDERS


def test_unknown_model_lists_the_known_ones():
    with pytest.raises(InputError, match=r"unknown model 'picasso'.*arbitrary"):
        load_model("picasso")


def test_load_model_passes_options_to_the_builder(weights_dir):
    model = load_model("arbitrary", device="cpu", precision="fp32", batch_size=2)
    assert isinstance(model, StyleEmbeddingModel) and model.batch_size == 2
