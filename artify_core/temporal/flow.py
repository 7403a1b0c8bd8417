"""Optical flow estimators (registered by name in ``estimators``).

``dis`` (default): OpenCV's DIS optical flow (Kroeger et al. 2016) on grey
frames, CPU only, no weights. ``raft``: torchvision's RAFT (Teed & Deng 2020),
small or large, on CPU or CUDA; its weights come from the torch cache (downloaded
there when the network allows) or from the file named by ``$ARTIFY_RAFT_WEIGHTS``.

Flows follow ``functional``'s convention: float32 (N, H, W, 2) in pixels,
``estimate(source, target)`` on the source's grid, pointing into the target.

The metrics use DIS "medium" at full resolution, the most accurate preset;
temporal smoothing uses "fast" on frames of at most 288 lines (``motion``),
which meets the flicker target at a tenth of a full-resolution flow's cost.
The presets measured against each other: docs/temporal-coherence.md.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import torch
import torch.nn.functional as F

from artify_core.errors import InputError
from artify_core.foundation.environment import variable
from artify_core.foundation.weights import torchvision_member, torchvision_state_dict

RAFT_WEIGHTS_SETTING = "raft_weights"
RAFT_WEIGHTS_ENV = variable(RAFT_WEIGHTS_SETTING)
# RAFT's correlation pyramid pools a 1/8-resolution grid three times.
RAFT_MIN_SIDE = 128
DISPreset = Literal["ultrafast", "fast", "medium"]


@runtime_checkable
class FlowEstimator(Protocol):
    """Estimates dense optical flow between pairs of frames."""

    name: str

    def estimate(self, source: np.ndarray, target: np.ndarray) -> np.ndarray:
        """RGB uint8 (N, H, W, 3) pairs → float32 (N, H, W, 2), flow from each source frame to its target."""
        ...


class DISFlow:
    """OpenCV DIS optical flow on grey frames, optionally at reduced resolution.

    ``scale`` < 1 computes the flow on frames resized by that factor and
    upsamples it (vectors rescaled to full-resolution pixels). DIS's cost grows
    with the pixel count, but on 720p a half-resolution flow was ~1.5x less
    accurate (module docstring): keep 1.0 unless frames are very large.
    Not thread-safe: one instance per thread.
    """

    name = "dis"

    def __init__(self, *, preset: DISPreset = "medium", scale: float = 1.0):
        import cv2  # opencv-python-headless; imported here so RAFT-only installs need none.

        presets = {"ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
                   "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST, "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM}
        if preset not in presets:
            raise InputError(f"unknown DIS preset {preset!r}; use one of {', '.join(presets)}")
        if not 0.0 < scale <= 1.0:
            raise InputError(f"DIS scale must be in (0, 1]; got {scale}")
        self.preset, self.scale = preset, scale
        self._cv2 = cv2
        self._dis = cv2.DISOpticalFlow_create(presets[preset])

    def estimate(self, source: np.ndarray, target: np.ndarray) -> np.ndarray:
        """RGB uint8 (N, H, W, 3) pairs → float32 (N, H, W, 2) in full-resolution pixels."""
        _check_frame_pairs(source, target)
        if len(source) == 0:
            return np.zeros((*source.shape[:3], 2), np.float32)
        return np.stack([self._pair(a, b) for a, b in zip(source, target)])

    def _pair(self, source: np.ndarray, target: np.ndarray) -> np.ndarray:
        cv2 = self._cv2
        height, width = source.shape[:2]
        small = (max(1, round(width * self.scale)), max(1, round(height * self.scale)))
        grey = [cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2GRAY) for frame in (source, target)]
        if small != (width, height):
            grey = [cv2.resize(frame, small, interpolation=cv2.INTER_AREA) for frame in grey]
        flow = self._dis.calc(grey[0], grey[1], None)
        if small != (width, height):
            flow = cv2.resize(flow, (width, height), interpolation=cv2.INTER_LINEAR)
            flow *= np.array([width / small[0], height / small[1]], np.float32)
        return flow.astype(np.float32, copy=False)


class RaftFlow:
    """torchvision RAFT on batches of frame pairs.

    Frames are padded (edge-replicated) to a multiple of 8 and to at least 128
    pixels a side, as RAFT's 1/8 feature grid and its four-level correlation
    pyramid need, and the flow is cropped back.
    """

    name = "raft"

    def __init__(self, network: torch.nn.Module, *, device: torch.device, num_flow_updates: int = 12,
                 batch_size: int = 4):
        self.network = network.to(device).eval().requires_grad_(False)
        self.device, self.num_flow_updates, self.batch_size = device, num_flow_updates, batch_size

    @torch.inference_mode()
    def estimate(self, source: np.ndarray, target: np.ndarray) -> np.ndarray:
        """RGB uint8 (N, H, W, 3) pairs → float32 (N, H, W, 2)."""
        _check_frame_pairs(source, target)
        flows = [self._batch(source[i:i + self.batch_size], target[i:i + self.batch_size])
                 for i in range(0, len(source), self.batch_size)]
        return np.concatenate(flows) if flows else np.zeros((*source.shape[:3], 2), np.float32)

    def _batch(self, source: np.ndarray, target: np.ndarray) -> np.ndarray:
        height, width = source.shape[1:3]
        pad = (0, _raft_size(width) - width, 0, _raft_size(height) - height)
        images = [F.pad(self._normalise(frames), pad, mode="replicate") for frames in (source, target)]
        # RAFT returns one prediction per refinement step; the last is the best.
        flow = self.network(*images, num_flow_updates=self.num_flow_updates)[-1]
        return np.ascontiguousarray(flow[:, :, :height, :width].permute(0, 2, 3, 1).float().cpu().numpy())

    def _normalise(self, frames: np.ndarray) -> torch.Tensor:
        # torchvision's OpticalFlow transform: float in [-1, 1], NCHW.
        tensor = torch.from_numpy(np.array(frames)).to(self.device).permute(0, 3, 1, 2)
        return tensor.float().div(127.5).sub(1.0).contiguous()


def _raft_size(side: int) -> int:
    return max(RAFT_MIN_SIDE, side + -side % 8)


def dis(*, preset: DISPreset = "medium", scale: float = 1.0) -> DISFlow:
    """Builds the DIS estimator; see ``DISFlow``."""
    return DISFlow(preset=preset, scale=scale)


def raft(
    *,
    size: Literal["small", "large"] = "small",
    weights: str | None = "DEFAULT",
    device: str | torch.device = "cpu",
    num_flow_updates: int = 12,
    batch_size: int = 4,
    verify: bool = True,
) -> RaftFlow:
    """Builds a RAFT estimator with torchvision's weights.

    Args:
        size: "small" (1.0 M parameters) or "large" (5.3 M).
        weights: a member name of ``Raft_Small_Weights``/``Raft_Large_Weights``
            ("DEFAULT", "C_T_V2" …), or None for a randomly initialised network
            (tests only: its flows are meaningless).
        device: "cpu", "cuda", "cuda:1" …
        num_flow_updates: refinement iterations; fewer is faster and coarser.
        batch_size: pairs per forward pass; bounds memory.
        verify: check the file's sha256 against the prefix in torchvision's file name.
    """
    from torchvision.models import optical_flow

    builders = {"small": (optical_flow.raft_small, optical_flow.Raft_Small_Weights),
                "large": (optical_flow.raft_large, optical_flow.Raft_Large_Weights)}
    if size not in builders:
        raise InputError(f"unknown RAFT size {size!r}; use 'small' or 'large'")
    builder, enum = builders[size]
    network = builder(weights=None, progress=False)
    if weights is not None:
        network.load_state_dict(raft_state_dict(torchvision_member(enum, weights), verify=verify))
    return RaftFlow(network, device=torch.device(device), num_flow_updates=num_flow_updates,
                    batch_size=batch_size)


def raft_state_dict(member: Any, *, verify: bool = True) -> dict[str, torch.Tensor]:
    """The state dict of a torchvision RAFT weights enum member: ``$ARTIFY_RAFT_WEIGHTS``, the
    torch hub cache, or a download (``artify_core.foundation.weights.torchvision_state_dict``)."""
    return torchvision_state_dict(member, setting=RAFT_WEIGHTS_SETTING, label="RAFT", verify=verify,
                                  alternative="use flow='dis', which needs no weights")


def _check_frame_pairs(source: np.ndarray, target: np.ndarray) -> None:
    for what, frames in (("source", source), ("target", target)):
        if not isinstance(frames, np.ndarray) or frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3:
            found = f"{frames.dtype} {frames.shape}" if isinstance(frames, np.ndarray) else type(frames).__name__
            raise InputError(f"flow {what} frames must be RGB uint8 (N, H, W, 3); got {found}")
    if source.shape != target.shape:
        raise InputError(f"flow source and target frames differ in shape: {source.shape} vs {target.shape}")
