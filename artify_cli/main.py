"""The ``artify`` command line.

Inputs are validated here before any flow starts, so bad input costs no
Prefect start-up and ends with one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

from artify_core.errors import ArtifyError, InputError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="artify", description="Video-to-video neural style transfer.")
    parser.add_argument("-v", "--verbose", action="store_true", help="show Prefect's logs")
    commands = parser.add_subparsers(dest="command", required=True)

    stylize = commands.add_parser("stylize", help="stylize a video with a painting")
    stylize.add_argument("content", help="content video")
    stylize.add_argument("--style", action="append", required=True, metavar="IMAGE",
                         help="style image; repeat to mix several")
    stylize.add_argument("--model", default="arbitrary", help="stylization model (default: arbitrary)")
    stylize.add_argument("--out", help="output video (default: <content>.stylized.mp4 beside it)")
    stylize.add_argument("--height", type=int, help="resize to this height, aspect kept")
    stylize.add_argument("--strength", type=float, default=1.0,
                         help="0 keeps the content's own look, 1 the full style (default 1)")
    stylize.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    stylize.add_argument("--chunk-frames", type=int, default=50, metavar="N",
                         help="frames per chunk, the unit of caching and parallelism (default 50)")
    stylize.add_argument("--crf", type=int, default=18, help="x264 quality, lower is better (default 18)")
    stylize.add_argument("--preset", default="medium", help="x264 preset (default medium)")
    stylize.add_argument("--store", help="artifact store directory (default $ARTIFY_STORE or ~/.cache/artify/store)")
    stylize.add_argument("--allow-truncated", action="store_true",
                         help="stylize the decodable part of a video cut mid-stream instead of refusing it")

    info = commands.add_parser("info", help="print what Artify reads from a video")
    info.add_argument("video")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_prefect(args.verbose)
    try:
        if args.command == "info":
            return _info(args)
        return _stylize(args)
    except InputError as exc:
        print(f"artify: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ArtifyError as exc:
        print(f"artify: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("artify: interrupted; nothing was published", file=sys.stderr)
        return 130


def _info(args: argparse.Namespace) -> int:
    from artify_core.video import probe_video

    info = probe_video(args.video)
    rows = {
        "file": info.path, "size": f"{info.width}x{info.height}", "fps": info.fps_str,
        "frames": info.frames, "duration": f"{info.duration:.3f} s", "rotation": info.rotation,
        "codec": info.codec, "pix_fmt": info.pix_fmt,
        "audio": info.audio_codec if info.has_audio else "none",
        "truncated": "yes" if info.truncated else "no",
    }
    for key, value in rows.items():
        print(f"{key:>9}: {value}")
    return EXIT_OK


def _validate_stylize(args: argparse.Namespace) -> tuple[object, str]:
    from artify_core.images import load_image
    from artify_core.models import MODEL_BUILDERS
    from artify_core.video import check_writable, ensure_complete, probe_video
    from flows.stylize_video import default_output_path

    if args.model not in MODEL_BUILDERS:
        raise InputError(f"--model {args.model}: unknown model; choose from {', '.join(MODEL_BUILDERS)}")
    if not 0.0 <= args.strength <= 1.0:
        raise InputError(f"--strength {args.strength}: must be between 0 and 1")
    if args.chunk_frames < 1:
        raise InputError(f"--chunk-frames {args.chunk_frames}: must be at least 1")
    info = ensure_complete(probe_video(args.content), allow_truncated=args.allow_truncated)
    for style in args.style:
        load_image(style)
    output = args.out or default_output_path(args.content)
    if Path(output).resolve() == Path(args.content).resolve():
        raise InputError(f"{output}: the output would overwrite the content video")
    check_writable(Path(output))
    return info, output


def _stylize(args: argparse.Namespace) -> int:
    info, output = _validate_stylize(args)
    from tqdm import tqdm

    from flows.stylize_video import stylize_video
    from tasks.progress import add_listener

    with tqdm(total=info.frames, unit="frame", desc="stylizing", disable=None) as bar:
        remove = add_listener(bar.update)
        try:
            result = stylize_video(
                content=args.content, style=args.style, output=output, model=args.model,
                height=args.height, strength=args.strength, device=args.device,
                chunk_frames=args.chunk_frames, crf=args.crf, preset=args.preset,
                store=args.store, allow_truncated=args.allow_truncated,
            )
        finally:
            remove()
    cached = f", {result.chunks_cached} of {result.chunks} chunks from cache" if result.chunks_cached else ""
    print(f"{result.output}: {result.frames} frames{cached}")
    return EXIT_OK


def _configure_prefect(verbose: bool) -> None:
    # Must happen before prefect is imported: its settings are read at import.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
