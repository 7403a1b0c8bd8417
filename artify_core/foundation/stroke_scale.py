"""The style scale's geometry: the height a model works at for a stroke size (``--style-scale``).

Used where a run is planned, by the smoother's scale-dependent choices and by the model's
resize (``pipeline.scale``); numbers only, no image library.
"""

from __future__ import annotations

from artify_core.errors import InputError

REFERENCE_HEIGHT = 720
MIN_STYLE_SCALE, MAX_STYLE_SCALE = 0.25, 4.0
# Smallest working height: below it the networks see too little to paint.
MIN_WORKING_HEIGHT = 64


def check_style_scale(style_scale: float | None) -> None:
    """Raises ``InputError`` unless ``style_scale`` is None or within [0.25, 4]."""
    if style_scale is not None and not MIN_STYLE_SCALE <= style_scale <= MAX_STYLE_SCALE:
        raise InputError(f"must be between {MIN_STYLE_SCALE} and {MAX_STYLE_SCALE} (1 = the model's strokes on a "
                         "720-line frame, 2 = twice as large)", fields=(("style_scale", style_scale),))


def working_size(width: int, height: int, style_scale: float) -> tuple[int, int]:
    """(width, height) the model works at for a ``width`` x ``height`` output: height
    ``REFERENCE_HEIGHT / style_scale`` (even, at least ``MIN_WORKING_HEIGHT``), aspect kept."""
    check_style_scale(style_scale)
    work_height = max(MIN_WORKING_HEIGHT, int(round(REFERENCE_HEIGHT / style_scale / 2)) * 2)
    work_width = max(2, int(round(width * work_height / height / 2)) * 2)
    return work_width, work_height
