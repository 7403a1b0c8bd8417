"""How a chunk's frames are made, in one value that travels flow → task → core.

Torch-free, so a flow can build one without importing the models and the smoother.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from artify_core.temporal.settings import SmoothingSettings, settings_from_options

if TYPE_CHECKING:
    from artify_core.settings import VideoRequest


@dataclass(frozen=True)
class ChunkRecipe:
    """Everything besides the content, the model and the style plan that shapes a chunk's frames.

    Attributes:
        height: output height in lines, aspect ratio kept (None: the video's own).
        strength: 0 keeps the content's look, 1 applies the full style.
        style_scale: brush-stroke size relative to the frame (``scale.stylize_at_scale``);
            None paints at the output size.
        smoothing: temporal smoothing along the content's flow (None: off, and no warm-up for it).
        cuts: the content's scene cuts, where smoothing and sequence models restart.
        overlap: warm-up frames before the chunk; None: what the smoother or the model needs.
        batch_frames: frames per decoded batch; None sizes batches from the frame size
            (``memory.stream_frames``).
    """

    height: int | None = None
    strength: float = 1.0
    style_scale: float | None = None
    smoothing: SmoothingSettings | None = SmoothingSettings()
    cuts: tuple[int, ...] = ()
    overlap: int | None = None
    batch_frames: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "cuts", tuple(self.cuts))  # hashable and picklable whatever was passed

    @property
    def smoothing_on(self) -> bool:
        return self.smoothing is not None and self.smoothing.enabled

    @classmethod
    def from_request(cls, request: VideoRequest, cuts: Sequence[int]) -> ChunkRecipe:
        """A run's recipe: its settings that shape the pixels, and the content's cuts."""
        return cls(height=request.height, strength=request.strength, style_scale=request.style_scale,
                   smoothing=settings_from_options(request.smoothing), cuts=tuple(cuts))
