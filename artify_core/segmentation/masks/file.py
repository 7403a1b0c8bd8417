"""Masks made elsewhere: a mask video, or a folder of PNGs (one per frame, in name order).

Grey levels map to [0, 1] (white = foreground); colour masks are converted to
luma, and a PNG's alpha channel is used when it is not uniformly opaque (a
cut-out exported from an editor). Masks of another size are resized to the frame
(bilinear), so a mask video made at a proxy resolution works.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import cv2
import numpy as np
from PIL import Image

from artify_core.errors import InputError
from artify_core.segmentation.masks.base import check_frames


class FileMasks:
    """Masks read from ``path`` (``MaskSource``); state: the read position."""

    name = "file"

    def __init__(self, path: Path):
        self.path = path
        self._pngs = sorted(path.glob("*.png")) if path.is_dir() else None
        if self._pngs is not None and not self._pngs:
            raise InputError(f"{path}: mask folder holds no .png files; name them so they sort in frame order")
        if self._pngs is None:
            from artify_core.video import probe_video

            self._info = probe_video(path)
        self.reset()

    @property
    def frames(self) -> int:
        """How many masks the file holds."""
        return len(self._pngs) if self._pngs is not None else self._info.frames

    def reset(self, start_frame: int = 0) -> None:
        self._position = start_frame
        self._video: Iterator[np.ndarray] | None = None

    def masks(self, frames: np.ndarray) -> np.ndarray:
        """RGB uint8 (N, H, W, 3) → float32 (N, H, W): masks ``position … position + N - 1`` of the file."""
        check_frames(frames)
        count, height, width = frames.shape[:3]
        if self._position + count > self.frames:
            raise InputError(f"{self.path}: holds {self.frames} masks, but frames up to "
                             f"{self._position + count - 1} were asked for; give one mask per video frame")
        grey = [self._mask_at(self._position + i) for i in range(count)]
        self._position += count
        out = np.zeros((count, height, width), np.float32)
        for i, mask in enumerate(grey):
            if mask.shape != (height, width):
                mask = cv2.resize(mask, (width, height), interpolation=cv2.INTER_LINEAR)
            out[i] = mask
        return np.clip(out, 0.0, 1.0, out=out)

    def _mask_at(self, index: int) -> np.ndarray:
        """Mask ``index``, float32 (h, w) in [0, 1]; a video is read on, in order."""
        if self._pngs is not None:
            return _read_png(self._pngs[index])
        if self._video is None:
            self._video = _video_masks(self.path, index)
        return next(self._video)


def _read_png(path: Path) -> np.ndarray:
    try:
        with Image.open(path) as image:
            alpha = np.asarray(image.getchannel("A"), np.float32) if "A" in image.getbands() else None
            if alpha is not None and alpha.min() < 255:
                return alpha / 255.0
            return np.asarray(image.convert("L"), np.float32) / 255.0
    except OSError as exc:
        raise InputError(f"{path}: not a readable PNG mask ({exc})") from exc


def _video_masks(path: Path, start: int) -> Iterator[np.ndarray]:
    from artify_core.video import iter_frames

    for batch in iter_frames(path, start=start, batch_frames=16):
        # BT.601 luma, as the encoder's own Y plane was.
        luma = batch.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
        yield from luma / 255.0


def file_masks(*, path: str | Path) -> FileMasks:
    """Builds the file mask source for a mask video or a folder of PNGs."""
    path = Path(path).expanduser()
    if not path.exists():
        raise InputError(f"mask source file:{path}: no such file or folder; give a mask video or a folder of PNGs")
    return FileMasks(path)
