"""``artify batch``: stylize every video under a folder or ``s3://`` prefix.

One line per video (done, skipped, failed with its reason); exit code 0 when
every video was published or already up to date, 1 when some failed, 2 when the
source, destination or settings cannot be used at all.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from artify_core.errors import InputError

EXIT_OK, EXIT_FAILED = 0, 1


def add_batch_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    batch = commands.add_parser("batch", help="stylize every video under a folder or s3:// prefix")
    batch.add_argument("source", help="folder or s3://BUCKET/PREFIX holding the videos (searched recursively)")
    batch.add_argument("destination", help="folder or s3://BUCKET/PREFIX for the stylized videos, "
                       "same relative names with .stylized.mp4, each with a .manifest.json beside it")
    batch.add_argument("--style", action="append", required=True, metavar="IMAGE|VIDEO",
                       help="style image (repeat for several) or one style video; a path or s3:// URI")
    batch.add_argument("--model", default="arbitrary", help="stylization model (default: arbitrary)")
    batch.add_argument("--height", type=int, help="resize to this height, aspect kept")
    batch.add_argument("--strength", type=float, default=1.0, help="0..1 (default 1)")
    batch.add_argument("--chunk-frames", type=int, default=100, metavar="N", help="frames per chunk (default 100)")
    batch.add_argument("--no-smooth", dest="smooth", action="store_false", help="turn off temporal smoothing")
    batch.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    batch.add_argument("--max-concurrent", type=int, default=2, metavar="N",
                       help="videos stylized at once (default 2)")
    batch.add_argument("--evaluate", action="store_true", help="measure each result and keep its figures")
    batch.add_argument("--store", help="artifact store (default $ARTIFY_STORE or ~/.cache/artify/store)")
    return batch


def run_batch(args: argparse.Namespace) -> int:
    _validate(args)
    from artify_core.batch import BatchFailedError
    from flows.stylize_folder import stylize_folder

    state = stylize_folder(
        source=args.source, destination=args.destination, style=args.style, model=args.model,
        height=args.height, strength=args.strength, chunk_frames=args.chunk_frames, smooth=args.smooth,
        evaluate=args.evaluate, device=args.device, max_concurrent=args.max_concurrent, store=args.store,
        return_state=True)
    result = state.result(raise_on_failure=False)
    if isinstance(result, BatchFailedError):
        result = result.result
    elif isinstance(result, BaseException):
        raise result  # the whole batch could not run: main() prints one line
    for outcome in result.outcomes:
        print(outcome.line())
    print(result.summary())
    return EXIT_FAILED if result.failed else EXIT_OK


def _validate(args: argparse.Namespace) -> None:
    """Settings and the source listing are checked before Prefect starts (one line, exit 2)."""
    from artify_core.batch import list_videos
    from artify_core.models import MODEL_BUILDERS

    if args.model not in MODEL_BUILDERS:
        raise InputError(f"--model {args.model}: unknown model; choose from {', '.join(MODEL_BUILDERS)}")
    if args.height is not None and not 16 <= args.height <= 4320:
        raise InputError(f"--height {args.height}: must be between 16 and 4320")
    if not 0.0 <= args.strength <= 1.0:
        raise InputError(f"--strength {args.strength}: must be between 0 and 1")
    if args.chunk_frames < 1:
        raise InputError(f"--chunk-frames {args.chunk_frames}: must be at least 1")
    if not 1 <= args.max_concurrent <= 16:
        raise InputError(f"--max-concurrent {args.max_concurrent}: must be between 1 and 16")
    from artify_core.storage.uri import is_remote

    for style in args.style:
        if not is_remote(style) and not Path(style).expanduser().is_file():
            raise InputError(f"--style {style}: no such file")
    list_videos(args.source, args.destination)
