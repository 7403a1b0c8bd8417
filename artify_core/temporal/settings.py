"""The smoother's settings: which method, how strongly, which flow to trust, and the
scale-dependent choices for a frame size.

Torch-free (the smoother itself is ``temporal.smoothing``), so a flow can plan chunks and
key them without importing torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, get_args

from artify_core.errors import InputError
from artify_core.temporal.estimators import DEFAULT_FLOW
from artify_core.temporal.modes import DEFAULT_DETAIL, DEFAULT_METHOD, DEFAULT_STRENGTH, TemporalMethod
from artify_core.temporal.scaling import (
    ENERGY_BLOCK,
    FLOW_HEIGHT,
    SIZE_MEMORY_POWER,
    detail_band,
    flow_working_height,
    strength_at,
    tolerance_scale,
)

if TYPE_CHECKING:
    from artify_core.temporal.functional import Interpolation

METHODS: tuple[str, ...] = get_args(TemporalMethod)
# Warm-up and look-ahead frames suffice once the recursion has forgotten all
# but this fraction of what a missing neighbour would have contributed.
OVERLAP_RESIDUAL = 0.02
# Consistency tolerances of the smoother's masks, looser than Ruder et al.'s
# (0.01, 0.5, with motion boundaries) that the evaluation keeps: the strict
# masks left 6–10 % of the pixels the evaluation trusts unsmoothed, and those
# carried half of the remaining flicker.
SMOOTHING_RELATIVE = 0.05
SMOOTHING_ABSOLUTE = 2.0
# Those loose masks trusted the flow on thin fast parts (the bunny's ears), whose outputs then
# showed the background through them; content that does not match once carried (mean |ΔRGB| over
# this many levels) is not carried. On the bunny's first 60 frames: ratio 10.67 -> 11.16, ears solid.
PHOTOMETRIC_LEVELS = 24.0


@dataclass(frozen=True)
class SmoothingSettings:
    """Which temporal method, how strongly, and which flow to trust.

    Attributes:
        method: one of ``METHODS``.
        strength: α in [0, 1); 0 turns smoothing off.
        detail: in [0, 1], how much of the stylized frames' local texture energy to restore.
        relative, absolute: forward–backward consistency tolerances (absolute in pixels²).
        motion_boundaries: also distrust the flow on motion boundaries.
        interpolation: how outputs are warped; bicubic loses less texture over repeated warps.
        flow: the content-flow estimator: "dis" (OpenCV, CPU, no weights) or "raft"
            (torchvision RAFT-small on the GPU when there is one; needs its weights).
        flow_height: the flow's working resolution in lines for larger frames (0 = the frame's own).
        flow_min_height: smaller frames are upsampled to this many lines for the flow (0: never).
        detail_band: the restoration's band in pixels; None: ``scaling.detail_band`` for the frame
            and ``style_scale``.
        energy_block: the restoration's gain is set per block of this many pixels (``scaling.ENERGY_BLOCK``).
        style_scale: the run's ``--style-scale`` (None: the model paints at the output's size);
            sets the strokes' size in output pixels (``scaling.stroke_scale``), which the band and
            the absolute tolerance follow.
        photometric_range: compare carried content with the range of its 3×3 neighbourhood
            (``motion.photometric_difference``) rather than pixel by pixel.
        graded: beyond the consistency tolerance the strength falls with the round-trip error,
            ``(tolerance / error) ** graded`` (``functional.consistency_weight``); 0: drops to 0.
        size_strength: frames smaller than ``scaling.FLOW_HEIGHT`` lines get a longer memory
            (``scaling.strength_at``), growing as (FLOW_HEIGHT / height) ** ``size_memory_power``.
        sized: the scale-dependent choices are made (``for_frames``); the fields are final.
        min_reliable: a frame whose reliable fraction of pixels is below this
            is treated as a cut. A safety net for cuts nobody listed: across
            bikes.mp4's five cuts DIS leaves 0–14 % of pixels reliable, within
            its shots at least 50 %.
        long_term_offset: k, the older frame ``long-term`` also follows.
        screening: ``gradient``'s screened-Poisson weight λ in 1/pixel²; the
            carried band is the frequencies below about sqrt(λ)/(2π) cycles per pixel.
        photometric: distrust pixels whose content differs by more than this many levels
            once carried along the flow (0: no such check).
    """

    method: TemporalMethod = DEFAULT_METHOD
    strength: float = DEFAULT_STRENGTH
    detail: float = DEFAULT_DETAIL
    relative: float = SMOOTHING_RELATIVE
    absolute: float = SMOOTHING_ABSOLUTE
    motion_boundaries: bool = False
    interpolation: Interpolation = "bicubic"
    flow: str = DEFAULT_FLOW
    flow_height: int = FLOW_HEIGHT
    flow_min_height: int = FLOW_HEIGHT
    detail_band: int | None = None
    energy_block: int = ENERGY_BLOCK
    style_scale: float | None = None
    photometric_range: bool = True
    graded: float = 1.0
    size_strength: bool = True
    size_memory_power: float = SIZE_MEMORY_POWER
    sized: bool = False
    min_reliable: float = 0.25
    long_term_offset: int = 5
    screening: float = 0.01
    photometric: float = PHOTOMETRIC_LEVELS

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise InputError(f"unknown temporal method {self.method!r}; choose from {', '.join(METHODS)}")
        if not 0.0 <= self.strength < 1.0:
            raise InputError(f"temporal smoothing strength must be between 0 and 1 (below 1); got {self.strength}")
        if not 0.0 <= self.detail <= 1.0:
            raise InputError(f"detail must be between 0 and 1; got {self.detail}")
        if self.interpolation not in ("bilinear", "bicubic"):
            raise InputError(f"interpolation must be 'bilinear' or 'bicubic'; got {self.interpolation!r}")
        if not 0.0 <= self.min_reliable <= 1.0:
            raise InputError(f"min_reliable must be a fraction between 0 and 1; got {self.min_reliable}")
        if self.relative < 0 or self.absolute < 0:
            raise InputError(f"consistency tolerances must be >= 0; got relative={self.relative}, "
                             f"absolute={self.absolute}")
        if self.flow_height < 0 or self.flow_min_height < 0 or self.long_term_offset < 2 or self.screening <= 0 \
                or self.photometric < 0 or self.graded < 0 or (self.detail_band is not None and self.detail_band < 1) \
                or self.energy_block < 1:
            raise InputError(f"flow heights and photometric must be >= 0, detail_band and energy_block >= 1, "
                             f"long_term_offset >= 2 and screening > 0; got {self.flow_height}, "
                             f"{self.flow_min_height}, "
                             f"{self.photometric}, {self.detail_band}, {self.energy_block}, {self.long_term_offset}, "
                             f"{self.screening}")

    @property
    def enabled(self) -> bool:
        return self.strength > 0.0

    @property
    def warmup(self) -> int:
        """Frames a chunk must start early to join its predecessor without a seam."""
        extra = self.long_term_offset if self.method == "long-term" else 0
        return recommended_overlap(self.strength) + (extra if self.enabled else 0)

    @property
    def lookahead(self) -> int:
        """Frames past a chunk's end the method needs (a backward pass's warm-up)."""
        return recommended_overlap(self.strength) if self.method == "bidirectional" else 0

    def for_frames(self, height: int) -> "SmoothingSettings":
        """These settings with the scale-dependent choices made for frames of ``height`` lines
        (``scaling``): the flow's working height, the band, the absolute tolerance and the strength.
        Chunk overlaps follow the strength, so size settings before planning chunks (``warmup``, ``lookahead``)."""
        if self.sized:
            return self
        working = flow_working_height(height, self.flow_height, self.flow_min_height)
        band = self.detail_band if self.detail_band is not None else detail_band(height, self.style_scale)
        strength = (strength_at(self.strength, height, power=self.size_memory_power) if self.size_strength
                    else self.strength)
        return replace(self, flow_height=working, flow_min_height=working, detail_band=band, strength=strength,
                       absolute=self.absolute * tolerance_scale(height, self.style_scale), sized=True)


def settings_from_options(options) -> SmoothingSettings | None:
    """The smoother's settings from a request's ``SmoothingOptions``; None when smoothing is off."""
    if not options.smooth or options.strength == 0.0:
        return None
    return SmoothingSettings(method=options.method, strength=options.strength, detail=options.detail,
                             flow=options.flow)


def recommended_overlap(strength: float = DEFAULT_STRENGTH, residual: float = OVERLAP_RESIDUAL) -> int:
    """Warm-up frames after which a chunk matches a whole-video pass: the least k with strength^k <= residual.

    6 for strength 0.5, 8 for 0.6, 11 for 0.7, 18 for 0.8; 0 when smoothing is off.
    """
    if not 0.0 <= strength < 1.0:
        # At strength 1 the recursion never forgets: only a cut or a sequential pass is seamless.
        raise InputError(f"overlapping chunks need a strength below 1; got {strength}")
    return 0 if strength == 0.0 else max(0, math.ceil(math.log(residual) / math.log(strength)))


DEFAULT_OVERLAP = recommended_overlap()
