"""Checks and settings every model shares: frame batches at the boundary, the device."""

from __future__ import annotations

import numpy as np
import torch

from artify_core.errors import InputError


def check_frames(frames: np.ndarray, what: str, min_side: int) -> None:
    """Raises ``InputError`` unless ``frames`` are RGB uint8 (N, H, W, 3) with sides >= ``min_side``."""
    if not isinstance(frames, np.ndarray) or frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3:
        found = f"{frames.dtype} {frames.shape}" if isinstance(frames, np.ndarray) else type(frames).__name__
        raise InputError(f"{what} must be RGB uint8 arrays of shape (N, H, W, 3); got {found}")
    if frames.shape[0] and min(frames.shape[1:3]) < min_side:
        raise InputError(f"{what} are {frames.shape[2]}x{frames.shape[1]}; both sides need at least {min_side} pixels")


def resolve_device(device: str | torch.device) -> torch.device:
    """``"auto"`` → CUDA when available, else CPU; a CUDA device on a machine without one is an error."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise InputError(f"unknown device {device!r}; use auto, cpu, cuda or cuda:N") from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise InputError(f"device {device!r} requested but CUDA is not available here; use device='cpu'")
    return resolved
