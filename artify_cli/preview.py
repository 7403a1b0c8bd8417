"""``artify preview``: a few frames per style, stylized as the full run would, on one sheet.

Runs in this process without Prefect (a sheet takes seconds, Prefect's start-up
would dominate); the ``preview`` flow (flows/preview.py) renders the same sheet
as a Prefect artifact.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from artify_core.errors import InputError

EXIT_OK = 0


def add_preview_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    preview = commands.add_parser("preview", help="a few frames per style on one sheet, before a long run")
    preview.add_argument("content", help="content video")
    preview.add_argument("--style", action="append", required=True, metavar="IMAGE",
                         help="style image (repeat to compare several)")
    preview.add_argument("--at", action="append", default=[], metavar="TIME",
                         help="time to show, seconds or HH:MM:SS.mmm (repeat; default 25%%, 50%% and 75%% of the video)")
    preview.add_argument("--out", help="sheet image (default <content name>.preview.jpg beside the content)")
    preview.add_argument("--model", default="arbitrary", help="stylization model, as for stylize (default arbitrary)")
    preview.add_argument("--height", type=int, help="resize to this height, aspect kept, as for stylize")
    preview.add_argument("--strength", type=float, default=1.0, help="0..1, as for stylize (default 1)")
    preview.add_argument("--style-scale", type=float, metavar="X",
                         help="brush-stroke size relative to the frame, 0.25..4, as for stylize")
    preview.add_argument("--no-smooth", dest="smooth", action="store_false",
                         help="as for stylize: no temporal smoothing (and no warm-up frames)")
    preview.add_argument("--smooth-strength", type=float, default=0.5, metavar="A", help="as for stylize (default 0.5)")
    preview.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    return preview


def run_preview(args: argparse.Namespace) -> int:
    from artify_core.images import load_image
    from artify_core.models import load_model
    from artify_core.preview import PreviewSettings, render_preview
    from artify_core.temporal.smoothing import SmoothingSettings
    from artify_core.video import check_writable, ensure_complete, probe_video

    started = time.perf_counter()
    info = ensure_complete(probe_video(args.content))
    settings = PreviewSettings(at=tuple(args.at), height=args.height, strength=args.strength,
                               style_scale=args.style_scale,
                               smoothing=SmoothingSettings(strength=args.smooth_strength) if args.smooth else None)
    for style in args.style:
        load_image(style)  # a bad image fails here, before the model loads
    out = Path(args.out) if args.out else Path(args.content).with_suffix(".preview.jpg")
    if out.suffix.lower() not in (".jpg", ".jpeg", ".png"):
        raise InputError(f"--out {out}: the sheet is an image; give a .jpg or .png path")
    check_writable(out)
    model = load_model(args.model, device=args.device)
    sheet = render_preview(info, model, args.style, settings)
    sheet.save(out)
    seconds = ", ".join(f"{s:.2f}" for s in sheet.seconds)
    print(f"{out}: {len(sheet.styles)} styles at {seconds} s, {time.perf_counter() - started:.1f} s")
    return EXIT_OK
