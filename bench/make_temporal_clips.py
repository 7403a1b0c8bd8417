"""The clips the temporal smoother is measured on at every size (``bench/bench_temporal_sizes.py``),
made from the shared media and from generated motion, reproducibly (same frames on every run).

=============  ===========  =========  ======  ===================================================
clip           size         fps        frames  made from
=============  ===========  =========  ======  ===================================================
phone176       176×144      29.97      132     bigbuckbunny_720p cropped to the character (880×720
                                               from x = 60) and reduced 5×, retimed (not resampled)
                                               to 30000/1001: a head-and-shoulders shot at mobile-
                                               video size. No real talking-head clip is in the
                                               shared media; this stands in for one.
bikes272       640×272      25         250     bikes.mp4 itself (5 hard cuts; a tuning clip)
bikes360       640×360      25         100     bikes.mp4 frames 100–199 scaled to 360 lines, the
                                               middle 640 columns (hard cuts at 37 and 87)
pan360         640×360      25         64      generated: a window of square.jpg panning 3.3 px/frame
                                               right, 0.7 down (sub-pixel, bicubic): known motion
dissolve360    640×360      25         96      bikes.mp4's first three shots at 640×360 joined by
                                               15-frame cross-dissolves instead of its hard cuts
bunny720       1280×720     25         132     bigbuckbunny_720p itself (a tuning clip)
bunny1080      1920×1080    25         80      bigbuckbunny_720p frames 0–79 scaled 1.5× (Lanczos):
                                               1080p frames whose finest detail is 720p's
pan1080        1920×1080    25         64      generated: square.jpg (2× upscaled) under a camera
                                               that pans and zooms, speeding up from 2 to 18
                                               px/frame, a disc cut from amber.jpg crossing it at
                                               36 px/frame (fast motion, occlusion, disocclusion)
=============  ===========  =========  ======  ===================================================

Clips are encoded at crf 10 (x264 "medium"), close to lossless, so they are sources, not
re-encodes that hide flicker. Nothing here is committed: run this script (about a minute) and
the clips appear under ``--out``.

    python bench/make_temporal_clips.py [--out bench-out/temporal-clips] [--clips phone176 pan1080]
"""

from __future__ import annotations

import argparse
import sys
from fractions import Fraction
from pathlib import Path
from typing import Callable

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared" / "media"
BIKES = SHARED / "content" / "bikes.mp4"
BUNNY = SHARED / "content" / "bigbuckbunny_720p.mp4"
SOURCE_CRF = 10
DISSOLVE_FRAMES = 15


def phone176() -> tuple[np.ndarray, Fraction]:
    import cv2

    from artify_core.video import read_frames

    frames = read_frames(BUNNY)[:, :, 60:940]  # 880×720: the character and the burrow around it
    return np.stack([cv2.resize(f, (176, 144), interpolation=cv2.INTER_AREA) for f in frames]), Fraction(30000, 1001)


def _bikes_at_360(start: int, end: int) -> np.ndarray:
    import cv2

    from artify_core.video import read_frames

    frames = read_frames(BIKES, start=start, end=end)
    scaled = [cv2.resize(f, (847, 360), interpolation=cv2.INTER_CUBIC) for f in frames]  # 640×272 → 847×360
    left = (847 - 640) // 2
    return np.stack([f[:, left:left + 640] for f in scaled])


def bikes360() -> tuple[np.ndarray, Fraction]:
    return _bikes_at_360(100, 200), Fraction(25)


def dissolve360() -> tuple[np.ndarray, Fraction]:
    """Shots [0, 30), [30, 76), [76, 137) of bikes.mp4: each cut becomes a cross-dissolve in which
    the outgoing shot's last 15 frames and the incoming shot's first 15 are mixed, the mix ramping
    linearly (1/16 … 15/16)."""
    shots = [_bikes_at_360(0, 30), _bikes_at_360(30, 76), _bikes_at_360(76, 137)]
    n = DISSOLVE_FRAMES
    ramp = (np.arange(1, n + 1, dtype=np.float32) / (n + 1))[:, None, None, None]
    pieces = [shots[0][:-n]]
    for outgoing, incoming in zip(shots, shots[1:]):
        mixed = (1 - ramp) * outgoing[-n:].astype(np.float32) + ramp * incoming[:n].astype(np.float32)
        pieces += [np.rint(mixed).astype(np.uint8), incoming[n:]]
        # The incoming shot's own tail is cut where the next dissolve takes it over.
        if incoming is not shots[-1]:
            pieces[-1] = pieces[-1][:-n]
    return np.concatenate(pieces)[:96], Fraction(25)


def bunny1080() -> tuple[np.ndarray, Fraction]:
    import cv2

    from artify_core.video import read_frames

    frames = read_frames(BUNNY, end=80)
    return np.stack([cv2.resize(f, (1920, 1080), interpolation=cv2.INTER_LANCZOS4) for f in frames]), Fraction(25)


