"""The temporal methods, one step at a time, on any ``FrameOps`` device.

Each function takes working frames (``ops``) and full-resolution motion
fields (``Motion``) and returns a working frame. ``smoothing`` runs them
along a video; this module holds only the arithmetic.

* ``carry_forward`` — the recursive blend along the flow (the first
  generation's smoother): ``out = (1 − α·m)·stylized + α·m·warp(out₋₁)``.
* ``carry_backward`` — the same, backward in time, applied to the forward
  pass's output: forward then backward is a zero-phase filter along motion
  trajectories (no lag, twice the averaging).
* ``carry_long_term`` — the forward blend with the output of frame t − k as
  well, along its own flow (Ruder et al. 2016's long-term consistency): a
  surface hidden at t − 1 but seen at t − k keeps its look.
* ``carry_low_band`` — gradient-domain blending (Bonneel et al. 2015): the
  stylized frame's gradients are kept and only the low frequencies of the
  difference to the warped previous output are carried (a screened-Poisson
  low-pass, solved by DCT).
* ``restore_detail`` — averaging along the flow lowers the contrast of the
  brush texture (the averaged strokes never line up exactly); this rescales
  the output's high band to the stylized frame's local high-band energy,
  so the texture keeps its strength while its placement stays steady.
"""

from __future__ import annotations

from dataclasses import dataclass

from artify_core.temporal.functional import Interpolation
from artify_core.temporal.ops import Field, Frame, FrameOps
from artify_core.temporal.scaling import DETAIL_BAND, ENERGY_BLOCK

# The gain only restores contrast the averaging took away; it never sharpens more than this.
MAX_DETAIL_GAIN = 2.0
# 1e-2 levels² of high-band energy: below that a region has no texture to restore.
ENERGY_FLOOR = 1e-2


@dataclass(frozen=True)
class Motion:
    """A flow and its reliability mask, at full resolution on the device."""

    flow: Field
    mask: Field


def carry_forward(ops: FrameOps, stylized: Frame, previous: Frame, motion: Motion, strength: float,
                  mode: Interpolation) -> Frame:
    """``stylized`` blended with ``previous`` (the output of the frame before) warped along ``motion``."""
    carried = ops.warp(previous, motion.flow, mode)
    return ops.mix(stylized, carried, motion.mask * strength)


def carry_backward(ops: FrameOps, forward: Frame, following: Frame, motion: Motion, strength: float,
                   mode: Interpolation) -> Frame:
    """The backward step: ``forward`` (this frame's forward output) blended with ``following`` (the
    next frame's final output) warped along ``motion`` (flow to the next frame, on this frame's grid)."""
    return carry_forward(ops, forward, following, motion, strength, mode)


def carry_long_term(ops: FrameOps, stylized: Frame, previous: Frame, motion: Motion, anchor: Frame,
                    anchor_motion: Motion, strength: float, mode: Interpolation, anchor_weight: float) -> Frame:
    """The forward blend with two sources: the previous output and an older one (``anchor``).

    Where both are trusted they are averaged (``anchor_weight`` for the older);
    where only the older one is (a surface occluded at t − 1), it alone is carried.
    """
    near = ops.warp(previous, motion.flow, mode)
    far = ops.warp(anchor, anchor_motion.flow, mode)
    near_weight = motion.mask
    far_weight = anchor_motion.mask * anchor_weight
    total = near_weight + far_weight
    share = far_weight / total.clip(min=1e-6)  # numpy and torch arrays both have .clip
    carried = ops.mix(near, far, share)
    trusted = (motion.mask + anchor_motion.mask).clip(0.0, 1.0)
    return ops.mix(stylized, carried, trusted * strength)


def carry_low_band(ops: FrameOps, stylized: Frame, previous: Frame, motion: Motion, strength: float,
                   mode: Interpolation, screening: float, factor: int) -> Frame:
    """Gradient-domain blending: ``stylized + α·P(m·(warp(previous) − stylized))`` with ``P`` the
    screened-Poisson low-pass (``FrameOps.screened_poisson``): the stylized frame's gradients stay,
    the warped previous output sets the low frequencies."""
    carried = ops.warp(previous, motion.flow, mode)
    difference = ops.times(carried - stylized, motion.mask)
    return stylized + ops.screened_poisson(difference, screening, factor) * strength


def texture_energy(ops: FrameOps, stylized: Frame, band: int = DETAIL_BAND, block: int = ENERGY_BLOCK) -> Frame:
    """The local energy of ``stylized``'s high band (finer than ``band`` pixels), at 1/``block``
    resolution: all that ``restore_detail`` needs of the stylized frame (small enough to keep while a frame waits)."""
    return ops.block_energy(ops.highpass(stylized, band), block) + ENERGY_FLOOR


def restore_detail(ops: FrameOps, output: Frame, energy: Frame, amount: float, band: int = DETAIL_BAND,
                   block: int = ENERGY_BLOCK) -> Frame:
    """Rescales ``output``'s high band (finer than ``band`` pixels: the ``band`` of ``energy``) to the
    stylized frame's local high-band ``energy`` (``texture_energy``; module docstring).

    ``amount`` in [0, 1]: 0 returns ``output``; 1 restores the energy fully
    (gain capped at ``MAX_DETAIL_GAIN``, never below 1). Energies are block
    means over ``block``-pixel blocks (``energy``'s resolution); only the gain is upsampled.
    """
    if amount <= 0.0:
        return output
    detail = ops.highpass(output, band)
    present = ops.block_energy(detail, block) + ENERGY_FLOOR
    gain = ops.upsample((ops.clip(ops.sqrt(energy / present), 1.0, MAX_DETAIL_GAIN) - 1.0) * amount, output)
    return ops.add_product(output, detail, gain)
