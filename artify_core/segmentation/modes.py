"""The names of the segmented model's ways to merge layers and to fill holes, as users type them.

Light on purpose (no OpenCV): the settings, the CLI's choices and the Prefect form read them.
"""

from __future__ import annotations

from typing import Literal, get_args

# The registry of composite modes: the names users type, in the order they are listed.
CompositeMode = Literal["hard", "feather", "blur", "resize", "inpaint"]
COMPOSITE_MODES: tuple[str, ...] = get_args(CompositeMode)
COMPOSITE_MODE_HELP: dict[str, str] = {
    "hard": "each pixel from one layer, cut along the mask",
    "feather": "the layers cross-fade over the feather radius at the mask's edge",
    "blur": "each layer stylized from the frame with the other layer blurred, then feathered",
    "resize": "each layer's box zoomed to the full frame before stylizing (small subjects keep the brush "
              "size), boxes steady along the shot, then feathered",
    "inpaint": "the background layer stylized with the subject's region inpainted (from what other frames "
               "of the shot showed there), so its strokes do not outline the subject, then feathered",
}

# Defaults of the segmented model's options, defined once (the settings, the builder and its version read them).
DEFAULT_RADIUS = 8  # feather radius, pixels
DEFAULT_BLUR_SIGMA = 12.0  # composite "blur": how much of the other layer is blurred away
DEFAULT_STABILIZE = 0.6  # how much of the previous frame's mask, carried along the flow, each mask keeps
DEFAULT_CROP_SMOOTHING = 0.8  # composite "resize": how steady the crop box is along a shot

# Classical inpainting, where no frame of the shot showed the background: OpenCV's Telea or Navier–Stokes.
InpaintMethod = Literal["telea", "ns"]
INPAINT_METHODS: tuple[str, ...] = get_args(InpaintMethod)
