"""The smoother's scale-dependent choices, from the frame's size and the run's style scale.

Two scales meet in the smoother. The *motion* is estimated by DIS, whose
patches and pyramid work on pixels: with too few lines its 8-pixel patches
straddle whole features, with many it costs without following surfaces
better. The *texture* it steadies is the model's brush strokes, whose size in
output pixels is the model's own (a few pixels) unless ``--style-scale`` has
the model paint at another height (``pipeline.scale``): then they are
``output height / working height`` times larger. So:

* the flow is estimated on ``FLOW_HEIGHT`` lines for every frame, smaller
  frames upsampled to it (``flow_working_height``);
* the texture restoration's band, and the round-trip error the flow is
  trusted with, grow with the strokes (``stroke_scale``, ``detail_band``,
  ``tolerance_scale``): a carried stroke a pixel off matters less when strokes
  are three pixels wide;
* frames smaller than ``FLOW_HEIGHT`` lines are smoothed with a longer memory
  (``strength_at``): on them the flicker that encoding and the measure's own
  flow add to any output is a larger share of what smoothing can remove;
* the texture's local energy, which the restoration gives back, is measured on
  blocks of a few strokes (``ENERGY_BLOCK``), not on patches of whole shapes.

Where the flow is unreliable (fast motion, occlusion, a dissolve) the strength
falls with the forward–backward error (``functional.consistency_weight``)
instead of dropping to nothing past a tolerance. The figures behind each
choice are in docs/temporal.md (``bench/bench_temporal_sizes.py``).
"""

from __future__ import annotations

from artify_core.foundation.stroke_scale import working_size

# DIS "fast" on this many lines, whatever the frame's height. Larger frames are reduced to it (the cost
# of a full-resolution flow grows with the pixels; ``smoothing.FLOW_PRESET``'s figures). Smaller ones are
# upsampled: at 176×144 the flow followed at 288 lines left 27 % less flicker than at the frame's own
# 144 (warping-error ratio to the content 2.06 → 1.50, docs/temporal.md); at 432 lines 1.69.
FLOW_HEIGHT = 288
# The restoration's high band at the model's own stroke size: what a 2-pixel blur removes.
DETAIL_BAND = 2
# The restoration's gain is set per block of this many pixels (a few strokes): on 16-pixel blocks it
# followed the shapes' mean texture and over-sharpened smooth parts beside busy ones (docs/temporal.md).
ENERGY_BLOCK = 4
# Below FLOW_HEIGHT lines the recursion's memory grows as (FLOW_HEIGHT / height) ** this: the default
# strength 0.65 becomes 0.80 at 144 lines, the least that met the flicker target there (docs/temporal.md).
SIZE_MEMORY_POWER = 0.8


def stroke_scale(height: int, style_scale: float | None) -> float:
    """How many output pixels one pixel of the model's painting covers: 1 without a style scale
    (the model paints at the output's size), else the output height over the model's working
    height (``pipeline.scale.working_size``): 1.5 for 1080p at style scale 1, 0.2 for 144 lines."""
    if style_scale is None:
        return 1.0
    return height / working_size(height, height, style_scale)[1]


def detail_band(height: int, style_scale: float | None) -> int:
    """The restoration's band in output pixels: ``DETAIL_BAND`` times the strokes' scale, never
    below ``DETAIL_BAND`` (strokes painted finer than the output's pixels have no finer band)."""
    return max(DETAIL_BAND, round(DETAIL_BAND * stroke_scale(height, style_scale)))


def tolerance_scale(height: int, style_scale: float | None) -> float:
    """What the consistency check's absolute tolerance (pixels²) is multiplied by: the strokes'
    scale squared, never below 1."""
    return max(1.0, stroke_scale(height, style_scale)) ** 2


def flow_working_height(height: int, flow_height: int = FLOW_HEIGHT, min_height: int = FLOW_HEIGHT) -> int:
    """Lines the flow is estimated on for frames of ``height`` lines: the frame's own, reduced to
    ``flow_height`` (0: never reduced) and enlarged to ``min_height`` (0: never enlarged)."""
    lines = height if flow_height <= 0 else min(height, flow_height)
    return max(lines, min_height)


def strength_at(strength: float, height: int, reference: int = FLOW_HEIGHT, power: float = SIZE_MEMORY_POWER) -> float:
    """The strength for frames of ``height`` lines given the one for ``reference`` lines and more.

    The recursion's memory, ``1 / (1 − α)`` frames, grows as ``(reference / height) ** power``
    below ``reference`` lines: 0.65 stays 0.65 from 288 lines up, becomes 0.666 at 272 and 0.8 at 144.
    0 stays 0; the result stays below 0.95 (the options' bound).
    """
    if strength <= 0.0 or height >= reference:
        return strength
    memory = 1.0 / (1.0 - strength) * (reference / max(1, height)) ** power
    return max(strength, min(0.95, 1.0 - 1.0 / memory))
