"""A contact sheet of a keyframe set: each style's keyframe with its time ranges under it."""

from __future__ import annotations

from PIL import Image

from artify_core.images import labelled_grid
from artify_core.keyframes.keyframe_set import KeyframeSet

THUMB_WIDTH = 240
COLUMNS = 4


def render_contact_sheet(keyframes: KeyframeSet, *, thumb_width: int = THUMB_WIDTH,
                         columns: int = COLUMNS) -> Image.Image:
    """RGB image: one cell per style, the keyframe thumbnail over its label and ranges."""
    cells = [(style.pixels, [f"style {style.id}: frame {style.keyframe_frame}", *range_labels(keyframes, style.id)])
             for style in keyframes.styles]
    return Image.fromarray(labelled_grid(cells, thumb_width=thumb_width, columns=columns))


def range_labels(keyframes: KeyframeSet, style: int) -> list[str]:
    """"0.00-3.00 s (frames 0-74)" for each range where ``style`` shows."""
    return [f"{keyframes.seconds(start):.2f}-{keyframes.seconds(end):.2f} s (frames {start}-{end - 1})"
            for start, end in keyframes.ranges(style)]
