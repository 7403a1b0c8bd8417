"""Segmented model on bigbuckbunny: masks, steady crops, inpainting, seams of the five composite modes.

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
* prints the ``resize`` mode's foreground crop box, frame to frame: the change
  of its height (mean, max, and how often it grows then shrinks or back by 2
  px or more: jitter) with each frame's own box and with the steady box of
  the model's default ``crop_smoothing``;
* times inpainting per frame (the pass's frame size, 720p by default): classical
  (Telea and Navier–Stokes at their working size) for each layer's hole, and
  the background plate (temporal inpainting, classical where never seen), fed
  every frame as the model feeds it;
* times mask extraction (source, stabilizer) and the five composite modes per
  frame, the latter with a trivial pointwise "style" so that only compositing
  is timed (the stylization itself is timed on its own);
* stylizes the comparison frames (pairs t, t+1) in the five modes (each as
  the model builds it: inpaint from the background plate fed every frame,
  resize with the steady boxes; plus inpaint with classical filling only, and
  with the foreground filled too), foreground and background in two styles,
  and prints per mode the seam measures of ``artify_core.metrics.seams``
  within ``--band`` pixels of the mask's outline: gradient energy in the band
  over the ring around it, and the warping error in the band inside (along
  the content's flow) and outside (along the background's motion); the
  content's own figures for reference;
* saves a contact sheet of the five modes on three frames, a sheet of the same
  frames zoomed on the outline, and a sheet of mask overlays.

    python bench/bench_segmented.py [--height 720] [--frames 40,41,72,73,104,105,128,129]
        [--sheet docs/images/segmented_modes.jpg] [--seam-sheet docs/images/segmented_seams.jpg]
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

from artify_core.models.segmented.model import DEFAULT_CROP_SMOOTHING  # noqa: E402

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
    parser.add_argument("--frames", default="40,41,72,73,104,105,128,129",
                        help="comparison frames, in pairs t,t+1 (the first of the first three pairs make the sheets)")
    parser.add_argument("--fg-style", default=str(SHARED / "style" / "wave.jpg"))
    parser.add_argument("--bg-style", default=str(SHARED / "style" / "candy.jpg"))
    parser.add_argument("--radius", type=int, default=8)
    parser.add_argument("--band", type=float, default=None,
                        help="seam band: pixels from the mask's outline (default: the feather radius, the cross-fade)")
    parser.add_argument("--threads", type=int, default=2, help="torch and OpenCV threads")
    parser.add_argument("--sheet", type=Path, default=REPO / "docs" / "images" / "segmented_modes.jpg")
    parser.add_argument("--seam-sheet", type=Path, default=REPO / "docs" / "images" / "segmented_seams.jpg")
    parser.add_argument("--mask-sheet", type=Path, default=REPO / "docs" / "images" / "segmented_masks.jpg")
    args = parser.parse_args()
    args.frames = [int(f) for f in args.frames.split(",")]
    args.band = args.band or float(args.radius)

    import cv2
    import torch

    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    from artify_core.segmentation.composite import feather_alpha, inpaint_holes, resize_margin, resize_regions
    from artify_core.segmentation.crops import CropBoxFilter, layer_box
    from artify_core.segmentation.inpaint import BackgroundPlate, inpaint_frames
    from artify_core.segmentation.masks import load_mask_source
    from artify_core.segmentation.stabilize import MaskStabilizer
    from artify_core.video import iter_frames, probe_video

    info = probe_video(args.content)
    source, stabilizer = load_mask_source("motion"), MaskStabilizer()
    plate, crops = BackgroundPlate(), [CropBoxFilter(DEFAULT_CROP_SMOOTHING) for _ in range(2)]
    raw, stable, kept, compared = [], [], {}, {}
    boxes = {"each frame's own box": [], f"steady (crop_smoothing {DEFAULT_CROP_SMOOTHING})": []}
    seconds = dict.fromkeys(["source", "stabilizer", "plate", "telea fg", "telea bg", "ns fg", "ns bg"], 0.0)
    for start, batch in _batches(iter_frames(args.content, batch_frames=args.batch, height=args.height)):
        masks = _timed(seconds, "source", source.masks, batch)
        steady = _timed(seconds, "stabilizer", stabilizer.stabilize, batch, masks)
        raw.append(masks >= 0.5)
        stable.append(steady >= 0.5)
        # The resize mode's foreground boxes, as composite_resize and the model's sequence make them.
        regions = resize_regions(feather_alpha(steady, args.radius))
        margin, aspect = resize_margin(args.radius), batch.shape[2] / batch.shape[1]
        own = [layer_box(r, aspect, margin) for r in regions[0]]
        smooth, background = (crop.update(region, margin) for crop, region in zip(crops, regions))
        boxes["each frame's own box"] += own
        boxes[f"steady (crop_smoothing {DEFAULT_CROP_SMOOTHING})"] += smooth
        # Inpainting as the model does it: the plate sees every frame; classical fills timed alongside.
        fg_hole, bg_hole = inpaint_holes(steady, args.radius)
        filled = _timed(seconds, "plate", plate.fill, batch, bg_hole)
        for method in ("telea", "ns"):
            _timed(seconds, f"{method} fg", inpaint_frames, batch, fg_hole, method=method)
            _timed(seconds, f"{method} bg", inpaint_frames, batch, bg_hole, method=method)
        for i in range(len(batch)):
            t = start + i
            if t in args.frames:
                compared[t] = (batch[i].copy(), steady[i].copy(), filled[i].copy(), (smooth[i], background[i]))
            if t in (30, 60, 90, 120):
                kept[t] = (batch[i].copy(), steady[i].copy())
    raw, stable = np.concatenate(raw), np.concatenate(stable)
    count, height, width = stable.shape
    print(f"{Path(args.content).name}: {count} frames {width}x{height}, batches of {args.batch}, "
          f"{args.threads} threads")
    mask_s, stab_s = seconds["source"], seconds["stabilizer"]
    print(f"mask extraction: motion source {1000 * mask_s / count:.1f} ms/frame, "
          f"stabilizer {1000 * stab_s / count:.1f} ms/frame, total {1000 * (mask_s + stab_s) / count:.1f}")
    _report_quality(raw, stable, info.fps)
    _report_crops(boxes, info.fps)
    _report_inpainting(seconds, count, height)
    _time_composites(compared[args.frames[0]][:2], args)
    _compare_modes(compared, args)
    _mask_sheet(kept, args.mask_sheet)


def _batches(batches):
    start = 0
    for batch in batches:
        yield start, batch
        start += len(batch)


def _timed(seconds: dict, name: str, function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    seconds[name] += time.perf_counter() - started
    return result


def _report_crops(boxes: dict, fps) -> None:
    """Frame-to-frame change of the foreground crop box's height, each frame's own against steady."""
    first = int(round(float(fps)))
    for name, series in boxes.items():
        heights = np.array([np.nan if box is None else box[2] for box in series], np.float64)
        change = np.abs(np.diff(heights))
        late = change[first:]
        step = np.diff(heights)
        # Jitter: the height grows then shrinks (or back) by 2 px or more on consecutive frames.
        big = np.abs(step) >= 2
        reversals = int(np.sum(big[1:] & big[:-1] & (np.sign(step[1:]) != np.sign(step[:-1]))))
        print(f"resize crop box height change per frame, {name}: mean {np.nanmean(change):.2f} px, "
              f"max {np.nanmax(change):.0f} px (after 1 s: mean {np.nanmean(late):.2f}, max {np.nanmax(late):.0f}); "
              f"{reversals} reversals of 2+ px; height {np.nanmin(heights):.0f}-{np.nanmax(heights):.0f} px")


def _report_inpainting(seconds: dict, count: int, height: int) -> None:
    per = {name: 1000 * value / count for name, value in seconds.items()}
    print(f"inpainting at {height} rows, ms/frame: classical foreground layer (background region filled) "
          f"telea {per['telea fg']:.1f}, ns {per['ns fg']:.1f}; classical background layer (subject filled) "
          f"telea {per['telea bg']:.1f}, ns {per['ns bg']:.1f}; background plate (temporal, telea where unseen) "
          f"{per['plate']:.1f}")
    print(f"  inpaint mode as built (background plate; foreground as is): {per['plate']:.1f} ms/frame; "
          f"with inpaint_foreground: {per['telea fg'] + per['plate']:.1f} ms/frame")


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


def _time_composites(frame_and_mask, args) -> None:
    from artify_core.segmentation.composite import COMPOSITE_MODES, composite

    frame, mask = frame_and_mask
    frames, masks = np.repeat(frame[None], 8, axis=0), np.repeat(mask[None], 8, axis=0)
    for mode in COMPOSITE_MODES:
        composite(frames[:1], masks[:1], _invert, _invert, mode=mode, radius=args.radius)  # warm caches
        started = time.perf_counter()
        composite(frames, masks, _invert, _invert, mode=mode, radius=args.radius)
        note = " (background layer inpainted classically)" if mode == "inpaint" else ""
        print(f"compositing, {mode}: {1000 * (time.perf_counter() - started) / len(frames):.1f} ms/frame "
              f"(two layers, pointwise stand-in style){note}")


def _compare_modes(compared: dict, args) -> None:
    """The five modes on the comparison frames: seam figures per mode, the two contact sheets."""
    from artify_core.images import load_image
    from artify_core.models.base import StyleImage
    from artify_core.models.segmented.model import segmented
    from artify_core.segmentation.composite import COMPOSITE_MODES, composite, composite_inpaint, composite_resize

    model = segmented(device="cpu", composite="feather", feather_radius=args.radius)
    style = model.prepare_layered_style([StyleImage(load_image(args.fg_style))],
                                        [StyleImage(load_image(args.bg_style))])
    fg = _memoized(model.layer_stylizer([style.foreground], 1.0))
    bg = _memoized(model.layer_stylizer([style.background], 1.0))
    order = sorted(compared)
    frames = np.stack([compared[t][0] for t in order])
    masks = np.stack([compared[t][1] for t in order])
    variants = {mode: mode for mode in COMPOSITE_MODES}
    variants.update({"inpaint, classical only": "classical", "inpaint, foreground filled too": "both"})
    outputs = {"content": frames}
    started = time.perf_counter()
    for name, variant in variants.items():
        rows = []
        for t in order:
            frame, mask, filled, steady_boxes = compared[t]
            if variant == "inpaint":  # as built: the background from the plate fed every frame
                out = composite_inpaint(frame[None], mask[None], fg, bg, radius=args.radius,
                                        background_input=filled[None])
            elif variant == "classical":
                out = composite_inpaint(frame[None], mask[None], fg, bg, radius=args.radius)
            elif variant == "both":
                out = composite_inpaint(frame[None], mask[None], fg, bg, radius=args.radius,
                                        background_input=filled[None], fill_foreground=True)
            elif variant == "resize":  # as built: the steady boxes
                out = composite_resize(frame[None], mask[None], fg, bg, radius=args.radius,
                                       boxes=tuple([box] for box in steady_boxes))
            else:
                out = composite(frame[None], mask[None], fg, bg, mode=variant, radius=args.radius)
            rows.append(out[0])
        outputs[name] = np.stack(rows)
    calls = fg.calls + bg.calls
    print(f"stylized {calls} layers in {time.perf_counter() - started:.0f} s "
          f"(arbitrary, {model.base.precision}, {1000 * (time.perf_counter() - started) / calls:.0f} ms each)")
    _print_seams(outputs, frames, masks, order, compared, args)
    sheet_frames = [t for t in order if t + 1 in compared][:3]
    tiles, zooms = [], []
    for t in sheet_frames:
        i = order.index(t)
        tiles.append((_overlay(frames[i], masks[i]), f"frame {t}, motion mask"))
        window = _zoom_window(masks[i])
        zooms.append((_crop(frames[i], window), f"frame {t}"))
        for mode in COMPOSITE_MODES:
            tiles.append((outputs[mode][i], mode))
            zooms.append((_crop(outputs[mode][i], window), mode))
    # Stylized frames are all strokes: quality 70 keeps the sheets near 300 KB.
    _save_sheet(tiles, args.sheet, columns=1 + len(COMPOSITE_MODES), tile_width=320, quality=70)
    _save_sheet(zooms, args.seam_sheet, columns=1 + len(COMPOSITE_MODES), tile_width=320, quality=70)


def _print_seams(outputs: dict, frames: np.ndarray, masks: np.ndarray, order: list, compared: dict, args) -> None:
    from artify_core.metrics.seams import band_warping_errors, seam_gradient_ratio
    from artify_core.temporal.flow import DISFlow
    from artify_core.temporal.functional import consistency_mask

    pairs = [(order.index(t), order.index(t + 1)) for t in order if t + 1 in compared]
    first, second = [a for a, _ in pairs], [b for _, b in pairs]
    flow = DISFlow(preset="medium")
    backward = flow.estimate(frames[second], frames[first])
    reliable = consistency_mask(backward, flow.estimate(frames[first], frames[second]))
    print(f"seams, {len(order)} frames ({', '.join(map(str, order))}); band: within {args.band:g} px of the mask's "
          f"outline (ring: {args.band:g}-{3 * args.band:g} px); warping error (x1e-3, {len(pairs)} pairs) in the band, "
          f"inside along the content's flow, outside along the background's motion:")
    print(f"  {'':31s} {'gradient band/ring':>18s} {'same, band x2':>14s} {'WE inside':>10s} {'WE outside':>11s}")
    for name, out in outputs.items():
        ratio = seam_gradient_ratio(out, masks, args.band)
        wide = seam_gradient_ratio(out, masks, 2 * args.band)
        flicker = band_warping_errors(out[second], out[first], backward, reliable, masks[second], masks[first],
                                      args.band)
        print(f"  {name:31s} {np.nanmean(ratio):11.3f} ± {np.nanstd(ratio):.3f} {np.nanmean(wide):14.3f} "
              f"{1000 * np.nanmean(flicker.inside):10.2f} {1000 * np.nanmean(flicker.outside):11.2f}")


class _memoized:
    """A layer's ``Stylize`` callable that stylizes each distinct input once (modes share inputs)."""

    def __init__(self, stylize):
        self.stylize, self.cache, self.calls = stylize, {}, 0

    def __call__(self, frames: np.ndarray) -> np.ndarray:
        import hashlib

        key = hashlib.sha1(frames.tobytes()).hexdigest()
        if key not in self.cache:
            self.cache[key] = self.stylize(frames)
            self.calls += len(frames)
        return self.cache[key]


