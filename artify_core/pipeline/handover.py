"""What a chunk hands to the next one when chunks run one after another in a process.

Torch-free, so a flow can hold one without importing the models and the smoother.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from artify_core.temporal.motion import PairMotion


@dataclass(frozen=True)
class Overlap:
    """What chunk i made for frames its successor needs too.

    Attributes:
        first_frame: the first of those frames, ``warmup_start(end)``.
        stylized: the model's RGB uint8 outputs (n, H, W, 3) for frames from ``first_frame`` on.
        motion: the smoother's motion of (t − 1, t) by frame t, for t after ``first_frame``.
    """

    first_frame: int
    stylized: np.ndarray
    motion: dict[int, PairMotion]

    @property
    def nbytes(self) -> int:
        return self.stylized.nbytes + sum(motion.nbytes for motion in self.motion.values())


class ChunkHandover:
    """What one chunk made for its successor, when chunks run one after another.

    Seamless chunks overlap: chunk i stylizes ``lookahead`` frames past its end
    for the backward pass, and chunk i+1 stylizes ``warmup`` frames before its
    start; those are the same frames. Chunk i puts its model outputs of
    ``[warmup_start(end), lookahead_end(end))`` and the smoother's motion
    between them here (``Overlap``), and chunk i+1 takes them instead of
    stylizing and estimating them again, so a sequential run pays for the
    overlap's model and flow once instead of twice; each chunk still smooths its
    own warm-up and look-ahead, so its frames do not depend on how its
    neighbours ran. Holds one hand-over at a time, up to ``max_bytes``;
    stateless models only (a sequence model must see every frame itself).
    Outputs are those of a batch the model ran in chunk i: equal to chunk
    i+1's own within a level (batch composition).
    """

    def __init__(self, max_bytes: int = 1 << 30):
        self.max_bytes = max_bytes
        self._overlap: Overlap | None = None

    def put(self, overlap: Overlap) -> None:
        """Keeps ``overlap`` for the chunk that starts its feed at ``overlap.first_frame`` (if it fits)."""
        self._overlap = overlap if overlap.nbytes <= self.max_bytes else None

    def take(self, first_frame: int) -> Overlap | None:
        """The overlap from ``first_frame`` on, if the last hand-over starts there; then forgotten."""
        overlap, self._overlap = self._overlap, None
        return overlap if overlap is not None and overlap.first_frame == first_frame else None
