"""The mask-source interface and its shared checks.

A mask source turns the frames of one shot, fed in order, into foreground
masks: float32 (N, H, W) in [0, 1], 1 = foreground (the subject), on the
frames' grid. Sources may keep state across calls (a background model, a read
position); ``reset`` forgets it, at a scene cut or when a sequence starts at
another frame.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from artify_core.errors import InputError


@runtime_checkable
class MaskSource(Protocol):
    """Foreground masks for consecutive batches of one shot.

    ``reset`` must rebind its state rather than mutate it in place: a model
    hands each sequence a shallow copy of one configured source (sharing a
    network's weights), and resets that copy.
    """

    name: str

    def masks(self, frames: np.ndarray) -> np.ndarray:
        """RGB uint8 (N, H, W, 3), the next N frames in order → float32 (N, H, W) in [0, 1]."""
        ...

    def reset(self, start_frame: int = 0) -> None:
        """Forgets all state; the next ``masks`` call receives frame ``start_frame`` of the video first."""
        ...


def check_frames(frames: np.ndarray, what: str = "frames") -> None:
    """Raises ``InputError`` unless ``frames`` is RGB uint8 (N, H, W, 3)."""
    if not isinstance(frames, np.ndarray) or frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3:
        found = f"{frames.dtype} {frames.shape}" if isinstance(frames, np.ndarray) else type(frames).__name__
        raise InputError(f"{what} must be RGB uint8 arrays of shape (N, H, W, 3); got {found}")


def check_masks(masks: np.ndarray, frames: np.ndarray, what: str = "masks") -> np.ndarray:
    """``masks`` as float32 (N, H, W) matching ``frames`` (N, H, W, 3); raises ``InputError`` otherwise."""
    masks = np.asarray(masks)
    if masks.shape != frames.shape[:3]:
        raise InputError(f"{what} must be (N, H, W) = {frames.shape[:3]} to match the frames; got {masks.shape}")
    masks = masks.astype(np.float32, copy=False)
    if masks.size and (masks.min() < 0.0 or masks.max() > 1.0 or not np.all(np.isfinite(masks))):
        raise InputError(f"{what} must be floats in [0, 1]; got values in [{masks.min()}, {masks.max()}]")
    return masks
