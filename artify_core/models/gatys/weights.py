"""VGG19, the Gatys backbone of the paper: torchvision's ImageNet weights, found or downloaded.

The weights are looked up, in order, in the file named by ``$ARTIFY_VGG19_WEIGHTS``
(alone when set: an explicit choice is not second-guessed), in ``weights_home()``
(``$ARTIFY_WEIGHTS_DIR`` or torch's checkpoint cache) and in torch hub's checkpoint
directory; then, where allowed, downloaded into the latter
(``artify_core.foundation.weights.torchvision_state_dict``). The MobileNet backbone
uses the arbitrary model's weights (``ArbitraryWeights``).
"""

from __future__ import annotations

from typing import Any

import torch
from torchvision.models import VGG19_Weights

from artify_core.foundation.weights import digest_prefix, torchvision_member, torchvision_state_dict

from artify_core.foundation.environment import variable

VGG19_WEIGHTS_SETTING = "vgg19_weights"
VGG19_WEIGHTS_ENV = variable(VGG19_WEIGHTS_SETTING)


def vgg19_member(name: str = "DEFAULT") -> Any:
    """The member of torchvision's ``VGG19_Weights`` named ``name`` ("DEFAULT", "IMAGENET1K_V1")."""
    return torchvision_member(VGG19_Weights, name)


def vgg19_identity(name: str = "DEFAULT") -> str:
    """The weights' name and digest prefix, for cache keys: ``vgg19_imagenet1k_v1@dcbb9e9d``."""
    member = vgg19_member(name)
    return f"vgg19_{member.name.lower()}@{digest_prefix(member)}"


def load_vgg19_state_dict(name: str = "DEFAULT", *, verify: bool = True,
                          download: bool = True) -> dict[str, torch.Tensor]:
    """torchvision's VGG19 state dict; ``WeightsUnavailableError`` says how to provide the file."""
    return torchvision_state_dict(vgg19_member(name), setting=VGG19_WEIGHTS_SETTING, label="VGG19", verify=verify,
                                  download=download,
                                  alternative="use backbone='mobilenet', which runs on the arbitrary model's "
                                              "installed weights")
