"""Style scale on Big Buck Bunny: strokes sized relative to the frame, at two output sizes.

Writes docs/images/style_scale_bunny.jpg (rows: output 720 and 360 lines, both shown at the
same size; columns: style scale 0.5, 1, 2) and bench-out/style_scale_zoom.jpg (the rejected
alternative: zooming into the style image), and prints seconds per frame for each scale.

    python bench/bench_style_scale.py [--frame 60] [--style ../shared/media/style/wave.jpg]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from artify_core.images import load_image
from artify_core.models import load_model
from artify_core.models.base import StyleImage
from artify_core.pipeline.scale import resize_frames, stylize_at_scale, working_size
from artify_core.video import read_frames

REPO = Path(__file__).resolve().parents[1]
MEDIA = REPO.parent / "shared" / "media"


def label(image: np.ndarray, text: str) -> np.ndarray:
    picture = Image.fromarray(image)
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 0, 8 + 7 * len(text), 18), fill=(0, 0, 0))
    draw.text((4, 3), text, fill=(255, 255, 255))
    return np.asarray(picture)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frame", type=int, default=60)
    parser.add_argument("--style", default=str(MEDIA / "style" / "wave.jpg"))
    args = parser.parse_args()
    model = load_model("arbitrary", device="cpu")
    style = model.prepare_style([StyleImage(load_image(args.style))])
    content = MEDIA / "content" / "bigbuckbunny_720p.mp4"
    rows = []
    for height in (720, 360):
        frame = read_frames(content, start=args.frame, end=args.frame + 1, height=height)
        cells = []
        for scale in (0.5, 1.0, 2.0):
            started = time.perf_counter()
            out = stylize_at_scale(lambda f: model.stylize(f, style), frame, scale)[0]
            seconds = time.perf_counter() - started
            work = working_size(frame.shape[2], frame.shape[1], scale)
            print(f"output {height} lines, style scale {scale}: model at {work[0]}x{work[1]}, {seconds:.2f} s/frame")
            shown = resize_frames(out[None], (640, 360))[0]
            cells.append(label(shown, f"{height}p output, style scale {scale}"))
        rows.append(np.concatenate(cells, axis=1))
    sheet = np.concatenate(rows, axis=0)
    target = REPO / "docs" / "images" / "style_scale_bunny.jpg"
    Image.fromarray(sheet).save(target, quality=85)
    print(f"wrote {target}")
    # The alternative: zoom into the painting (a centre crop 1/scale of its size) before embedding.
    painting = load_image(args.style)
    frame = read_frames(content, start=args.frame, end=args.frame + 1)
    cells = []
    for scale in (0.5, 1.0, 2.0):
        h, w = painting.shape[:2]
        if scale >= 1:
            ch, cw = int(h / scale), int(w / scale)
            zoomed = painting[(h - ch) // 2:(h + ch) // 2, (w - cw) // 2:(w + cw) // 2]
        else:
            zoomed = np.tile(painting, (2, 2, 1))  # scale 0.5: the painting tiled 2x2, strokes half as large
        zoomed_style = model.prepare_style([StyleImage(np.ascontiguousarray(zoomed))])
        shown = resize_frames(model.stylize(frame, zoomed_style), (640, 360))[0]
        cells.append(label(shown, f"style image zoom, scale {scale}"))
    out_dir = REPO / "bench-out"
    out_dir.mkdir(exist_ok=True)
    Image.fromarray(np.concatenate(cells, axis=1)).save(out_dir / "style_scale_zoom.jpg", quality=85)
    print(f"wrote {out_dir / 'style_scale_zoom.jpg'}")


if __name__ == "__main__":
    main()
