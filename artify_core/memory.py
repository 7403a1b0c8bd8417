"""A memory budget: batch sizes from the frame size, and tiling when one frame is too large.

Memory used to grow with resolution without bound: 8 frames per model pass
and per decode/encode batch took 9.1 GB of RSS on a 4K clip. Now the budget
(bytes of working memory for the model: host RAM on CPU, GPU memory on CUDA)
decides how many frames go through the model at once, whether a frame must
be tiled (``models/arbitrary/tiling.py``), and how many frames travel per
decode/encode batch. Defaults fit a 24 GiB machine and a 24 GB GPU.

Bytes per pixel were measured (peak RSS minus the RSS before the pass, one
frame, CPU, bench/bench_memory.py): the untiled transformer 129–168 (1080p to 4K,
fp32 and bf16), the tiled pass about 80 at 4K plus its strips.
"""

from __future__ import annotations

from dataclasses import dataclass

from artify_core.errors import InputError

GiB = 2**30
DEFAULT_CPU_BYTES = 1 * GiB
DEFAULT_CUDA_BYTES = 6 * GiB
UNTILED_BYTES_PER_PIXEL = 170
TILED_BYTES_PER_PIXEL = 80
# Share of the budget for one decode/encode batch: about seven batches are in flight
# (decoded ahead, the one in the model, its output, queued for the encoder).
STREAM_SHARE = 48
MAX_STREAM_FRAMES = 8
MIN_BUDGET = 256 * 2**20


@dataclass(frozen=True)
class MemoryBudget:
    """Working memory for stylization, in bytes (None: 1 GiB on CPU, 6 GiB on CUDA).

    On CPU 1 GiB keeps a whole 4K run (decode, model, smoothing, encode) near 3 GB of
    RSS: 4K frames are then tiled (~2x the time of one whole pass on CPU), 1080p
    frames go 3 at a time.

    Attributes:
        bytes: the budget; at least 256 MiB.
    """

    bytes: int | None = None

    def __post_init__(self) -> None:
        if self.bytes is not None and self.bytes < MIN_BUDGET:
            raise InputError(f"memory budget {self.bytes} bytes: must be at least {MIN_BUDGET // 2**20} MiB")

    def resolve(self, device_type: str = "cpu") -> int:
        if self.bytes is not None:
            return self.bytes
        return DEFAULT_CUDA_BYTES if device_type == "cuda" else DEFAULT_CPU_BYTES


@dataclass(frozen=True)
class ModelPass:
    """How frames of one size go through the model: ``frames`` per pass, ``tiled`` or whole."""

    frames: int
    tiled: bool
    strip_bytes: int


def model_pass(width: int, height: int, budget_bytes: int, max_frames: int) -> ModelPass:
    """As many whole frames per pass as the budget holds (at most ``max_frames``); a frame
    that alone exceeds it is tiled, one at a time, its strips sized from the budget."""
    per_frame = UNTILED_BYTES_PER_PIXEL * width * height
    if per_frame <= budget_bytes:
        return ModelPass(max(1, min(max_frames, budget_bytes // per_frame)), False, 0)
    spare = budget_bytes - TILED_BYTES_PER_PIXEL * width * height
    return ModelPass(1, True, int(min(256 * 2**20, max(16 * 2**20, spare // 4))))


def stream_frames(width: int, height: int, budget_bytes: int) -> int:
    """Frames per decode/encode batch: 1 to 8, one batch of RGB frames under 1/48 of the budget."""
    return int(max(1, min(MAX_STREAM_FRAMES, budget_bytes // STREAM_SHARE // (3 * width * height))))
