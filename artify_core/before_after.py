"""A playable before/after of a run: a few seconds of the content beside the output.

Style transfer on video is judged in motion (flicker, strokes that swim), so the result of a
run is shown as a short loop, the content on the left and the output on the right, taken
from the part of the video that moves most: where the content is still, any output looks
steady. Motion is measured cheaply, as the mean absolute difference between consecutive
frames decoded at a few dozen lines; pairs across a scene cut are left out, or every
preview would be chosen around a cut. The loop is an animated WebP (a GIF where smaller)
within a byte budget, so it can be inlined in a Prefect artifact.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from artify_core.images import AnimatedImage, animated_image
from artify_core.video import VideoInfo, iter_frames, probe_video

# Seconds shown: long enough to see strokes move, short enough to stay small.
PREVIEW_SECONDS = 3.0
# Lines of the frames motion is measured on: enough to see things move, cheap to decode.
MOTION_HEIGHT = 36
# At most this many frames are decoded to find the moving part; a longer video is measured
# on evenly spread candidate windows instead of end to end.
MAX_SCAN_FRAMES = 1500
# Pixels of each side of the loop at most (a 16:9 frame: 320x180), before it is reduced to fit
# its bytes.
PANEL_PIXELS = 320 * 180
# Bytes of the encoded loop at most: inlined as base64 (4/3 larger), the result artifact stays
# under 400 kB.
MAX_PREVIEW_BYTES = 290_000


@dataclass(frozen=True)
class Window:
    """Frames ``[start, end)`` of the output and their mean motion (grey levels, 0-255, per pair)."""

    start: int
    end: int
    motion: float

    @property
    def frames(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class BeforeAfter:
    """The encoded loop and what it shows."""

    image: AnimatedImage
    window: Window
    seconds: float  # how long the window lasts in the video
    whole: bool  # the window is all of the output (a short one)


def pair_motion(frames: np.ndarray) -> np.ndarray:
    """Mean absolute difference of consecutive frames, float64 (N-1,), from RGB uint8 (N, H, W, 3)."""
    grey = frames.astype(np.float32).mean(axis=-1)
    return np.abs(np.diff(grey, axis=0)).mean(axis=(1, 2)).astype(np.float64)


def most_moving(motion: np.ndarray, length: int, cuts: Sequence[int] = (), offset: int = 0) -> Window:
    """The window of ``length`` frames whose pairs move most on average; ``motion[i]`` is the
    pair (offset + i, offset + i + 1). Pairs that end on a cut count as still. Earliest wins ties."""
    frames = len(motion) + 1
    length = max(1, min(length, frames))
    counted = motion.astype(np.float64, copy=True)
    for cut in cuts:
        if 0 < cut - offset <= len(counted):
            counted[cut - offset - 1] = 0.0
    if length == 1 or not len(counted):
        return Window(offset, offset + length, 0.0)
    sums = np.concatenate([[0.0], np.cumsum(counted)])
    pairs = length - 1
    scores = (sums[pairs:] - sums[:-pairs]) / pairs  # scores[s]: pairs s .. s + pairs - 1
    start = int(np.argmax(scores))
    return Window(offset + start, offset + start + length, float(scores[start]))


def choose_window(info: VideoInfo, length: int, cuts: Sequence[int] = ()) -> Window:
    """The most moving ``length`` frames of ``info``'s video.

    A short video is measured end to end; a longer one on ``MAX_SCAN_FRAMES // length`` windows
    spread evenly, each decoded after a seek, so the cost stays that of ``MAX_SCAN_FRAMES`` frames."""
    length = max(1, min(length, info.frames))
    if info.frames <= MAX_SCAN_FRAMES:
        return most_moving(pair_motion(_small(info, 0, info.frames)), length, cuts)
    starts = np.linspace(0, info.frames - length, num=max(2, MAX_SCAN_FRAMES // length)).round().astype(int)
    windows = [most_moving(pair_motion(_small(info, int(s), int(s) + length)), length, cuts, int(s))
               for s in starts]
    return max(windows, key=lambda window: window.motion)


def render_before_after(content: VideoInfo, output: str | Path, *, cuts: Sequence[int] = (),
                        content_start: int = 0, seconds: float = PREVIEW_SECONDS,
                        max_bytes: int = MAX_PREVIEW_BYTES) -> BeforeAfter:
    """The loop for a run: ``output``'s most moving ``seconds`` beside the same frames of
    ``content`` (the output starts at content frame ``content_start``: an excerpt; ``cuts`` in
    content frames), side by side at the output's aspect, within ``max_bytes``."""
    out_info, content_info = probe_video(output), content
    fps = out_info.fps
    length = max(2, round(seconds * fps))
    chosen = choose_window(out_info, length, [c - content_start for c in cuts])
    width, height = panel_size(out_info.width, out_info.height)
    after = _frames(out_info, chosen.start, chosen.end, height)
    before = _frames(content_info, content_start + chosen.start, content_start + chosen.end, height)
    frames = min(len(before), len(after))
    pairs = np.concatenate([_fit(before[:frames], width), _fit(after[:frames], width)], axis=2)
    return BeforeAfter(animated_image(pairs, fps, max_bytes=max_bytes), chosen, float(chosen.frames / fps),
                       chosen.frames == out_info.frames)


def panel_size(width: int, height: int, pixels: int = PANEL_PIXELS) -> tuple[int, int]:
    """(width, height) of one side: the frame's aspect within ``pixels``, even, never larger than the frame."""
    scale = min(1.0, (pixels / (width * height)) ** 0.5)
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def _small(info: VideoInfo, start: int, end: int) -> np.ndarray:
    batches = list(iter_frames(info.path, start=start, end=end, height=MOTION_HEIGHT, info=info))
    return np.concatenate(batches) if batches else np.zeros((0, MOTION_HEIGHT, 1, 3), np.uint8)


def _frames(info: VideoInfo, start: int, end: int, height: int) -> np.ndarray:
    batches = list(iter_frames(info.path, start=start, end=end, height=height, info=info))
    return np.concatenate(batches)


def _fit(frames: np.ndarray, width: int) -> np.ndarray:
    """Crops or pads (black) frames to ``width`` columns, centred: the decoder rounds widths to even."""
    have = frames.shape[2]
    if have > width:
        left = (have - width) // 2
        return frames[:, :, left:left + width]
    if have < width:
        pad = width - have
        return np.pad(frames, ((0, 0), (0, 0), (pad // 2, pad - pad // 2), (0, 0)))
    return frames
