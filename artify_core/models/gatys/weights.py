"""Weight sets of the Gatys backbones, described as data.

VGG19: torchvision's ImageNet weights (``VGG19_Weights.IMAGENET1K_V1``). They
are looked up, in order, in the file named by ``$ARTIFY_VGG19_WEIGHTS`` (alone
when set: an explicit choice is not second-guessed), in ``weights_home()``
(``$ARTIFY_WEIGHTS_DIR`` or torch's checkpoint cache) and in torch hub's
checkpoint directory; then, where allowed, downloaded into the latter.
MobileNet: the arbitrary model's predictor weights (``ArbitraryWeights``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch
from torchvision.models import VGG19_Weights

from artify_core.errors import WeightsUnavailableError
from artify_core.models.gatys.backbones import IMAGENET_MEAN, IMAGENET_STD
from artify_core.models.weights import Weights, WeightsEnum, sha256_file, weights_home

VGG19_WEIGHTS_ENV = "ARTIFY_VGG19_WEIGHTS"
_TORCHVISION = VGG19_Weights.IMAGENET1K_V1
VGG19_URL = _TORCHVISION.url
VGG19_FILE = Path(VGG19_URL).name
# torchvision's file names end in the first hex digits of the file's sha256
# ("vgg19-dcbb9e9d.pth"); the full digest is not published, so that prefix is
# what a file is checked against.
VGG19_SHA256_PREFIX = VGG19_FILE.rsplit("-", 1)[-1].split(".")[0]


def locate_vgg19(*, download: bool = True) -> Path:
    """The local VGG19 weight file; downloads it into torch's cache when ``download`` and none is found.

    Raises ``WeightsUnavailableError`` naming both ways to provide the file.
    """
    explicit = os.environ.get(VGG19_WEIGHTS_ENV)
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise WeightsUnavailableError(f"${VGG19_WEIGHTS_ENV} names {path}, which is not a file. "
                                          + how_to_provide_vgg19())
        return path
    hub = Path(torch.hub.get_dir()) / "checkpoints"
    for directory in dict.fromkeys([weights_home(), hub]):
        if (directory / VGG19_FILE).is_file():
            return directory / VGG19_FILE
    if not download:
        raise WeightsUnavailableError(f"VGG19 weights {VGG19_FILE} not found in {weights_home()} or {hub}, "
                                      "and downloading is off. " + how_to_provide_vgg19())
    hub.mkdir(parents=True, exist_ok=True)
    try:
        torch.hub.download_url_to_file(VGG19_URL, str(hub / VGG19_FILE), hash_prefix=VGG19_SHA256_PREFIX,
                                       progress=False)
    except (OSError, RuntimeError) as exc:  # URLError is an OSError; a hash mismatch a RuntimeError
        raise WeightsUnavailableError(f"VGG19 weights {VGG19_FILE} could not be downloaded "
                                      f"({exc.__class__.__name__}: {exc}). " + how_to_provide_vgg19()) from exc
    return hub / VGG19_FILE


def how_to_provide_vgg19() -> str:
    hub = Path(torch.hub.get_dir()) / "checkpoints"
    return (f"Either allow the download of {VGG19_URL} into the torch cache ({hub}), or copy that file to "
            f"this machine and set ${VGG19_WEIGHTS_ENV} to its path (or put it in $ARTIFY_WEIGHTS_DIR); "
            "or use backbone='mobilenet', which runs on the arbitrary model's installed weights.")


@dataclass(frozen=True)
class PrefixCheckedWeights(Weights):
    """Weights whose expected digest is known only by its first hex digits (torchvision's file names).

    ``path`` checks the prefix and ``digest`` gives the file's full sha256,
    which identifies the bytes actually loaded in cache keys.
    """

    sha256_prefix: str = ""

    def path(self, verify: bool = True) -> Path:
        return self.located(verify=verify)[0]

    def located(self, *, verify: bool = True, download: bool = True) -> tuple[Path, str]:
        """(path, full sha256 of the file); raises ``WeightsUnavailableError`` on a prefix mismatch."""
        path = self.locate(download=download)
        digest = sha256_file(path)
        if verify and not digest.startswith(self.sha256_prefix):
            raise WeightsUnavailableError(
                f"{path}: sha256 {digest[:12]}… does not start with {self.sha256_prefix}, the digest "
                f"prefix of {VGG19_FILE}; copy an intact {VGG19_FILE} (or pass verify=False for your own "
                "VGG19 checkpoint)."
            )
        return path, digest


_VGG19_IMAGENET1K_V1 = PrefixCheckedWeights(
    name="vgg19_imagenet1k_v1",
    locate=locate_vgg19,
    sha256=None,
    sha256_prefix=VGG19_SHA256_PREFIX,
    transforms=None,  # VGG19Features normalises with the ImageNet mean and std itself
    meta={
        "source": VGG19_URL,
        "origin": "torchvision.models.VGG19_Weights.IMAGENET1K_V1",
        "recipe": _TORCHVISION.meta["recipe"],
        "license": "BSD-3-Clause (torchvision)",
        "num_params": _TORCHVISION.meta["num_params"],
        "normalization": {"mean": IMAGENET_MEAN, "std": IMAGENET_STD},
    },
)


class VGG19Weights(WeightsEnum):
    """Weight sets for the Gatys VGG19 backbone."""

    IMAGENET1K_V1 = _VGG19_IMAGENET1K_V1
    DEFAULT = _VGG19_IMAGENET1K_V1  # an Enum alias of IMAGENET1K_V1


def load_vgg19_state_dict(weights: VGG19Weights = VGG19Weights.DEFAULT, *, verify: bool = True,
                          download: bool = True) -> tuple[dict[str, torch.Tensor], str]:
    """(torchvision VGG19 state dict, the file's sha256); see ``locate_vgg19``."""
    path, digest = weights.value.located(verify=verify, download=download)
    return torch.load(path, map_location="cpu", weights_only=True), digest
