"""Reading style images (any mode Pillow reads, upright, reduced when huge, refused when absurd);
thumbnails, labelled sheets and compact encodings of pictures."""

from __future__ import annotations

import base64
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError, features

from artify_core.errors import ImageError

# Longest side kept from a style image: models see far less (the arbitrary model 256 px,
# Gatys about the frame size), and a 12000 px scan would cost 340 MB per copy.
MAX_STYLE_SIDE = 4096
# Larger images are refused (Pillow itself refuses above ~179 megapixels as a decompression
# bomb); 150 megapixels is a 12000 x 12500 scan.
MAX_STYLE_PIXELS = 150_000_000


def load_image(path: str | Path, *, max_side: int | None = MAX_STYLE_SIDE) -> np.ndarray:
    """Reads an image as RGB uint8 (H, W, 3); EXIF orientation applied, alpha dropped.

    An image whose longest side exceeds ``max_side`` is reduced to it (aspect
    kept, Lanczos; JPEGs are decoded at a reduced scale directly), without
    Pillow's decompression-bomb warning; one above ``MAX_STYLE_PIXELS`` is
    refused with an ``ImageError``. ``max_side=None`` keeps the full size.
    """
    path = Path(path)
    if not path.exists():
        raise ImageError(f"{path}: no such file")
    if not path.is_file():
        raise ImageError(f"{path}: not a regular file")
    try:
        with warnings.catch_warnings():
            # We check the size ourselves below, with a message that says what to do.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                _check_size(path, image.size)
                pixels = np.asarray(_reduced_upright(image, max_side).convert("RGB"))
    except Image.DecompressionBombError as exc:
        raise ImageError(f"{path}: the image is too large to use as a style (over {MAX_STYLE_PIXELS // 10**6} "
                         "megapixels); reduce it to at most 4096 px on its longest side") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"{path}: not a readable image ({exc.__class__.__name__}: {exc})") from exc
    if pixels.shape[0] < 8 or pixels.shape[1] < 8:
        raise ImageError(f"{path}: image is {pixels.shape[1]}x{pixels.shape[0]}, too small to use as a style")
    return pixels


def _check_size(path: Path, size: tuple[int, int]) -> None:
    width, height = size
    if width * height > MAX_STYLE_PIXELS:
        raise ImageError(f"{path}: the image is {width}x{height} ({width * height / 1e6:.0f} megapixels), too large "
                         f"to use as a style (at most {MAX_STYLE_PIXELS // 10**6}); reduce it to at most "
                         f"{MAX_STYLE_SIDE} px on its longest side")


def _reduced_upright(image: Image.Image, max_side: int | None) -> Image.Image:
    """The image at most ``max_side`` on its longest side, EXIF orientation applied."""
    if max_side is not None and max(image.size) > max_side:
        scale = max_side / max(image.size)
        target = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        # JPEG: let the decoder scale by 1/2, 1/4 or 1/8 (never below the target).
        image.draft("RGB", target)
        # thumbnail works in place, so the EXIF orientation read below is still there.
        image.thumbnail(target, Image.LANCZOS, reducing_gap=3.0)
    return ImageOps.exif_transpose(image)


def save_image(pixels: np.ndarray, path: str | Path) -> Path:
    """Writes RGB uint8 (H, W, 3) as PNG/JPEG by suffix."""
    Image.fromarray(pixels).save(path)
    return Path(path)


_PAD = 8
# Labels under thumbnails: 16 px text on 20 px lines, readable in the UI at the sheet's own width.
_FONT_SIZE = 16
_LINE = 20


def label_font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """Pillow's own font at ``size`` pixels (its bitmap font, 11 px, where Pillow has no FreeType)."""
    try:
        return ImageFont.load_default(size=size)
    except ImportError:  # scalable text needs Pillow's FreeType support
        return ImageFont.load_default()


def labelled_grid(cells: Sequence[tuple[np.ndarray, Sequence[str]]], *, thumb_width: int = 240,
                  columns: int = 4) -> np.ndarray:
    """One picture of thumbnails with text under each: ``cells`` are (RGB uint8 (H, W, 3), lines).

    Returns RGB uint8 (H', W', 3) on white, ``columns`` cells a row.
    """
    font = label_font(_FONT_SIZE)
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
        draw.text((_PAD, _PAD + height + 2 + k * _LINE), fitted_text(line, width, font), fill="black", font=font)
    return cell


