"""Semantic-segmentation masks: torchvision's LR-ASPP or DeepLabV3 (Pascal VOC classes).

The foreground is the summed softmax probability of the chosen classes, by
default people and animals. Weights come from the file named by
``$ARTIFY_DEEPLAB_WEIGHTS`` (alone when set), else the torch hub cache, else a
download into that cache; without network and without a copied file the
error says which file to copy where. ``weights=None`` builds a randomly
initialised network (tests only: its masks are meaningless).
"""

from __future__ import annotations

from typing import Any, Literal, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from artify_core.errors import InputError
from artify_core.foundation.environment import variable
from artify_core.foundation.weights import normalization, torchvision_member, torchvision_state_dict
from artify_core.segmentation.masks.base import check_frames

WEIGHTS_SETTING = "deeplab_weights"
WEIGHTS_ENV = variable(WEIGHTS_SETTING)
DEFAULT_CLASSES: tuple[str, ...] = ("person", "bird", "cat", "cow", "dog", "horse", "sheep")
Architecture = Literal["lraspp", "deeplabv3_mobilenet", "deeplabv3_resnet50"]


def _architectures() -> dict[str, tuple[Any, Any]]:
    from torchvision.models import segmentation as seg

    return {
        "lraspp": (seg.lraspp_mobilenet_v3_large, seg.LRASPP_MobileNet_V3_Large_Weights),
        "deeplabv3_mobilenet": (seg.deeplabv3_mobilenet_v3_large, seg.DeepLabV3_MobileNet_V3_Large_Weights),
        "deeplabv3_resnet50": (seg.deeplabv3_resnet50, seg.DeepLabV3_ResNet50_Weights),
    }


class DeepLabMasks:
    """Per-frame semantic masks (``MaskSource``, stateless across frames).

    Args:
        network: a torchvision segmentation model returning ``{"out": (N, C, h, w)}`` logits.
        class_ids: channels of ``out`` that count as foreground.
        work_height: frames are resized to this many rows for the network
            (torchvision's transforms use 520), masks resized back.
        mean, std: the input normalisation of the weights' transforms.
    """

    name = "deeplab"

    def __init__(self, network: torch.nn.Module, class_ids: Sequence[int], *, device: torch.device,
                 mean: Sequence[float], std: Sequence[float], work_height: int = 520, batch_size: int = 4):
        self.network = network.to(device).eval().requires_grad_(False)
        self.class_ids, self.device = list(class_ids), device
        self.mean, self.std = tuple(mean), tuple(std)
        self.work_height, self.batch_size = work_height, batch_size

    def reset(self, start_frame: int = 0) -> None:
        """Nothing to forget: each frame is segmented on its own."""

    @torch.inference_mode()
    def masks(self, frames: np.ndarray) -> np.ndarray:
        """RGB uint8 (N, H, W, 3) → float32 (N, H, W): probability of the chosen classes."""
        check_frames(frames)
        batches = [self._batch(frames[i:i + self.batch_size]) for i in range(0, len(frames), self.batch_size)]
        return np.concatenate(batches) if batches else np.zeros(frames.shape[:3], np.float32)

    def _batch(self, frames: np.ndarray) -> np.ndarray:
        height, width = frames.shape[1:3]
        pixels = torch.from_numpy(np.array(frames)).to(self.device).permute(0, 3, 1, 2).float().div_(255.0)
        if height != self.work_height:
            size = (self.work_height, max(1, round(width * self.work_height / height)))
            pixels = F.interpolate(pixels, size=size, mode="bilinear", antialias=True, align_corners=False)
        mean = torch.tensor(self.mean, device=self.device).view(1, 3, 1, 1)
        std = torch.tensor(self.std, device=self.device).view(1, 3, 1, 1)
        logits = self.network((pixels - mean) / std)["out"]
        probability = logits.float().softmax(1)[:, self.class_ids].sum(1, keepdim=True)
        probability = F.interpolate(probability, size=(height, width), mode="bilinear", align_corners=False)
        return probability[:, 0].clamp_(0.0, 1.0).cpu().numpy()


def deeplab(
    *,
    arch: Architecture = "lraspp",
    weights: str | None = "DEFAULT",
    classes: Sequence[str] = DEFAULT_CLASSES,
    device: str | torch.device = "cpu",
    work_height: int = 520,
    batch_size: int = 4,
    network: torch.nn.Module | None = None,
    verify: bool = True,
) -> DeepLabMasks:
    """Builds the semantic mask source.

    Args:
        arch: "lraspp" (LR-ASPP MobileNetV3-Large, 3.2 M parameters, the fastest),
            "deeplabv3_mobilenet" (11 M) or "deeplabv3_resnet50" (42 M).
        weights: a member name of the architecture's torchvision weights enum
            ("DEFAULT", "COCO_WITH_VOC_LABELS_V1"), or None for random initialisation.
        classes: Pascal VOC class names counted as foreground.
        device: "cpu", "cuda", "cuda:1" … ("auto": CUDA when available).
        network: a ready network to use instead (its output channels must follow
            the VOC categories); ``weights`` is then ignored.
        verify: check a copied weight file against the sha256 prefix in
            torchvision's file name; False for a checkpoint of your own.
    """
    architectures = _architectures()
    if arch not in architectures:
        raise InputError(f"unknown segmentation architecture {arch!r}; use one of: {', '.join(architectures)}")
    builder, enum = architectures[arch]
    categories = list(enum.DEFAULT.meta["categories"])
    class_ids = _class_ids(classes, categories)
    if network is None:
        network = builder(weights=None, weights_backbone=None, num_classes=len(categories), aux_loss=None)
        if weights is not None:
            state = segmentation_state_dict(torchvision_member(enum, weights), verify=verify)
            # Released DeepLabV3 checkpoints carry the training-only auxiliary head.
            network.load_state_dict({k: v for k, v in state.items() if not k.startswith("aux_classifier.")})
    resolved = torch.device("cuda" if str(device) == "auto" and torch.cuda.is_available() else
                            "cpu" if str(device) == "auto" else device)
    mean, std = normalization(torchvision_member(enum, weights or "DEFAULT"))
    return DeepLabMasks(network, class_ids, device=resolved, mean=mean, std=std, work_height=work_height,
                        batch_size=batch_size)


def segmentation_state_dict(member: Any, *, verify: bool = True) -> dict[str, torch.Tensor]:
    """The state dict of a torchvision segmentation weights member: ``$ARTIFY_DEEPLAB_WEIGHTS``, the
    torch hub cache, or a download (``artify_core.foundation.weights.torchvision_state_dict``)."""
    return torchvision_state_dict(member, setting=WEIGHTS_SETTING, label="segmentation", verify=verify,
                                  alternative="use --mask motion or file:PATH, which need no weights")


def _class_ids(classes: Sequence[str], categories: list[str]) -> list[int]:
    if isinstance(classes, str):
        classes = [c.strip() for c in classes.split(",") if c.strip()]
    unknown = [c for c in classes if c not in categories or c == "__background__"]
    if unknown or not classes:
        known = ", ".join(c for c in categories if c != "__background__")
        raise InputError(f"unknown segmentation classes {unknown or '(none given)'}; choose from: {known}")
    return [categories.index(c) for c in classes]
