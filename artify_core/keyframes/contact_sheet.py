"""A contact sheet of a keyframe set: each style's keyframe with its time ranges under it."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from artify_core.keyframes.keyframe_set import KeyframeSet

THUMB_WIDTH = 240
COLUMNS = 4
_PAD = 8
_LINE = 14  # the default bitmap font is about 11 px high


def render_contact_sheet(keyframes: KeyframeSet, *, thumb_width: int = THUMB_WIDTH,
                         columns: int = COLUMNS) -> Image.Image:
    """RGB image: one cell per style, the keyframe thumbnail over its label and ranges."""
    font = ImageFont.load_default()
    cells = [_cell(keyframes, style.id, thumb_width, font) for style in keyframes.styles]
    if not cells:
        return Image.new("RGB", (thumb_width + 2 * _PAD, 2 * _PAD + _LINE), "white")
    columns = max(1, min(columns, len(cells)))
    rows = -(-len(cells) // columns)
    cell_w, cell_h = thumb_width + 2 * _PAD, max(c.height for c in cells)
    sheet = Image.new("RGB", (columns * cell_w, rows * cell_h), "white")
    for index, cell in enumerate(cells):
        sheet.paste(cell, ((index % columns) * cell_w, (index // columns) * cell_h))
    return sheet


def range_labels(keyframes: KeyframeSet, style: int) -> list[str]:
    """"0.00-3.00 s (frames 0-74)" for each range where ``style`` shows."""
    return [f"{keyframes.seconds(start):.2f}-{keyframes.seconds(end):.2f} s (frames {start}-{end - 1})"
            for start, end in keyframes.ranges(style)]


def _cell(keyframes: KeyframeSet, style_id: int, width: int, font) -> Image.Image:
    style = keyframes.styles[style_id]
    pixels = np.asarray(style.pixels)
    height = max(1, round(pixels.shape[0] * width / pixels.shape[1]))
    thumb = Image.fromarray(pixels).resize((width, height), Image.LANCZOS)
    lines = [f"style {style.id}: frame {style.keyframe_frame}", *range_labels(keyframes, style.id)]
    cell = Image.new("RGB", (width + 2 * _PAD, height + 2 * _PAD + _LINE * len(lines)), "white")
    cell.paste(thumb, (_PAD, _PAD))
    draw = ImageDraw.Draw(cell)
    for k, line in enumerate(lines):
        draw.text((_PAD, _PAD + height + 2 + k * _LINE), line, fill="black", font=font)
    return cell