def pan1080(frames: int = 64) -> tuple[np.ndarray, Fraction]:
    """A camera over square.jpg (1280×720, so 2× upscaled: soft) that zooms from 2.0× to 2.2× while
    panning right and a little down, speeding up from 2 to 18 px/frame; a 420-px disc of amber.jpg's
    carved door crossing from right to left at 36 px/frame. Sub-pixel motion throughout (bicubic)."""
    import cv2

    from artify_core.images import load_image

    background = load_image(SHARED / "images" / "square.jpg")
    sprite = cv2.resize(load_image(SHARED / "images" / "amber.jpg")[300:1080, 150:930], (420, 420),
                        interpolation=cv2.INTER_AREA)
    yy, xx = np.mgrid[:420, :420]
    disc = ((xx - 209.5) ** 2 + (yy - 209.5) ** 2 <= 205 ** 2).astype(np.float32)
    disc = cv2.GaussianBlur(disc, (5, 5), 1.0)[..., None]  # an anti-aliased edge, as a camera sees one
    width, height = 1920, 1080
    out = []
    centre_x, centre_y = 481.0, 280.0  # source pixels; the window starts at the image's left edge
    for t in range(frames):
        zoom = 2.0 + 0.2 * t / (frames - 1)
        speed = 2.0 + 16.0 * t / (frames - 1)  # output pixels per frame
        centre_x += speed / zoom
        centre_y += 0.3 * speed / zoom
        # Output (x, y) <- source (centre + (x - W/2)/zoom, ...): the inverse map, given directly.
        matrix = np.array([[1 / zoom, 0, centre_x - width / 2 / zoom],
                           [0, 1 / zoom, centre_y - height / 2 / zoom]], np.float32)
        frame = cv2.warpAffine(background, matrix, (width, height), flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REFLECT)
        left, top = int(round(1900 - 36 * t)), 420 + int(round(120 * np.sin(t / 12)))
        x0, x1 = max(0, left), min(width, left + 420)
        if x1 > x0:
            piece = frame[top:top + 420, x0:x1].astype(np.float32)
            alpha = disc[:, x0 - left:x1 - left]
            frame[top:top + 420, x0:x1] = np.rint(piece * (1 - alpha) + sprite[:, x0 - left:x1 - left] * alpha)
        out.append(frame)
    return np.stack(out), Fraction(25)


def pan_windows(canvas: np.ndarray, frames: int = 64) -> np.ndarray:
    """640×360 windows of ``canvas`` (1280×720) under a camera panning 3.3 px/frame right and 0.7 down,
    sampled bicubic at sub-pixel offsets: the motion is known exactly, so a stylization that moves
    with it can be made (``bench_temporal_sizes``'s perfectly stable reference)."""
    import cv2

    out = []
    for t in range(frames):
        matrix = np.array([[1, 0, 40 + 3.3 * t], [0, 1, 150 + 0.7 * t]], np.float32)
        out.append(cv2.warpAffine(canvas, matrix, (640, 360), flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                                  borderMode=cv2.BORDER_REFLECT))
    return np.stack(out)


def pan360() -> tuple[np.ndarray, Fraction]:
    from artify_core.images import load_image

    return pan_windows(load_image(SHARED / "images" / "square.jpg")), Fraction(25)


MADE: dict[str, Callable[[], tuple[np.ndarray, Fraction]]] = {
    "phone176": phone176, "bikes360": bikes360, "pan360": pan360, "dissolve360": dissolve360,
    "bunny1080": bunny1080, "pan1080": pan1080,
}
# The two clips the smoother was tuned on, used as they are (no re-encode).
SHARED_CLIPS = {"bikes272": BIKES, "bunny720": BUNNY}
# Smallest to largest, the shared ones among them.
CLIPS = ["phone176", "bikes272", "bikes360", "pan360", "dissolve360", "bunny720", "bunny1080", "pan1080"]


def make_clip(name: str, out: Path) -> Path:
    """Writes clip ``name`` to ``out/name.mp4`` unless it is there; returns its path (a shared
    clip's own path for the two used as they are)."""
    from artify_core.video import VideoWriter

    if name in SHARED_CLIPS:
        return SHARED_CLIPS[name]
    path = out / f"{name}.mp4"
    if path.exists():
        return path
    frames, fps = MADE[name]()
    with VideoWriter(path, width=frames.shape[2], height=frames.shape[1], fps=fps, crf=SOURCE_CRF,
                     preset="medium") as writer:
        writer.write(frames)
    print(f"  {path}: {frames.shape[2]}x{frames.shape[1]}, {len(frames)} frames at {float(fps):.3f} fps", flush=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "bench-out" / "temporal-clips"))
    parser.add_argument("--clips", nargs="+", default=list(CLIPS), choices=list(CLIPS))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in args.clips:
        make_clip(name, out)


if __name__ == "__main__":
    main()
