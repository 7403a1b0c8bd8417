"""What identifies a segmented model without building it: its base model's version and its settings.

Torch-free, like ``models.arbitrary.spec``: cache keys are computed before any
chunk needs a model.
"""

from __future__ import annotations

from typing import Any

from artify_core.errors import InputError
from artify_core.foundation.device import device_name
from artify_core.models.bases import BASE_MODELS
from artify_core.segmentation.modes import (
    DEFAULT_BLUR_SIGMA,
    DEFAULT_CROP_SMOOTHING,
    DEFAULT_RADIUS,
    DEFAULT_STABILIZE,
    CompositeMode,
    InpaintMethod,
)

# Bump when the same base model, masks and settings would give different pixels.
# 2: steady resize boxes, the inpaint mode, GrabCut seeded on each call, chunks batched as one pass
#    batches them (pipeline.stylize: only sequences with warm-up context are affected).
CODE_VERSION = "2"
DEFAULT_STRENGTH = DEFAULT_STABILIZE


def model_version(*, device: str = "auto", base: str = "arbitrary", base_options: dict[str, Any] | None = None,
                  mask: str = "motion", composite: CompositeMode = "feather", feather_radius: int = DEFAULT_RADIUS,
                  blur_sigma: float = DEFAULT_BLUR_SIGMA, stabilize: float = DEFAULT_STRENGTH,
                  inpaint_method: InpaintMethod = "telea", temporal_inpaint: bool = True,
                  inpaint_foreground: bool = False, crop_smoothing: float = DEFAULT_CROP_SMOOTHING,
                  **_: object) -> str:
    """The version ``segmented(...)`` with these arguments would report, without loading any weights."""
    check_base(base)
    return _version(BASE_MODELS.version(base, device=device, **(base_options or {})), mask, composite,
                    feather_radius, blur_sigma, stabilize, inpaint_method, temporal_inpaint, inpaint_foreground,
                    crop_smoothing)


def check_base(base: str) -> None:
    """``InputError`` unless ``base`` names a model a segmented model can layer (``models.bases``)."""
    if base == "segmented":
        raise InputError("the segmented model cannot be its own base; use e.g. base='arbitrary'")
    BASE_MODELS.entry(base)


def _version(base_version: str, mask: str, composite: str, radius: int, blur_sigma: float, stabilize: float,
             inpaint_method: str, temporal_inpaint: bool, inpaint_foreground: bool, crop_smoothing: float) -> str:
    return (f"segmented-{CODE_VERSION}+{base_version}+mask={mask}+{composite}+r{radius}+b{blur_sigma:g}"
            f"+s{stabilize:g}+i{inpaint_method}{'-plate' if temporal_inpaint else ''}"
            f"{'-fg' if inpaint_foreground else ''}+c{crop_smoothing:g}")


def resolve_options(*, device: str = "auto", base: str = "arbitrary", base_options: dict[str, Any] | None = None,
                    **options: Any) -> dict[str, Any]:
    """The builder's options with the device, and the base model's own options, made concrete."""
    check_base(base)
    name = device_name(str(device))
    base_resolved = BASE_MODELS.resolve_options(base, device=name, **(base_options or {}))
    base_resolved.pop("device", None)
    return {**options, "device": name, "base": base, "base_options": base_resolved}
