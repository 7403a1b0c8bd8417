"""Feature extractors whose activations define the Gatys losses.

A backbone maps an image, float in [0, 1] (N, 3, H, W), to named activations,
and stops after the deepest one asked for. Two implementations:

* ``VGG19Features``: VGG19's convolutional trunk (the paper's network), layer
  names as in the paper (``conv1_1``, ``relu4_2``, ``pool3``).
* ``MobileNetFeatures``: the MobileNet-v2 trunk of the arbitrary model's style
  prediction network, TF-slim end-point names (``layer_3/expansion_output``).
  Its weights ship with the arbitrary model, so it runs fully offline.
"""

from __future__ import annotations

import hashlib
from typing import Mapping, Sequence

import torch
from torch import Tensor, nn

from artify_core.models.arbitrary.networks import StylePredictionNetwork

# VGG19 (configuration "E" of Simonyan & Zisserman): conv layers per block.
VGG19_BLOCKS = (2, 2, 4, 4, 4)


class VGG19Features(nn.Module):
    """VGG19's ``features`` trunk with paper layer names.

    Args:
        features: torchvision ``vgg19().features`` (any weights).
        mean, std: the input normalisation the weights were trained with (read
            from their transforms: ``foundation.weights.normalization``).
        pooling: "avg" replaces max pooling by average pooling, which Gatys et
            al. found to give smoother results (better gradient flow); "max"
            keeps the trained network as it is.

    ReLUs are made out-of-place so that a ``conv*`` activation asked for is
    not overwritten by the ReLU after it.
    """

    name = "vgg19"
    default_style_layers: Mapping[str, float] = {f"relu{b}_1": 0.2 for b in range(1, 6)}
    default_content_layers: tuple[str, ...] = ("relu4_2",)

    def __init__(self, features: nn.Sequential, *, mean: Sequence[float], std: Sequence[float],
                 pooling: str = "avg"):
        super().__init__()
        if pooling not in ("avg", "max"):
            raise ValueError(f"pooling must be 'avg' or 'max'; got {pooling!r}")
        names = vgg19_layer_names()
        if len(features) != len(names):
            raise ValueError(f"expected VGG19's {len(names)} feature modules; got {len(features)}")
        modules = []
        for name, module in zip(names, features):
            if isinstance(module, nn.ReLU):
                module = nn.ReLU(inplace=False)
            elif isinstance(module, nn.MaxPool2d) and pooling == "avg":
                module = nn.AvgPool2d(kernel_size=2, stride=2)
            modules.append((name, module))
        self.layers = nn.ModuleDict(modules)
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1), persistent=False)

    @property
    def feature_layers(self) -> tuple[str, ...]:
        return tuple(self.layers.keys())

    def features(self, image: Tensor, layers: Sequence[str]) -> dict[str, Tensor]:
        """float in [0, 1], (N, 3, H, W) → ``{name: (N, C, H', W')}`` for each requested name."""
        _check_layers(layers, self.feature_layers, "VGG19")
        wanted, found = set(layers), {}
        x = (image - self.mean) / self.std
        for name, module in self.layers.items():
            x = module(x)
            if name in wanted:
                found[name] = x
                if len(found) == len(wanted):
                    break
        return {name: found[name] for name in layers}


def vgg19_layer_names() -> tuple[str, ...]:
    """``conv1_1, relu1_1, conv1_2, relu1_2, pool1, conv2_1 …, pool5``, in the order of torchvision's modules."""
    names: list[str] = []
    for block, convs in enumerate(VGG19_BLOCKS, start=1):
        for index in range(1, convs + 1):
            names += [f"conv{block}_{index}", f"relu{block}_{index}"]
        names.append(f"pool{block}")
    return tuple(names)


class MobileNetFeatures(nn.Module):
    """The arbitrary model's MobileNet-v2 style predictor, used as a feature extractor.

    Default layers: the ReLU6 expansion outputs at strides 2, 4, 8 and 16
    (and the stem), the MobileNet analogue of VGG's ``relu*_1``; content on
    the stride-8 expansion output of ``layer_7``. The predictor was trained
    on 256x256 style images in [0, 1], without mean/std normalisation.
    """

    name = "mobilenet"
    default_style_layers: Mapping[str, float] = {
        "layer_1": 0.2,
        "layer_3/expansion_output": 0.2,
        "layer_5/expansion_output": 0.2,
        "layer_8/expansion_output": 0.2,
        "layer_12/expansion_output": 0.2,
    }
    default_content_layers: tuple[str, ...] = ("layer_7/expansion_output",)

    def __init__(self, network: StylePredictionNetwork):
        super().__init__()
        self.network = network

    @property
    def feature_layers(self) -> tuple[str, ...]:
        return self.network.feature_layers

    def features(self, image: Tensor, layers: Sequence[str]) -> dict[str, Tensor]:
        """float in [0, 1], (N, 3, H, W) → ``{name: (N, C, H', W')}`` for each requested name."""
        _check_layers(layers, self.feature_layers, "MobileNet-v2")
        return self.network.features(image, layers)


def _check_layers(layers: Sequence[str], known: Sequence[str], what: str) -> None:
    unknown = [name for name in layers if name not in known]
    if unknown:
        raise ValueError(f"unknown {what} layers {unknown}; known: {', '.join(known)}")


def vgg19_features(*, weights: str | None = "DEFAULT", download: bool = True) -> tuple[VGG19Features, str]:
    """VGG19 with torchvision's weights ``weights`` (None: random), and the version naming them."""
    from torchvision.models import vgg19

    from artify_core.foundation.weights import normalization
    from artify_core.models.gatys.weights import load_vgg19_state_dict, vgg19_identity, vgg19_member

    # The input normalisation the weights were trained with (random weights: the same, for realism).
    mean, std = normalization(vgg19_member(weights or "DEFAULT"))
    if weights is None:
        features = vgg19(weights=None, progress=False).features
        return VGG19Features(features, mean=mean, std=std), f"vgg19_random@{state_digest(features)[:16]}"
    network = vgg19(weights=None, progress=False)
    network.load_state_dict(load_vgg19_state_dict(weights, download=download))
    return VGG19Features(network.features, mean=mean, std=std), vgg19_identity(weights)


def mobilenet_features(*, weights: str | None = "DEFAULT") -> tuple[MobileNetFeatures, str]:
    """The arbitrary model's style predictor with its installed weights ``weights`` (None: random),
    and the version naming them."""
    from artify_core.models.arbitrary.model import PREDICT_FILE, ArbitraryWeights, load_predictor

    if weights is None:
        predictor = StylePredictionNetwork()
        return MobileNetFeatures(predictor), f"mobilenet_random@{state_digest(predictor)[:16]}"
    predictor = load_predictor(ArbitraryWeights.resolve(weights).path(verify=True) / PREDICT_FILE)
    return MobileNetFeatures(predictor), mobilenet_identity(weights)


def mobilenet_identity(weights: str = "DEFAULT") -> str:
    """The arbitrary weights' version (their sha256 prefix), for cache keys."""
    from artify_core.models.arbitrary.model import ArbitraryWeights

    return ArbitraryWeights.resolve(weights).value.version


def state_digest(module: nn.Module) -> str:
    """sha256 of a module's state dict (names, shapes, dtypes, bytes): identifies weights built in memory."""
    digest = hashlib.sha256()
    for name, tensor in module.state_dict().items():
        digest.update(f"{name}{tuple(tensor.shape)}{tensor.dtype}".encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()
