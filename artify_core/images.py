"""Reading style images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from artify_core.errors import ImageError


def load_image(path: str | Path) -> np.ndarray:
    """Reads an image as RGB uint8 (H, W, 3); EXIF orientation applied, alpha dropped."""
    path = Path(path)
    if not path.exists():
        raise ImageError(f"{path}: no such file")
    if not path.is_file():
        raise ImageError(f"{path}: not a regular file")
    try:
        with Image.open(path) as image:
            from PIL import ImageOps

            upright = ImageOps.exif_transpose(image)
            pixels = np.asarray(upright.convert("RGB"))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"{path}: not a readable image ({exc.__class__.__name__}: {exc})") from exc
    if pixels.shape[0] < 8 or pixels.shape[1] < 8:
        raise ImageError(f"{path}: image is {pixels.shape[1]}x{pixels.shape[0]}, too small to use as a style")
    return pixels


def save_image(pixels: np.ndarray, path: str | Path) -> Path:
    """Writes RGB uint8 (H, W, 3) as PNG/JPEG by suffix."""
    Image.fromarray(pixels).save(path)
    return Path(path)
