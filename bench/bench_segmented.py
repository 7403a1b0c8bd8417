"""Segmented model on bigbuckbunny: motion-mask quality and stability, mask and compositing time, contact sheet.

Runs the motion mask source and the mask stabilizer over the whole clip in
batches of 8 (as the chunk pipeline feeds a sequence), then:

* checks, on every frame after the first second, that the mask is the
  character: between 2 % and 50 % of the frame, at least 85 % of it inside
  the character's box (drawn by eye on every 15th frame from 25, the nearest
  box used, widened by 6 % of the frame for the motion in between), and
  covering at least a third of the (unwidened) box: the character fills
  55–70 % of its box, so a third means about half of the character or more;
  prints how much of the box the masks cover;
* prints the mean IoU of consecutive masks, raw and stabilized;
* times mask extraction (source, stabilizer) and the four composite modes per
  frame, the latter with a trivial pointwise "style" so that only compositing
  is timed (the stylization itself is timed on its own);
* saves a contact sheet of the four modes on one frame, foreground and
  background in two styles, and a sheet of mask overlays.

    python bench/bench_segmented.py [--height 720] [--frame 100] [--sheet docs/images/segmented_modes.jpg]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared" / "media"

# Character boxes drawn by eye on frames of bigbuckbunny_720p.mp4: frame -> (x0, y0, x1, y1) as fractions.
CHARACTER_BOXES = {
    25: (0.08, 0.25, 0.47, 0.82), 40: (0.16, 0.05, 0.56, 0.84), 55: (0.16, 0.05, 0.49, 0.86),
    70: (0.125, 0.10, 0.56, 0.86), 85: (0.115, 0.10, 0.48, 0.86), 100: (0.115, 0.10, 0.49, 0.86),
    115: (0.21, 0.05, 0.49, 0.85), 130: (0.22, 0.05, 0.495, 0.85),
}
BOX_MARGIN = 0.06


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("content", nargs="?", default=str(SHARED / "content" / "bigbuckbunny_720p.mp4"))
    parser.add_argument("--height", type=int, default=None, help="decode height (default: native 720)")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--frame", type=int, default=100, help="frame of the contact sheet")
    parser.add_argument("--fg-style", default=str(SHARED / "style" / "wave.jpg"))
    parser.add_argument("--bg-style", default=str(SHARED / "style" / "candy.jpg"))
    parser.add_argument("--radius", type=int, default=8)
    parser.add_argument("--sheet", type=Path, default=REPO / "docs" / "images" / "segmented_modes.jpg")
    parser.add_argument("--mask-sheet", type=Path, default=REPO / "docs" / "images" / "segmented_masks.jpg")
    args = parser.parse_args()

    from artify_core.segmentation.masks import load_mask_source
    from artify_core.segmentation.stabilize import MaskStabilizer
    from artify_core.video import iter_frames, probe_video

    info = probe_video(args.content)
    source, stabilizer = load_mask_source("motion"), MaskStabilizer()
    raw, stable, kept = [], [], {}
    mask_s = stab_s = 0.0
    for start, batch in _batches(iter_frames(args.content, batch_frames=args.batch, height=args.height)):
        t0 = time.perf_counter()
        masks = source.masks(batch)
        t1 = time.perf_counter()
        steady = stabilizer.stabilize(batch, masks)
        t2 = time.perf_counter()
        mask_s, stab_s = mask_s + t1 - t0, stab_s + t2 - t1
        raw.append(masks >= 0.5)
        stable.append(steady >= 0.5)
        for i in range(len(batch)):
            if start + i == args.frame or (start + i) in (30, 60, 90, 120):
                kept[start + i] = (batch[i].copy(), steady[i].copy())
    raw, stable = np.concatenate(raw), np.concatenate(stable)
    count, height, width = stable.shape
    print(f"{Path(args.content).name}: {count} frames {width}x{height}, batches of {args.batch}")
    print(f"mask extraction: motion source {1000 * mask_s / count:.1f} ms/frame, "
          f"stabilizer {1000 * stab_s / count:.1f} ms/frame, total {1000 * (mask_s + stab_s) / count:.1f}")
    _report_quality(raw, stable, info.fps)
    frame, mask = kept[args.frame]
    _time_and_sheet(frame, mask, args)
    _mask_sheet(kept, args.mask_sheet)


def _batches(batches):
    start = 0
    for batch in batches:
        yield start, batch
        start += len(batch)


def _report_quality(raw: np.ndarray, stable: np.ndarray, fps) -> None:
    first = int(round(float(fps)))  # frames after the first second
    ok = [_is_character(mask, t) for t, mask in enumerate(stable) if t >= first]
    print(f"character is foreground in {sum(ok)}/{len(ok)} frames after the first second "
          f"({100 * np.mean(ok):.1f} %)")
    failed = [first + i for i, good in enumerate(ok) if not good]
    if failed:
        print(f"  frames failing the check: {failed}")
    cover = np.array([_coverage(mask, t) for t, mask in enumerate(stable) if t >= first])
    print(f"  share of the character's box covered: median {np.median(cover):.2f}, min {cover.min():.2f}, "
          f">= 0.4 in {100 * np.mean(cover >= 0.4):.1f} % of frames")
    for name, masks in (("raw", raw), ("stabilized", stable)):
        ious = [_iou(a, b) for a, b in zip(masks[1:], masks[:-1])]
        print(f"mean IoU of consecutive masks, {name}: all {np.mean(ious):.4f}, "
              f"after 1 s {np.mean(ious[first - 1:]):.4f}, min after 1 s {np.min(ious[first - 1:]):.4f}")


def _is_character(mask: np.ndarray, t: int) -> bool:
    wide = _box(mask.shape, t, BOX_MARGIN)
    inside = (mask & wide).sum() / max(mask.sum(), 1)
    return 0.02 <= mask.mean() <= 0.5 and inside >= 0.85 and _coverage(mask, t) >= 1 / 3


def _coverage(mask: np.ndarray, t: int) -> float:
    box = _box(mask.shape, t, 0.0)
    return float((mask & box).sum() / box.sum())


def _box(shape: tuple[int, int], t: int, margin: float) -> np.ndarray:
    """bool (H, W): the character box of the annotated frame nearest to t, widened by ``margin``."""
    height, width = shape
    x0, y0, x1, y1 = CHARACTER_BOXES[min(CHARACTER_BOXES, key=lambda k: abs(k - t))]
    box = np.zeros(shape, bool)
    box[int(max(0, y0 - margin) * height):int(min(1, y1 + margin) * height),
        int(max(0, x0 - margin) * width):int(min(1, x1 + margin) * width)] = True
    return box


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0


def _time_and_sheet(frame: np.ndarray, mask: np.ndarray, args) -> None:
    from artify_core.images import load_image
    from artify_core.models.base import StyleImage
    from artify_core.models.segmented.model import segmented
    from artify_core.segmentation.composite import COMPOSITE_MODES, composite

    frames, masks = np.repeat(frame[None], 8, axis=0), np.repeat(mask[None], 8, axis=0)
    for mode in COMPOSITE_MODES:
        composite(frames[:1], masks[:1], _invert, _invert, mode=mode, radius=args.radius)  # warm caches
        started = time.perf_counter()
        composite(frames, masks, _invert, _invert, mode=mode, radius=args.radius)
        print(f"compositing, {mode}: {1000 * (time.perf_counter() - started) / len(frames):.1f} ms/frame "
              f"(two layers, pointwise stand-in style)")
    model = segmented(device="cpu", composite="feather", feather_radius=args.radius)
    style = model.prepare_layered_style([StyleImage(load_image(args.fg_style))],
                                        [StyleImage(load_image(args.bg_style))])
    fg = model.layer_stylizer([style.foreground], 1.0)
    bg = model.layer_stylizer([style.background], 1.0)
    started = time.perf_counter()
    fg(frame[None])
    print(f"stylization of one layer (arbitrary, {model.base.precision}): "
          f"{1000 * (time.perf_counter() - started):.0f} ms/frame")
    tiles = [(frame, "frame"), (_overlay(frame, mask), "motion mask (stabilized)")]
    for mode in COMPOSITE_MODES:
        tiles.append((composite(frame[None], mask[None], fg, bg, mode=mode, radius=args.radius)[0], mode))
    _save_sheet(tiles, args.sheet, columns=3)


def _invert(frames: np.ndarray) -> np.ndarray:
    return 255 - frames


def _overlay(frame: np.ndarray, mask: np.ndarray) -> np.ndarray:
    tint = np.array([255, 40, 40], np.float32)
    alpha = 0.5 * (mask >= 0.5)[..., None]
    return np.clip(frame * (1 - alpha) + tint * alpha, 0, 255).astype(np.uint8)


def _mask_sheet(kept: dict, path: Path) -> None:
    tiles = [(_overlay(frame, mask), f"frame {t}") for t, (frame, mask) in sorted(kept.items())]
    _save_sheet(tiles, path, columns=len(tiles))


def _save_sheet(tiles, path: Path, columns: int, tile_width: int = 480) -> None:
    from PIL import Image, ImageDraw

    height, width = tiles[0][0].shape[:2]
    tile_height = round(height * tile_width / width)
    rows = -(-len(tiles) // columns)
    sheet = Image.new("RGB", (columns * tile_width, rows * tile_height), "white")
    for i, (pixels, label) in enumerate(tiles):
        tile = Image.fromarray(pixels).resize((tile_width, tile_height), Image.LANCZOS)
        draw = ImageDraw.Draw(tile)
        draw.rectangle((0, 0, 8 + 7 * len(label), 16), fill="black")
        draw.text((4, 2), label, fill="white")
        sheet.paste(tile, ((i % columns) * tile_width, (i // columns) * tile_height))
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, quality=85)
    print(f"saved {path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
