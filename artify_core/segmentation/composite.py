"""Compositing a stylized foreground over a stylized background: the five modes, as pure functions.

Every function takes RGB uint8 frames (N, H, W, 3), float32 foreground masks
(N, H, W) in [0, 1] and one ``Stylize`` callable per layer, and returns RGB
uint8 (N, H, W, 3). A layer given as None keeps the original pixels. A
callable receives (N, h, w, 3) uint8 whose row i derives from frame i (so
per-frame styles stay aligned) and returns the same shape.

The modes, by the name users type (``COMPOSITE_MODES``, with one line of help
each in ``COMPOSITE_MODE_HELP``):

* ``hard``: each pixel from one layer, foreground where the mask is >= 0.5.
* ``feather``: the hard mask blurred, so layers cross-fade over ``radius``
  pixels on each side of the edge and nowhere else.
* ``blur``: instead of cutting the subject out, each layer is stylized from
  the frame with the *other* layer blurred, so the network sees a whole
  picture without the other layer's detail, and strokes do not stop at a hard
  cut; composited with the feathered mask.
* ``resize``: each layer's bounding box (widened to the frame's aspect ratio,
  so strokes are not stretched) is resized to the full frame, stylized, and
  resized back into place: a small subject gets the stroke scale of a frame.
  Boxes come from each frame alone, or steady along a shot from ``crops.CropBoxFilter``.
* ``inpaint``: the background layer is stylized from the frame with the
  subject's region inpainted (``inpaint``: classical, or the shot's
  background plate), so its strokes do not outline the subject; the
  foreground layer sees the frame (or, optionally, the background region
  inpainted from the subject); composited with the feathered mask.

The cost of each mode (``bench/bench_segmented.py``): docs/models.md.
"""

from __future__ import annotations

from typing import Callable, Sequence

import cv2
import numpy as np

from artify_core.errors import InputError
from artify_core.segmentation.crops import Box, layer_box
from artify_core.segmentation.inpaint import InpaintMethod, inpaint_frames
from artify_core.segmentation.modes import COMPOSITE_MODES, DEFAULT_BLUR_SIGMA, DEFAULT_RADIUS, CompositeMode  # noqa: F401

Stylize = Callable[[np.ndarray], np.ndarray]


def hard_alpha(masks: np.ndarray) -> np.ndarray:
    """Foreground weight {0, 1}, float32 (N, H, W): the mask thresholded at 0.5."""
    return (masks >= 0.5).astype(np.float32)


def feather_alpha(masks: np.ndarray, radius: int) -> np.ndarray:
    """Foreground weight float32 (N, H, W) in [0, 1]: the hard mask blurred within ``radius`` pixels.

    A Gaussian truncated to a (2·radius + 1)² kernel: values strictly between
    0 and 1 occur only within ``radius`` pixels (Chebyshev) of the hard edge.
    """
    alpha = hard_alpha(masks)
    if radius <= 0:
        return alpha
    side = 2 * radius + 1
    blurred = np.stack([cv2.GaussianBlur(a, (side, side), radius / 2.0, borderType=cv2.BORDER_REPLICATE)
                        for a in alpha])
    # Float rounding of the kernel's sum leaves 0.9999999 where the window is all foreground.
    blurred[blurred > 1.0 - 1e-5] = 1.0
    blurred[blurred < 1e-5] = 0.0
    return blurred


