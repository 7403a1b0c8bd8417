"""The Gatys backbones by the name users type, torch-free: the settings list them, cache keys
name their weights, and only building one imports torch.

A builder takes ``weights`` (a member name of the backbone's weights enum, or None for random
weights) and returns ``(feature extractor, version naming its weights)``; ``identity`` gives that
version without building it, ``features`` the extractor's class (its default layers).
"""

from __future__ import annotations

from typing import Any

from artify_core.foundation.registry import Registry, resolve

BACKBONES: Registry[Any] = Registry("Gatys backbone")
BACKBONES.register("vgg19", "artify_core.models.gatys.backbones:vgg19_features",
                   summary="the paper's network (torchvision's ImageNet weights, downloaded or from "
                           "$ARTIFY_VGG19_WEIGHTS)",
                   identity="artify_core.models.gatys.weights:vgg19_identity",
                   features="artify_core.models.gatys.backbones:VGG19Features")
BACKBONES.register("mobilenet", "artify_core.models.gatys.backbones:mobilenet_features",
                   summary="the arbitrary model's own trunk, offline",
                   identity="artify_core.models.gatys.backbones:mobilenet_identity",
                   features="artify_core.models.gatys.backbones:MobileNetFeatures")
DEFAULT_BACKBONE = "vgg19"


def backbone_identity(name: str, weights: str | None) -> str:
    """The weights' name and digest as data say them, for versions and cache keys (VGG19: the digest
    prefix in torchvision's file name, which loading checks; MobileNet: the arbitrary weights' sha256)."""
    BACKBONES.entry(name)  # an unknown name is an InputError listing the known ones
    if weights is None:
        return f"{name}_random"
    return resolve(BACKBONES.extra(name, "identity"))(weights)


def backbone_features(name: str) -> type:
    """The extractor class of backbone ``name``, which holds its default content and style layers."""
    return resolve(BACKBONES.extra(name, "features"))
