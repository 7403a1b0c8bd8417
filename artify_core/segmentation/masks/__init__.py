"""Foreground mask sources, registered by the name users type.

``motion``: background subtraction for static cameras (classical, no weights).
``deeplab``: torchvision's semantic segmentation (LR-ASPP or DeepLabV3), for
chosen classes. ``file:PATH``: masks made elsewhere, a mask video or a folder
of PNGs. Builders import their implementation on first use, so listing the
sources does not import torch.
"""

from __future__ import annotations

from typing import Any, Callable

from artify_core.errors import InputError
from artify_core.segmentation.masks.base import MaskSource


def _motion(**kwargs: Any) -> MaskSource:
    from artify_core.segmentation.masks.motion import motion

    return motion(**kwargs)


def _deeplab(**kwargs: Any) -> MaskSource:
    from artify_core.segmentation.masks.deeplab import deeplab

    return deeplab(**kwargs)


def _file(**kwargs: Any) -> MaskSource:
    from artify_core.segmentation.masks.file import file_masks

    return file_masks(**kwargs)


MASK_SOURCES: dict[str, Callable[..., MaskSource]] = {"motion": _motion, "deeplab": _deeplab, "file": _file}


def load_mask_source(spec: str, **kwargs: Any) -> MaskSource:
    """Builds the source a user named: ``motion``, ``deeplab`` or ``file:PATH``, with builder keywords."""
    name, _, argument = spec.partition(":")
    builder = MASK_SOURCES.get(name)
    if builder is None:
        raise InputError(f"unknown mask source {spec!r}; use one of: motion, deeplab, file:PATH")
    if name == "file":
        if not argument:
            raise InputError("mask source 'file' needs a path: file:PATH (a mask video or a folder of PNGs)")
        return builder(path=argument, **kwargs)
    if argument:
        raise InputError(f"mask source {name!r} takes no ':' argument; got {spec!r}")
    return builder(**kwargs)


__all__ = ["MASK_SOURCES", "MaskSource", "load_mask_source"]
