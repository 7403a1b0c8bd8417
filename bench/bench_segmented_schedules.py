"""Both layers on their own schedules, through the stylize_video flow: bigbuckbunny's character follows a style
video while its background holds one painting.

The segmented model (motion masks, ``--composite inpaint`` by default here)
with the foreground following paintings4.mp4 (four paintings, 3 s each:
starrynight, wave, udnie, mosaic; proportional schedule, 1 s transitions) and
the background candy.jpg. Prints the run's figures and where each style
should show, then saves a contact sheet: the keyframes the flow found in the
style video (top row), an output frame in the middle of each style's stretch
below its keyframe, and the first frame and each transition's middle (bottom row).

    python bench/bench_segmented_schedules.py [--height 360] [--chunk-frames 50] [--composite inpaint]
        [--sheet docs/images/segmented_bunny_fg_paintings4_bg_candy.jpg]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared" / "media"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("content", nargs="?", default=str(SHARED / "content" / "bigbuckbunny_720p.mp4"))
    parser.add_argument("--fg-style", default=str(SHARED / "style_video" / "paintings4.mp4"))
    parser.add_argument("--bg-style", default=str(SHARED / "style" / "candy.jpg"))
    parser.add_argument("--height", type=int, default=360)
    parser.add_argument("--chunk-frames", type=int, default=50)
    parser.add_argument("--composite", default="inpaint")
    parser.add_argument("--out", type=Path, default=REPO / "bench-out" / "bunny_fg_paintings4_bg_candy.mp4")
    parser.add_argument("--store", type=Path, default=REPO / "bench-out" / "store")
    parser.add_argument("--sheet", type=Path,
                        default=REPO / "docs" / "images" / "segmented_bunny_fg_paintings4_bg_candy.jpg")
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")  # a busy machine

    from artify_core.keyframes.io import load_keyframes
    from artify_core.video import probe_video, read_frames
    from artify_core.settings import VideoRequest
    from flows.stylize_video import stylize_video

    args.out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    result = stylize_video(VideoRequest(
        content=args.content, style=[args.bg_style], model="segmented", output=str(args.out), height=args.height,
        segmented={"fg_style": [args.fg_style], "bg_style": [args.bg_style], "composite": args.composite},
        encoding={"preset": "ultrafast"},
        execution={"device": "cpu", "chunk_frames": args.chunk_frames, "store": str(args.store)}))
    print(f"{result.output}: {result.frames} frames in {result.chunks} chunks ({result.chunks_cached} cached), "
          f"{time.perf_counter() - started:.0f} s")
    sets = sorted((args.store / "keyframes").glob("*/keyframes.json"), key=lambda p: p.stat().st_mtime)
    keyframes = load_keyframes(sets[-1].parent)
    info = probe_video(args.out)
    source = keyframes.frames
    bounds = [segment.start_frame * info.frames / source for segment in keyframes.segments]
    print("foreground schedule (proportional): " + ", ".join(
        f"style {s.style} from frame {b:.1f}" for s, b in zip(keyframes.segments, bounds)))
    middles = [round((a + b) / 2) for a, b in zip(bounds, [*bounds[1:], info.frames])]
    frames = read_frames(args.out)
    tiles = [(style.pixels, f"keyframe {style.id} ({Path(style.image).stem})") for style in keyframes.styles]
    tiles += [(frames[t], f"frame {t}: fg style {segment.style}") for t, segment in zip(middles, keyframes.segments)]
    tiles += [(frames[0], "frame 0: no subject masked yet")]  # motion masks need the subject to move
    tiles += [(frames[round(b)], f"frame {round(b)}: fg {a.style} -> {s.style} (mid-transition)")
              for a, s, b in zip(keyframes.segments, keyframes.segments[1:], bounds[1:])]
    _save_sheet(tiles, args.sheet, columns=len(keyframes.styles))


def _save_sheet(tiles, path: Path, columns: int, tile_width: int = 320) -> None:
    from PIL import Image, ImageDraw

    tile_height = round(tile_width * 9 / 16)
    rows = -(-len(tiles) // columns)
    sheet = Image.new("RGB", (columns * tile_width, rows * tile_height), "white")
    for i, (pixels, label) in enumerate(tiles):
        tile = Image.fromarray(np.ascontiguousarray(pixels)).resize((tile_width, tile_height), Image.LANCZOS)
        draw = ImageDraw.Draw(tile)
        draw.rectangle((0, 0, 8 + 6 * len(label), 14), fill="black")
        draw.text((4, 1), label, fill="white")
        sheet.paste(tile, ((i % columns) * tile_width, (i // columns) * tile_height))
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, quality=75)
    print(f"saved {path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
