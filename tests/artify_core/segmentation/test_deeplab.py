"""DeepLab masks: mechanics with a randomly initialised network, and the weights' error paths.

No test downloads weights: random initialisation stands in for them, and the
download itself is made to fail as it does on a machine without network.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from artify_core.errors import InputError, WeightsUnavailableError
from artify_core.segmentation.masks import load_mask_source
from artify_core.segmentation.masks.deeplab import WEIGHTS_ENV, DeepLabMasks, deeplab


@pytest.fixture(scope="module")
def random_lraspp() -> torch.nn.Module:
    from torchvision.models.segmentation import lraspp_mobilenet_v3_large

    torch.manual_seed(0)
    return lraspp_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=21)


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No cached weights and a download that fails the way it does without network."""
    import urllib.error

    monkeypatch.delenv(WEIGHTS_ENV, raising=False)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))

    def no_network(*args, **kwargs):
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", no_network)


def test_random_network_gives_masks_of_the_frames_shape(random_lraspp):
    source = deeplab(network=random_lraspp, work_height=64)
    frames = np.random.default_rng(0).integers(0, 256, (3, 50, 70, 3), dtype=np.uint8)
    masks = source.masks(frames)
    assert isinstance(source, DeepLabMasks)
    assert masks.shape == (3, 50, 70) and masks.dtype == np.float32
    assert 0.0 <= masks.min() and masks.max() <= 1.0


def test_masks_are_the_chosen_classes_probability(random_lraspp):
    frames = np.random.default_rng(1).integers(0, 256, (1, 40, 40, 3), dtype=np.uint8)
    person = deeplab(network=random_lraspp, classes=["person"], work_height=40).masks(frames)
    everything = deeplab(network=random_lraspp, classes=_all_classes(), work_height=40).masks(frames)
    assert np.all(person < everything)
    # At the network's own size nothing is resized: the mask is 1 − p(background) of ImageNet-normalised input.
    pixels = torch.from_numpy(frames).permute(0, 3, 1, 2).float() / 255.0
    mean, std = torch.tensor([0.485, 0.456, 0.406]), torch.tensor([0.229, 0.224, 0.225])
    with torch.inference_mode():
        logits = random_lraspp.eval()((pixels - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1))["out"]
    np.testing.assert_allclose(everything, 1.0 - logits.softmax(1)[:, 0].numpy(), atol=1e-5)


def _all_classes() -> list[str]:
    from torchvision.models.segmentation import LRASPP_MobileNet_V3_Large_Weights

    return LRASPP_MobileNet_V3_Large_Weights.DEFAULT.meta["categories"][1:]


def test_weights_none_builds_a_random_network_through_the_registry():
    source = load_mask_source("deeplab", weights=None, classes="person,dog", work_height=32)
    assert source.class_ids == [15, 12]
    assert source.masks(np.zeros((1, 32, 48, 3), np.uint8)).shape == (1, 32, 48)


def test_unknown_class_lists_the_known_ones():
    with pytest.raises(InputError, match="unknown segmentation classes \\['unicorn'\\].*person"):
        deeplab(weights=None, classes=["person", "unicorn"])


def test_missing_weights_error_names_the_env_var_and_the_cache(offline, tmp_path):
    with pytest.raises(WeightsUnavailableError) as caught:
        deeplab()
    message = str(caught.value)
    assert WEIGHTS_ENV in message and "lraspp_mobilenet_v3_large-d234d4ea.pth" in message
    assert str(tmp_path / "hub" / "checkpoints") in message and "could not be downloaded" in message


def test_env_var_naming_a_missing_file_is_reported(monkeypatch, tmp_path):
    monkeypatch.setenv(WEIGHTS_ENV, str(tmp_path / "missing.pth"))
    with pytest.raises(WeightsUnavailableError, match=f"\\${WEIGHTS_ENV} names .*missing.pth, which is not a file"):
        deeplab()


def test_weights_file_named_by_the_env_var_are_loaded(offline, monkeypatch, tmp_path, random_lraspp):
    path = tmp_path / "copied.pth"
    torch.save(random_lraspp.state_dict(), path)
    monkeypatch.setenv(WEIGHTS_ENV, str(path))
    frames = np.random.default_rng(2).integers(0, 256, (1, 40, 56, 3), dtype=np.uint8)
    with pytest.raises(WeightsUnavailableError, match="does not start with"):
        deeplab(work_height=40)  # not the file torchvision published: its digest is checked
    loaded = deeplab(work_height=40, verify=False).masks(frames)
    np.testing.assert_allclose(loaded, deeplab(network=random_lraspp, work_height=40).masks(frames), atol=1e-6)
