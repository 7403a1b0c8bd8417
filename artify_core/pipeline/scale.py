"""Brush-stroke size relative to the frame (``style_scale``), independent of the output size.

A feed-forward model paints strokes of a fixed size in *pixels*: the same
painting gives fine strokes on 4K and coarse ones on 360p. With a style scale
the model works on the frame resized to a working height,
``REFERENCE_HEIGHT / style_scale`` lines, whatever the output size, and its
result is resized to the output: strokes then cover the same fraction of the
frame on any output (scale 2: strokes twice as large, 0.5: half as large).
Scale 1 is the model's own stroke size on a 720-line frame.

When the working frame is smaller than the output, the upscaled painting is
soft; ``detail`` restores the content's edges at output size with a guided
filter (He et al. 2010, "Guided Image Filtering") whose guide is the
full-size content: the stylized colours are kept, their edges follow the
content's sharp ones. Compared on Big Buck Bunny (docs/images/style_scale_*.jpg)
against scaling the style image instead (zooming into the painting before the
style network sees it): the zoom changes colours and texture as much as
stroke size, because the arbitrary model's style embedding is computed on a
256-pixel square, so its stroke size barely follows; the working resolution
scales strokes exactly.
"""

from __future__ import annotations

from typing import Callable

import cv2
import numpy as np

from artify_core.foundation.stroke_scale import (  # noqa: F401  (re-exported: the style scale's geometry)
    MAX_STYLE_SCALE,
    MIN_STYLE_SCALE,
    MIN_WORKING_HEIGHT,
    REFERENCE_HEIGHT,
    check_style_scale,
    working_size,
)

# Guided-filter regularisation (on [0, 1] intensities): edges weaker than ~sqrt(eps) are smoothed.
GUIDE_EPS = 1e-3

Stylize = Callable[[np.ndarray], np.ndarray]


def stylize_at_scale(stylize: Stylize, frames: np.ndarray, style_scale: float | None, *,
                     detail: bool = True) -> np.ndarray:
    """``stylize(frames)`` with strokes sized by ``style_scale`` (None: at the frames' own size).

    frames: RGB uint8 (N, H, W, 3) → stylized RGB uint8 (N, H, W, 3). ``stylize``
    takes and returns RGB uint8 batches of one size.
    """
    if style_scale is None or len(frames) == 0:
        return stylize(frames)
    height, width = frames.shape[1:3]
    work = working_size(width, height, style_scale)
    if work == (width, height):
        return stylize(frames)
    stylized = stylize(resize_frames(frames, work))
    restored = resize_frames(stylized, (width, height))
    if detail and work[1] < height:
        restored = np.stack([guided_upsample(frame, content) for frame, content in zip(restored, frames)])
    return restored


def resize_frames(frames: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """RGB uint8 (N, H, W, 3) → (N, size[1], size[0], 3): area-averaged down, bicubic up."""
    height, width = frames.shape[1:3]
    interpolation = cv2.INTER_AREA if size[0] * size[1] < width * height else cv2.INTER_CUBIC
    return np.stack([cv2.resize(frame, size, interpolation=interpolation) for frame in frames])


def guided_upsample(stylized: np.ndarray, content: np.ndarray) -> np.ndarray:
    """The stylized frame (upscaled, soft) filtered with the content's luminance as guide.

    Both RGB uint8 (H, W, 3). Locally the output is an affine function of the
    guide fitted to the stylized colours (radius: 1 % of the height), so flat
    regions keep the painting and the content's edges come back sharp.
    """
    radius = max(2, content.shape[0] // 100)
    guide = cv2.cvtColor(content, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    target = stylized.astype(np.float32) / 255.0
    box = (2 * radius + 1, 2 * radius + 1)

    def mean(x: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(x, -1, box, borderType=cv2.BORDER_REFLECT)

    mean_guide = mean(guide)
    variance = mean(guide * guide) - mean_guide * mean_guide
    mean_target = mean(target)
    covariance = mean(guide[..., None] * target) - mean_guide[..., None] * mean_target
    slope = covariance / (variance[..., None] + GUIDE_EPS)
    offset = mean_target - slope * mean_guide[..., None]
    out = mean(slope) * guide[..., None] + mean(offset)
    return np.clip(np.rint(out * 255.0), 0, 255).astype(np.uint8)