def _zoom_window(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(top, left, height, width), a quarter of the frame each way, centred on the outline's
    rightmost point at the height of the mask's centre."""
    height, width = mask.shape
    inside = mask >= 0.5
    rows = np.flatnonzero(inside.any(1))
    row = int(np.round(np.mean(rows))) if rows.size else height // 2
    cols = np.flatnonzero(inside[row])
    col = int(cols[-1]) if cols.size else width // 2
    h, w = height // 4, width // 4
    return (int(np.clip(row - h // 2, 0, height - h)), int(np.clip(col - w // 2, 0, width - w)), h, w)


def _crop(image: np.ndarray, window) -> np.ndarray:
    top, left, h, w = window
    return np.ascontiguousarray(image[top:top + h, left:left + w])


def _invert(frames: np.ndarray) -> np.ndarray:
    return 255 - frames


def _overlay(frame: np.ndarray, mask: np.ndarray) -> np.ndarray:
    tint = np.array([255, 40, 40], np.float32)
    alpha = 0.5 * (mask >= 0.5)[..., None]
    return np.clip(frame * (1 - alpha) + tint * alpha, 0, 255).astype(np.uint8)


def _mask_sheet(kept: dict, path: Path) -> None:
    tiles = [(_overlay(frame, mask), f"frame {t}") for t, (frame, mask) in sorted(kept.items())]
    _save_sheet(tiles, path, columns=len(tiles))


def _save_sheet(tiles, path: Path, columns: int, tile_width: int = 480, quality: int = 85) -> None:
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
    sheet.save(path, quality=quality)
    print(f"saved {path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
