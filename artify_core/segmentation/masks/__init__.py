"""Foreground mask sources, registered by the name users type.

``motion``: background subtraction for static cameras (classical, no weights).
``deeplab``: torchvision's semantic segmentation (LR-ASPP or DeepLabV3), for
chosen classes. ``file:PATH``: masks made elsewhere, a mask video or a folder
of PNGs. Builders are registered as ``"module:function"``, so listing the
sources does not import torch.
"""

from __future__ import annotations

from typing import Any

from artify_core.errors import InputError
from artify_core.foundation.registry import Registry
from artify_core.segmentation.masks.base import MaskSource

# ``argument``: the builder keyword that the text after "name:" fills (file:PATH), where a source takes one.
MASK_SOURCES: Registry[MaskSource] = Registry("mask source")
MASK_SOURCES.register("motion", "artify_core.segmentation.masks.motion:motion",
                      summary="moving subject, static camera")
MASK_SOURCES.register("deeplab", "artify_core.segmentation.masks.deeplab:deeplab",
                      summary="people and animals; torchvision weights")
MASK_SOURCES.register("file", "artify_core.segmentation.masks.file:file_masks",
                      summary="a mask video or PNG folder", argument="path")


def mask_choices() -> tuple[str, ...]:
    """What a user may type: each name, with ``:PATH`` where the source takes an argument."""
    return tuple(f"{name}:PATH" if MASK_SOURCES.extra(name, "argument") else name for name in MASK_SOURCES)


def mask_help() -> str:
    """The choices with their summaries, for the settings' description: ``motion (…), … or file:PATH (…)``."""
    described = [f"{choice} ({MASK_SOURCES.entry(name).summary})" for choice, name in zip(mask_choices(), MASK_SOURCES)]
    return f"{', '.join(described[:-1])} or {described[-1]}"


def parse_mask_spec(spec: str) -> tuple[str, dict[str, str]]:
    """``"file:PATH"`` → ``("file", {"path": "PATH"})``; ``InputError`` for an unknown name, a missing
    argument or one a source does not take."""
    name, _, argument = spec.partition(":")
    if name not in MASK_SOURCES:
        raise InputError(f"unknown mask source {spec!r}; use one of: {', '.join(mask_choices())}")
    keyword = MASK_SOURCES.extra(name, "argument")
    if keyword and not argument:
        raise InputError(f"mask source {name!r} needs an argument: {name}:PATH (a mask video or a folder of PNGs)")
    if argument and not keyword:
        raise InputError(f"mask source {name!r} takes no ':' argument; got {spec!r}")
    return name, ({keyword: argument} if keyword else {})


def load_mask_source(spec: str, **kwargs: Any) -> MaskSource:
    """Builds the source a user named: ``motion``, ``deeplab`` or ``file:PATH``, with builder keywords."""
    name, argument = parse_mask_spec(spec)
    return MASK_SOURCES.build(name, **argument, **kwargs)


__all__ = ["MASK_SOURCES", "MaskSource", "load_mask_source", "mask_choices", "mask_help", "parse_mask_spec"]
