"""The model registry: names users type → builders, versions without weights, options from signatures."""

from __future__ import annotations

import sys

import pytest

from artify_core.errors import InputError
from artify_core.models import MODELS, carries_state, load_model, model_version
from artify_core.models.base import StyleEmbeddingModel
from artify_core.settings import MODEL_GROUPS, StylizeSettings


def test_models_are_registered_and_listing_them_imports_no_torch():
    import subprocess

    code = "import sys, artify_core.models as m, artify_core.settings; print(m.MODELS.names(), 'torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "('arbitrary', 'gatys', 'segmented') False"


def test_unknown_model_lists_the_known_ones():
    with pytest.raises(InputError, match=r"unknown model 'picasso'.*arbitrary"):
        load_model("picasso")


def test_an_option_the_builder_does_not_take_is_named():
    with pytest.raises(InputError, match=r"model 'arbitrary' takes no option 'backbone'"):
        load_model("arbitrary", backbone="vgg19")


def test_load_model_passes_options_to_the_builder(weights_dir):
    model = load_model("arbitrary", device="cpu", precision="fp32", batch_size=2)
    assert isinstance(model, StyleEmbeddingModel) and model.batch_size == 2


def test_versions_without_weights_match_the_built_models(weights_dir):
    built = load_model("arbitrary", device="cpu", precision="fp32")
    assert model_version("arbitrary", device="cpu", precision="fp32") == built.version
    gatys = load_model("gatys", device="cpu", backbone="mobilenet", iterations=3)
    assert model_version("gatys", device="cpu", backbone="mobilenet", iterations=3) == gatys.version
    segmented = load_model("segmented", device="cpu", composite="hard", base_options={"precision": "fp32"})
    assert model_version("segmented", device="cpu", composite="hard",
                         base_options={"precision": "fp32"}) == segmented.version
    assert model_version("gatys", backbone="mobilenet", iterations=4) != gatys.version


def test_state_is_declared():
    assert not carries_state("arbitrary") and carries_state("gatys") and carries_state("segmented")
    # The arbitrary model carries state only with feature smoothing on.
    assert carries_state("arbitrary", feature_smoothing=0.5) and not carries_state("arbitrary", feature_smoothing=0.0)


@pytest.mark.parametrize("model", MODEL_GROUPS)
def test_each_model_group_holds_builder_options_with_the_same_defaults(model):
    """A model's settings group names only keyword arguments its builder takes (read from the
    builder's signature), and the group's defaults are the builder's."""
    group = StylizeSettings.model_fields[model].annotation
    options = MODELS.options(model)
    for name in StylizeSettings(style=["x.jpg"], model=model).model_options:
        assert name in options, f"{model} builder takes no {name!r}"
        assert group.model_fields[name].default == options[name].default, name