def blend_layers(foreground: np.ndarray, background: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """alpha·foreground + (1 - alpha)·background, rounded: uint8 (N, H, W, 3) ×2, float (N, H, W) → uint8.

    Pixels with alpha exactly 0 or 1 are copied; only the band in between is
    computed in floating point (a few percent of a frame when feathering).
    """
    out = background.copy()
    inside = (alpha >= 1.0).view(np.uint8)
    for i in range(len(out)):
        cv2.copyTo(foreground[i], inside[i], out[i])  # ~2x np.copyto with a broadcast mask
    band = np.flatnonzero((alpha > 0.0) & (alpha < 1.0))  # flat indices: faster than boolean masks
    if band.size:
        a = alpha.reshape(-1)[band][:, None]
        fg, bg = foreground.reshape(-1, 3)[band].astype(np.float32), background.reshape(-1, 3)[band]
        out.reshape(-1, 3)[band] = np.clip(np.rint(bg + a * (fg - bg)), 0, 255).astype(np.uint8)
    return out


def composite_hard(frames: np.ndarray, masks: np.ndarray, foreground: Stylize | None,
                   background: Stylize | None) -> np.ndarray:
    """Strict edges: each pixel is exactly the pixel of one layer."""
    check(frames, masks)
    inside = masks >= 0.5
    return np.where(inside[..., None], _apply(foreground, frames), _apply(background, frames))


def composite_feather(frames: np.ndarray, masks: np.ndarray, foreground: Stylize | None,
                      background: Stylize | None, *, radius: int = DEFAULT_RADIUS) -> np.ndarray:
    """Blurred edges: layers cross-fade within ``radius`` pixels of the edge."""
    check(frames, masks)
    return blend_layers(_apply(foreground, frames), _apply(background, frames), feather_alpha(masks, radius))


def composite_blur(frames: np.ndarray, masks: np.ndarray, foreground: Stylize | None,
                   background: Stylize | None, *, radius: int = DEFAULT_RADIUS,
                   sigma: float = DEFAULT_BLUR_SIGMA) -> np.ndarray:
    """Each layer stylized from the frame with the other layer blurred (Gaussian ``sigma`` pixels)."""
    check(frames, masks)
    alpha = feather_alpha(masks, radius)
    blurred = blur_frames(frames, sigma)
    fg_input = blend_layers(frames, blurred, alpha)
    bg_input = blend_layers(blurred, frames, alpha)
    fg = frames if foreground is None else _checked(foreground(fg_input), frames)
    bg = frames if background is None else _checked(background(bg_input), frames)
    return blend_layers(fg, bg, alpha)


def composite_resize(frames: np.ndarray, masks: np.ndarray, foreground: Stylize | None,
                     background: Stylize | None, *, radius: int = DEFAULT_RADIUS,
                     boxes: tuple[Sequence[Box | None], Sequence[Box | None]] | None = None) -> np.ndarray:
    """Each layer's bounding box resized to the full frame, stylized, and resized back into place.

    ``boxes``: (foreground, background) boxes per frame, each holding its
    layer's region (``resize_regions``), e.g. steady ones from
    ``crops.CropBoxFilter``; None for each frame's own (``layer_box``). A None
    box means an empty region.
    """
    check(frames, masks)
    alpha = feather_alpha(masks, radius)
    regions = resize_regions(alpha)
    margin = resize_margin(radius)
    if boxes is None:
        aspect = frames.shape[2] / frames.shape[1]
        boxes = tuple([layer_box(region, aspect, margin) for region in layer] for layer in regions)
    fg = _zoomed(frames, boxes[0], foreground)
    bg = _zoomed(frames, boxes[1], background)
    return blend_layers(fg, bg, alpha)


def resize_regions(alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each layer shows, bool (N, H, W) ×2 (foreground, background), from the feathered weight."""
    return alpha > 0.0, alpha < 1.0


def resize_margin(radius: int) -> int:
    """Pixels a ``resize`` box leaves around its layer's region: room for the resampling kernels."""
    return radius + 2


def composite_inpaint(frames: np.ndarray, masks: np.ndarray, foreground: Stylize | None,
                      background: Stylize | None, *, radius: int = DEFAULT_RADIUS, method: InpaintMethod = "telea",
                      background_input: np.ndarray | None = None, fill_foreground: bool = False) -> np.ndarray:
    """Each layer stylized from the frame with the other layer's region inpainted; feathered merge.

    The background layer sees the subject's region, grown by ``radius``
    (``inpaint_holes``), filled from the background: classically by
    ``method``, or as given in ``background_input`` (RGB uint8 (N, H, W, 3),
    e.g. from ``inpaint.BackgroundPlate``, which fills from other frames). So
    its strokes run on behind the subject instead of drawing its outline in
    the background's style, which the feathered band would show as a seam.

    With ``fill_foreground`` the foreground layer sees the background region
    filled from the subject's pixels. Off by default: on bigbuckbunny a subject
    on a smooth fill came out with harsher texture (the network normalises
    with the statistics of the whole picture), and the fill, which follows the
    mask's outline, made the subject flicker (``bench/bench_segmented.py``).
    """
    check(frames, masks)
    fg_hole, bg_hole = inpaint_holes(masks, radius)
    fg_input = inpaint_frames(frames, fg_hole, method=method) if fill_foreground else frames
    fg = None if foreground is None else _checked(foreground(fg_input), frames)
    if background is not None and background_input is None:
        background_input = inpaint_frames(frames, bg_hole, method=method)
    bg = None if background is None else _checked(background(background_input), frames)
    return blend_layers(frames if fg is None else fg, frames if bg is None else bg, feather_alpha(masks, radius))


def inpaint_holes(masks: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
    """(foreground layer's hole, background layer's hole), bool (N, H, W) each.

    The foreground's hole is the background (mask < 0.5). The background's is
    the subject grown by ``radius`` pixels: a mask's outline is uncertain by a
    few pixels, and the subject's rim left in the background layer would be
    stylized into a ghost outline in the feathered band.
    """
    inside = hard_alpha(masks).astype(np.uint8)
    if radius <= 0:
        grown = inside
    else:
        disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
        grown = np.stack([cv2.dilate(m, disk) for m in inside]) if len(inside) else inside
    return inside == 0, grown > 0


def composite(frames: np.ndarray, masks: np.ndarray, foreground: Stylize | None, background: Stylize | None,
              *, mode: CompositeMode = "feather", radius: int = DEFAULT_RADIUS,
              blur_sigma: float = DEFAULT_BLUR_SIGMA, inpaint_method: InpaintMethod = "telea",
              fill_foreground: bool = False) -> np.ndarray:
    """Dispatches to ``composite_<mode>``, each frame on its own (no state along time): ``radius`` is
    ignored by ``hard``, ``blur_sigma`` used by ``blur``, ``inpaint_method`` and ``fill_foreground``
    by ``inpaint``."""
    if mode == "hard":
        return composite_hard(frames, masks, foreground, background)
    if mode == "feather":
        return composite_feather(frames, masks, foreground, background, radius=radius)
    if mode == "blur":
        return composite_blur(frames, masks, foreground, background, radius=radius, sigma=blur_sigma)
    if mode == "resize":
        return composite_resize(frames, masks, foreground, background, radius=radius)
    if mode == "inpaint":
        return composite_inpaint(frames, masks, foreground, background, radius=radius, method=inpaint_method,
                                 fill_foreground=fill_foreground)
    raise InputError(f"unknown composite mode {mode!r}; use one of: {', '.join(COMPOSITE_MODES)}")


def blur_frames(frames: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of RGB uint8 (N, H, W, 3) frames, ``sigma`` in pixels.

    Large sigmas blur a frame downsampled by about sigma/3 and upsample it:
    the result differs from a full-size blur by about one grey level (it only
    feeds the stylizer) at a fraction of the cost (130 → 15 ms at 720p, sigma 12).
    """
    factor = max(1, int(sigma // 3))
    height, width = frames.shape[1:3]
    small = (max(1, width // factor), max(1, height // factor))
    out = np.empty_like(frames)
    for i, frame in enumerate(frames):
        reduced = frame if factor == 1 else cv2.resize(frame, small, interpolation=cv2.INTER_AREA)
        blurred = cv2.GaussianBlur(reduced, (0, 0), sigma / factor, borderType=cv2.BORDER_REFLECT)
        out[i] = blurred if factor == 1 else cv2.resize(blurred, (width, height), interpolation=cv2.INTER_LINEAR)
    return out


def _zoomed(frames: np.ndarray, boxes: Sequence[Box | None], stylize: Stylize | None) -> np.ndarray:
    """Frames with each box replaced by its stylized zoom; outside the boxes, the frames."""
    if stylize is None:
        return frames
    frame_h, frame_w = frames.shape[1:3]
    # An empty region still gets a crop (the whole frame) so the callable sees one row per frame.
    boxes = [box or (0, 0, frame_h, frame_w) for box in boxes]
    crops = np.stack([cv2.resize(np.ascontiguousarray(f[t:t + h, l:l + w]), (frame_w, frame_h),
                                 interpolation=cv2.INTER_CUBIC) for f, (t, l, h, w) in zip(frames, boxes)])
    styled = _checked(stylize(crops), crops)
    out = frames.copy()
    for i, (t, l, h, w) in enumerate(boxes):
        shrink = cv2.INTER_AREA if h < frame_h else cv2.INTER_LINEAR
        out[i, t:t + h, l:l + w] = cv2.resize(styled[i], (w, h), interpolation=shrink)
    return out


def _apply(stylize: Stylize | None, frames: np.ndarray) -> np.ndarray:
    return frames if stylize is None else _checked(stylize(frames), frames)


def _checked(styled: np.ndarray, like: np.ndarray) -> np.ndarray:
    if not isinstance(styled, np.ndarray) or styled.shape != like.shape or styled.dtype != np.uint8:
        found = f"{styled.dtype} {styled.shape}" if isinstance(styled, np.ndarray) else type(styled).__name__
        raise InputError(f"a layer's stylize callable must return uint8 {like.shape}; got {found}")
    return styled


def check(frames: np.ndarray, masks: np.ndarray) -> None:
    """Raises ``InputError`` unless frames are RGB uint8 (N, H, W, 3) and masks float (N, H, W)."""
    if not isinstance(frames, np.ndarray) or frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3:
        found = f"{frames.dtype} {frames.shape}" if isinstance(frames, np.ndarray) else type(frames).__name__
        raise InputError(f"frames must be RGB uint8 arrays of shape (N, H, W, 3); got {found}")
    if not isinstance(masks, np.ndarray) or masks.shape != frames.shape[:3] or masks.dtype.kind != "f":
        found = f"{masks.dtype} {masks.shape}" if isinstance(masks, np.ndarray) else type(masks).__name__
        raise InputError(f"masks must be float (N, H, W) = {frames.shape[:3]}; got {found}")
