"""How visible the seam between two composited layers is: edges and flicker in a band along the mask's outline.

Two layers stylized apart disagree where they meet: each draws its own
rendering of the outline (a double contour), or strokes bent around the other
layer's shape, and both move from frame to frame. Two measures, both within
``width`` pixels of the hard mask's edge (``edge_band``):

* ``seam_gradient_ratio``: mean squared luma gradient in the band over that
  in the ring just outside it (``width`` to ``3·width`` pixels from the edge,
  both sides). The strokes around the seam set the scale; 1.0 means the seam
  carries no more edge than its surroundings, more means extra edges there.
  The true outline of the subject is an edge in every mode, so compare modes
  on the same frames and masks, not against 1.0.
* ``band_warping_errors``: Lai et al.'s warping error (``metrics.warping``)
  restricted to the band, each side of the outline followed along its own
  layer's motion: inside along the content's optical flow (the subject's
  motion), outside along the background's, the median flow of the background
  far from the subject (static or panning camera; zoom and rotation are not
  modelled). The content's flow just outside a moving subject is the
  subject's motion smeared across the outline by the flow's smoothness;
  measured along it, a background that rightly stays put behind a moving
  subject would count as flicker, and strokes that cling to the subject's
  outline as steady.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from artify_core.metrics.warping import warping_error


def edge_distance(masks: np.ndarray) -> np.ndarray:
    """float32 (N, H, W): each pixel's distance in pixels to the outline of the hard mask (>= 0.5),
    measured on the side it lies on; +inf in frames without an outline."""
    out = np.full(masks.shape, np.inf, np.float32)
    for i, mask in enumerate(masks >= 0.5):
        if mask.all() or not mask.any():
            continue
        inside = mask.astype(np.uint8)
        # A pixel next to the other side is at distance 1: the outline lies between the two sides.
        out[i] = np.where(mask, cv2.distanceTransform(inside, cv2.DIST_L2, 3),
                          cv2.distanceTransform(1 - inside, cv2.DIST_L2, 3))
    return out


def edge_band(masks: np.ndarray, width: float) -> np.ndarray:
    """bool (N, H, W): pixels within ``width`` pixels of the outline of float (N, H, W) masks."""
    return edge_distance(masks) <= width


def gradient_energy(frames: np.ndarray) -> np.ndarray:
    """float32 (N, H, W): squared gradient magnitude of the luma of RGB uint8 (N, H, W, 3), in
    (grey levels per pixel)²."""
    out = np.empty(frames.shape[:3], np.float32)
    for i, frame in enumerate(frames):
        luma = cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2GRAY).astype(np.float32)
        gx = cv2.Sobel(luma, cv2.CV_32F, 1, 0, ksize=3, scale=0.125)
        gy = cv2.Sobel(luma, cv2.CV_32F, 0, 1, ksize=3, scale=0.125)
        out[i] = gx * gx + gy * gy
    return out


def seam_gradient_ratio(frames: np.ndarray, masks: np.ndarray, width: float) -> np.ndarray:
    """float64 (N,): mean gradient energy within ``width`` pixels of the masks' outline over the mean
    in the ring ``width`` to ``3·width`` pixels away; NaN in frames without an outline.

    Args:
        frames: RGB uint8 (N, H, W, 3), the composited output.
        masks: float (N, H, W) in [0, 1], the foreground masks the layers were merged with.
        width: pixels, > 0.
    """
    distance, energy = edge_distance(masks), gradient_energy(frames)
    band, ring = distance <= width, (distance > width) & (distance <= 3 * width)
    out = np.full(len(frames), np.nan)
    for i in range(len(frames)):
        if band[i].any() and ring[i].any():
            out[i] = float(energy[i][band[i]].mean() / max(energy[i][ring[i]].mean(), 1e-9))
    return out


@dataclass(frozen=True)
class SeamFlicker:
    """Warping errors (0–1 pixel scale) within a band along the outline, per pair, float64 (n,):
    ``inside`` the subject along the content's flow, ``outside`` along the background's motion."""

    inside: np.ndarray
    outside: np.ndarray


def band_warping_errors(current: np.ndarray, previous: np.ndarray, flow: np.ndarray, reliable: np.ndarray,
                        masks: np.ndarray, previous_masks: np.ndarray, width: float) -> SeamFlicker:
    """Warping error within ``width`` pixels of frame t's outline, each side along its own motion.

    Outside, frame t-1 is carried by the background's motion, the median of
    ``flow`` over background pixels more than ``5·width`` from the outline,
    and only pixels that were background in frame t-1 as well count (what the
    subject uncovers has no past to agree with). NaN where a side has no pixel.

    Args:
        current, previous: RGB uint8 (n, H, W, 3), output frames t and t-1.
        flow: float32 (n, H, W, 2), the content's flow from t to t-1.
        reliable: float32 (n, H, W) in [0, 1], where that flow is trusted.
        masks, previous_masks: float (n, H, W), the foreground masks of frames t and t-1.
        width: pixels, > 0.
    """
    distance = edge_distance(masks)
    band, inside = distance <= width, masks >= 0.5
    background_flow = np.empty_like(flow)
    for i in range(len(flow)):
        far = (distance[i] > 5 * width) & ~inside[i]
        background_flow[i] = np.median(flow[i][far], axis=0) if far.any() else 0.0
    outside = band & ~inside & (previous_masks < 0.5)
    return SeamFlicker(warping_error(current, previous, flow, reliable * (band & inside)),
                       warping_error(current, previous, background_flow, outside.astype(np.float32)))