def fitted_text(text: str, width: int, font) -> str:
    """``text``, shortened with an ellipsis in its middle where it is wider than ``width`` pixels."""
    if font.getlength(text) <= width:
        return text
    keep = len(text)
    while keep > 2 and font.getlength(text[:keep // 2] + "…" + text[len(text) - keep // 2:]) > width:
        keep -= 1
    return text[:keep // 2] + "…" + text[len(text) - keep // 2:]


def jpeg_bytes(pixels: np.ndarray, *, max_width: int = 1280, quality: int = 82) -> bytes:
    """RGB uint8 (H, W, 3) as a JPEG no wider than ``max_width`` (aspect kept)."""
    image = Image.fromarray(np.asarray(pixels))
    if image.width > max_width:
        image = image.resize((max_width, max(1, round(image.height * max_width / image.width))), Image.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def compact_jpeg(pixels: np.ndarray, *, max_bytes: int, max_width: int = 1280) -> bytes:
    """The largest JPEG of ``pixels`` within ``max_bytes``: at each width (halving from
    ``max_width``) a lower quality is tried before a smaller width, so labels stay readable."""
    width = max_width
    while True:
        for quality in (82, 60):
            data = jpeg_bytes(pixels, max_width=width, quality=quality)
            if len(data) <= max_bytes or width <= 160:
                return data
        width //= 2


def data_uri(data: bytes, mime: str = "image/jpeg") -> str:
    """``data:<mime>;base64,…``: a picture a web page can show without fetching anything."""
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


@dataclass(frozen=True)
class AnimatedImage:
    """An encoded loop: ``data`` in ``mime`` (image/webp or image/gif), its size and frame rate."""

    data: bytes
    mime: str
    width: int
    height: int
    frames: int
    fps: float


# Ways to make a loop smaller, in order of preference: (keep every Nth frame, WebP quality, scale
# of the sides). Flicker shows from one frame to the next, so every frame is kept first; a
# stylized frame is all texture, so quality costs more bytes than size does.
LOOP_STEPS = ((1, 50, 1.0), (2, 50, 1.0), (2, 35, 1.0), (2, 35, 0.8), (2, 25, 0.64), (3, 25, 0.5), (4, 20, 0.4))
# Bytes of a frame at each quality relative to quality 50, and the power of the scale its bytes
# follow (not 2: fine texture survives reduction), measured on stylized bikes.mp4 frames.
_QUALITY_BYTES = {50: 1.0, 35: 0.8, 25: 0.66, 20: 0.6}
_SCALE_POWER = 1.5
# Frames encoded to predict a loop's size before encoding all of it.
_SAMPLE_FRAMES = 6


def animated_image(frames: np.ndarray, fps: float, *, max_bytes: int) -> AnimatedImage:
    """RGB uint8 (N, H, W, 3) as a looping animated WebP of at most ``max_bytes`` (a GIF where
    Pillow cannot write WebP: stylized frames take several times more bytes as GIF).

    Each encoding takes seconds, so the first step of ``LOOP_STEPS`` predicted to fit (from a
    few frames encoded at the first step) is encoded, then the next ones until one fits; the
    last step is returned even when it does not."""
    if not features.check("webp"):
        return _gif([Image.fromarray(frame) for frame in frames[::2]], fps / 2)
    fps = float(fps)
    sample = _webp([Image.fromarray(frame) for frame in frames[:_SAMPLE_FRAMES]], fps, LOOP_STEPS[0][1])
    per_frame = len(sample.data) / min(len(frames), _SAMPLE_FRAMES)
    first = next((k for k, (step, quality, scale) in enumerate(LOOP_STEPS)
                  if per_frame * -(-len(frames) // step) * _QUALITY_BYTES[quality] * scale ** _SCALE_POWER
                  <= max_bytes),
                 len(LOOP_STEPS) - 1)
    for step, quality, scale in LOOP_STEPS[first:]:
        image = _webp(_scaled(frames[::step], scale), fps / step, quality)
        if len(image.data) <= max_bytes:
            break
    return image


def _scaled(frames: np.ndarray, scale: float) -> list[Image.Image]:
    images = [Image.fromarray(frame) for frame in frames]
    if scale == 1.0:
        return images
    size = (max(2, round(images[0].width * scale)), max(2, round(images[0].height * scale)))
    return [image.resize(size, Image.LANCZOS) for image in images]


def _webp(images: list[Image.Image], fps: float, quality: int) -> AnimatedImage:
    buffer = io.BytesIO()
    images[0].save(buffer, format="WEBP", save_all=True, append_images=images[1:], duration=round(1000 / fps),
                   loop=0, quality=quality, method=4)
    return AnimatedImage(buffer.getvalue(), "image/webp", images[0].width, images[0].height, len(images), fps)


def _gif(images: list[Image.Image], fps: float) -> AnimatedImage:
    buffer = io.BytesIO()
    # GIF counts time in hundredths of a second.
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=round(100 / fps) * 10,
                   loop=0)
    return AnimatedImage(buffer.getvalue(), "image/gif", images[0].width, images[0].height, len(images), fps)
