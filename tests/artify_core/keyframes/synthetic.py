"""Generated footage for keyframe tests: textured "looks", shots that zoom or pan over
them, hard cuts and cross-fades with known ground truth."""

from __future__ import annotations

import numpy as np
from PIL import Image

HEIGHT, WIDTH = 72, 128


def look(seed: int, height: int = HEIGHT, width: int = WIDTH) -> np.ndarray:
    """A smooth random texture with its own palette: RGB uint8 (2*height, 2*width, 3)."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:2 * height, 0:2 * width] / (2.0 * height)
    channels = []
    for base in rng.uniform(0.15, 0.85, size=3):
        wave = sum(rng.uniform(0.05, 0.2) * np.sin(2 * np.pi * (rng.uniform(0.5, 4) * xs + rng.uniform(0.5, 4) * ys)
                                                  + rng.uniform(0, 2 * np.pi)) for _ in range(4))
        channels.append(np.clip(base + wave, 0, 1))
    return (np.stack(channels, axis=-1) * 255).astype(np.uint8)


def shot(texture: np.ndarray, frames: int, *, zoom: float = 0.0, pan: float = 0.0, noise: float = 2.0,
         seed: int = 0, height: int = HEIGHT, width: int = WIDTH) -> np.ndarray:
    """Frames (frames, height, width, 3) uint8 of a camera over ``texture``: the view
    narrows by ``zoom`` (fraction) and slides right by ``pan`` (fraction of the width)
    over the shot, with Gaussian sensor noise of ``noise`` grey levels."""
    rng = np.random.default_rng(seed)
    th, tw = texture.shape[:2]
    image = Image.fromarray(texture)
    out = np.empty((frames, height, width, 3), np.uint8)
    for t in range(frames):
        progress = t / max(frames - 1, 1)
        scale = 1.0 - zoom * progress
        ch, cw = th * 0.5 * scale, tw * 0.5 * scale
        cx = tw / 2 + pan * progress * tw / 2
        cy = th / 2
        box = (cx - cw / 2, cy - ch / 2, cx + cw / 2, cy + ch / 2)
        view = np.asarray(image.resize((width, height), Image.BILINEAR, box=box), np.float32)
        out[t] = np.clip(view + rng.normal(0, noise, view.shape), 0, 255).astype(np.uint8)
    return out


def crossfade(first: np.ndarray, second: np.ndarray, start: int, length: int) -> np.ndarray:
    """``first`` until ``start``, then ``length`` mixed frames, then ``second``.

    ``first`` must have at least start + length frames; ``second`` is aligned so its
    frame 0 is output frame ``start``. Mixed frame k has weight (k + 1) / (length + 1) of
    ``second``, so the ramp's middle is frame start + (length - 1) / 2.
    """
    total = start + len(second)
    out = np.empty((total,) + first.shape[1:], np.uint8)
    out[:start] = first[:start]
    weights = (np.arange(length) + 1.0) / (length + 1.0)
    mixed = (1 - weights[:, None, None, None]) * first[start:start + length] + weights[:, None, None, None] * second[:length]
    out[start:start + length] = np.round(mixed).astype(np.uint8)
    out[start + length:] = second[length:]
    return out


def batches(frames: np.ndarray, size: int = 32):
    """Yields ``frames`` in batches, as a decoder would."""
    for i in range(0, len(frames), size):
        yield frames[i:i + size]
