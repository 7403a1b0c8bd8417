"""Tiled against untiled inference on a 1080p frame: difference figures and pictures.

Stylizes one 1080p frame (Big Buck Bunny, scaled up) with the default memory budget (one
whole pass) and with a 256 MiB budget (tiled: strips, whole-frame norm statistics), and for
contrast with naive tiles (the network run on each quarter separately: per-tile statistics).
Prints mean/max absolute differences in levels and writes docs/images/tiling_difference_1080p.jpg:
untiled | tiled | |tiled - untiled| x 32 | |naive tiles - untiled| x 4.

    python bench/bench_tiling.py [--style ../shared/media/style/starrynight.jpg]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from artify_core.images import load_image
from artify_core.memory import model_pass
from artify_core.models import load_model
from artify_core.models.base import StyleImage
from artify_core.video import read_frames

REPO = Path(__file__).resolve().parents[1]
MEDIA = REPO.parent / "shared" / "media"


def naive_tiles(model, frame: np.ndarray, style: np.ndarray) -> np.ndarray:
    """The frame stylized as four independent quarters (each with its own norm statistics), stitched."""
    height, width = frame.shape[1] // 2, frame.shape[2] // 2
    out = np.empty_like(frame)
    for top in (0, height):
        for left in (0, width):
            quarter = np.ascontiguousarray(frame[:, top:top + height, left:left + width])
            out[:, top:top + height, left:left + width] = model.stylize(quarter, style)
    return out


def labelled(image: np.ndarray, text: str) -> Image.Image:
    picture = Image.fromarray(image).resize((640, 360), Image.LANCZOS)
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 0, 8 + 6 * len(text), 16), fill=(0, 0, 0))
    draw.text((4, 2), text, fill=(255, 255, 255))
    return picture


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--style", default=str(MEDIA / "style" / "starrynight.jpg"))
    args = parser.parse_args()
    frame = read_frames(MEDIA / "content" / "bigbuckbunny_720p.mp4", start=60, end=61, height=1080)
    whole = load_model("arbitrary", device="cpu")
    tiled = load_model("arbitrary", device="cpu", memory_budget=256 * 2**20)
    plan = model_pass(frame.shape[2], frame.shape[1], tiled.memory_bytes, 8)
    print(f"1080p frame {frame.shape[2]}x{frame.shape[1]}, precision {whole.precision}; "
          f"256 MiB budget: tiled={plan.tiled}, strips of {plan.strip_bytes / 2**20:.0f} MiB")
    style = whole.prepare_style([StyleImage(load_image(args.style))])
    timings = {}
    for name, model in (("untiled", whole), ("tiled", tiled)):
        started = time.perf_counter()
        timings[name] = model.stylize(frame, style)
        print(f"{name}: {time.perf_counter() - started:.2f} s")
    naive = naive_tiles(whole, frame, style)
    a, b, c = (timings["untiled"].astype(int), timings["tiled"].astype(int), naive.astype(int))
    tiled_diff, naive_diff = np.abs(b - a), np.abs(c - a)
    print(f"tiled vs untiled: mean {tiled_diff.mean():.4f} levels, max {tiled_diff.max()}, "
          f"pixels differing {100 * (tiled_diff.max(axis=-1) > 0).mean():.3f} %")
    print(f"naive quarters vs untiled: mean {naive_diff.mean():.2f} levels, max {naive_diff.max()}")
    panels = [labelled(timings["untiled"][0], "untiled"), labelled(timings["tiled"][0], "tiled (strips, whole-frame norms)"),
              labelled(np.clip(tiled_diff[0] * 32, 0, 255).astype(np.uint8), "|tiled - untiled| x 32"),
              labelled(np.clip(naive_diff[0] * 4, 0, 255).astype(np.uint8), "|per-tile norms - untiled| x 4")]
    sheet = Image.new("RGB", (1280, 720))
    for k, panel in enumerate(panels):
        sheet.paste(panel, ((k % 2) * 640, (k // 2) * 360))
    target = REPO / "docs" / "images" / "tiling_difference_1080p.jpg"
    sheet.save(target, quality=90)
    print(f"wrote {target}")


if __name__ == "__main__":
    torch.set_num_threads(2)
    main()
