"""Reading style images; thumbnails, labelled sheets and compact encodings of pictures."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

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


_PAD = 8
_LINE = 14  # the default bitmap font is about 11 px high


def labelled_grid(cells: Sequence[tuple[np.ndarray, Sequence[str]]], *, thumb_width: int = 240,
                  columns: int = 4) -> np.ndarray:
    """One picture of thumbnails with text under each: ``cells`` are (RGB uint8 (H, W, 3), lines).

    Returns RGB uint8 (H', W', 3) on white, ``columns`` cells a row.
    """
    font = ImageFont.load_default()
    rendered = [_cell(pixels, lines, thumb_width, font) for pixels, lines in cells]
    if not rendered:
        return np.full((2 * _PAD + _LINE, thumb_width + 2 * _PAD, 3), 255, np.uint8)
    columns = max(1, min(columns, len(rendered)))
    rows = -(-len(rendered) // columns)
    cell_w, cell_h = thumb_width + 2 * _PAD, max(c.height for c in rendered)
    sheet = Image.new("RGB", (columns * cell_w, rows * cell_h), "white")
    for index, cell in enumerate(rendered):
        sheet.paste(cell, ((index % columns) * cell_w, (index // columns) * cell_h))
    return np.asarray(sheet)


def _cell(pixels: np.ndarray, lines: Sequence[str], width: int, font) -> Image.Image:
    pixels = np.asarray(pixels)
    height = max(1, round(pixels.shape[0] * width / pixels.shape[1]))
    thumb = Image.fromarray(pixels).resize((width, height), Image.LANCZOS)
    cell = Image.new("RGB", (width + 2 * _PAD, height + 2 * _PAD + _LINE * len(lines)), "white")
    cell.paste(thumb, (_PAD, _PAD))
    draw = ImageDraw.Draw(cell)
    for k, line in enumerate(lines):
        draw.text((_PAD, _PAD + height + 2 + k * _LINE), line, fill="black", font=font)
    return cell


def jpeg_bytes(pixels: np.ndarray, *, max_width: int = 1280, quality: int = 82) -> bytes:
    """RGB uint8 (H, W, 3) as a JPEG no wider than ``max_width`` (aspect kept)."""
    image = Image.fromarray(np.asarray(pixels))
    if image.width > max_width:
        image = image.resize((max_width, max(1, round(image.height * max_width / image.width))), Image.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def compact_jpeg(pixels: np.ndarray, *, max_bytes: int, max_width: int = 1280) -> bytes:
    """The largest JPEG of ``pixels`` (width halving from ``max_width``) within ``max_bytes``."""
    width = max_width
    while True:
        data = jpeg_bytes(pixels, max_width=width)
        if len(data) <= max_bytes or width <= 160:
            return data
        width //= 2


def data_uri(data: bytes, mime: str = "image/jpeg") -> str:
    """``data:<mime>;base64,…``: a picture a web page can show without fetching anything."""
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"
