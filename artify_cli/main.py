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

from artify_cli.batch import add_batch_parser, run_batch
from artify_cli.preview import add_preview_parser, run_preview
from artify_core.errors import ArtifyError, InputError
from artify_core.pipeline.styles import NO_STYLE, SCHEDULE_CHOICES
from artify_core.storage.uri import is_remote

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="artify", description="Video-to-video neural style transfer.")
    parser.add_argument("-v", "--verbose", action="store_true", help="show Prefect's logs")
    commands = parser.add_subparsers(dest="command", required=True)

    stylize = commands.add_parser("stylize", help="stylize a video with a painting, several, or a style video")
    stylize.add_argument("content", help="content video")
    stylize.add_argument("--style", action="append", default=[], metavar="IMAGE|VIDEO",
                         help="style image (repeat for several) or one style video")
    stylize.add_argument("--style-weight", action="append", type=float, metavar="W",
                         help="weight of each --style when mixing (default: equal)")
    stylize.add_argument("--schedule", choices=SCHEDULE_CHOICES, default="auto",
                         help="how styles spread over time: a style video's timeline stretched over the "
                              "content's (proportional, its default), the next style at each content cut "
                              "(scenes), one style (single); several images are mixed (mix, their default)")
    stylize.add_argument("--transition", type=float, default=1.0, metavar="SECONDS",
                         help="length of the blend between two scheduled styles (default 1 s)")
    stylize.add_argument("--model", default="arbitrary", help="stylization model (default: arbitrary)")
    stylize.add_argument("--out", help="output video (default: <content>.stylized.mp4 beside it)")
    stylize.add_argument("--height", type=int, help="resize to this height, aspect kept")
    stylize.add_argument("--strength", type=float, default=1.0,
                         help="0 keeps the content's own look, 1 the full style (default 1)")
    stylize.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    stylize.add_argument("--chunk-frames", type=int, default=100, metavar="N",
                         help="frames per chunk, the unit of caching and parallelism (default 100)")
    stylize.add_argument("--crf", type=int, default=18, help="x264 quality, lower is better (default 18)")
    stylize.add_argument("--preset", default="medium", help="x264 preset (default medium)")
    stylize.add_argument("--workers", type=int, default=0, metavar="N",
                         help="stylize chunks on a local Dask cluster of N worker processes (one per GPU with "
                              "dask-cuda); 0 runs them in this process (default)")
    stylize.add_argument("--dask-address", metavar="tcp://HOST:8786",
                         help="an existing Dask scheduler whose workers stylize the chunks")
    stylize.add_argument("--store", help="artifact store directory (default $ARTIFY_STORE or ~/.cache/artify/store)")
    stylize.add_argument("--allow-truncated", action="store_true",
                         help="stylize the decodable part of a video cut mid-stream instead of refusing it")
    gatys = stylize.add_argument_group("gatys model")
    gatys.add_argument("--backbone", choices=["vgg19", "mobilenet"],
                       help="feature network (default vgg19; mobilenet works offline from installed weights)")
    gatys.add_argument("--iterations", type=int, metavar="N", help="optimisation steps per frame")
    layered = stylize.add_argument_group("segmented model")
    layered.add_argument("--fg-style", action="append", metavar="IMAGE|VIDEO|none",
                         help="style of the foreground (subject); 'none' keeps its pixels (default: --style)")
    layered.add_argument("--bg-style", action="append", metavar="IMAGE|VIDEO|none",
                         help="style of the background; 'none' keeps its pixels (default: --style)")
    layered.add_argument("--mask", metavar="motion|deeplab|file:PATH",
                         help="where the foreground masks come from (default motion: moving subject, static camera)")
    layered.add_argument("--composite", choices=["hard", "feather", "blur", "resize"],
                         help="how the two layers are merged (default feather)")
    layered.add_argument("--feather-radius", type=int, metavar="PX", help="edge cross-fade in pixels (default 8)")
    stylize.add_argument("--no-smooth", dest="smooth", action="store_false",
                         help="turn off temporal smoothing along the optical flow")
    stylize.add_argument("--smooth-strength", type=float, default=0.5, metavar="A",
                         help="how much of the previous output is carried along the flow, 0..0.95 (default 0.5)")
    stylize.add_argument("--flow", choices=["dis", "raft"], default="dis",
                         help="optical flow smoothing follows: OpenCV DIS (CPU, default) or torchvision RAFT "
                              "(GPU; weights from the torch cache or $ARTIFY_RAFT_WEIGHTS)")
    stylize.add_argument("--evaluate", action="store_true",
                         help="measure the result (warping error, SSIM, style distance) and write a report")
    stylize.add_argument("--report", metavar="DIR", help="report directory for --evaluate "
                         "(default <output name>.report beside the output)")

    keyframes = commands.add_parser("keyframes", help="extract the styles of a style video")
    keyframes.add_argument("video", help="style video")
    keyframes.add_argument("--out", required=True, metavar="DIR",
                           help="directory for keyframes.json, the keyframe PNGs and a contact sheet")
    keyframes.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")

    evaluate = commands.add_parser("evaluate", help="measure a stylized video against its content and style")
    evaluate.add_argument("stylized", help="stylized video")
    evaluate.add_argument("--content", required=True, help="the content video it was made from")
    evaluate.add_argument("--style", action="append", default=[], metavar="IMAGE|VIDEO",
                          help="style image(s) or the style video used (default: none, no style distance)")
    evaluate.add_argument("--schedule", choices=SCHEDULE_CHOICES, default="auto",
                          help="the schedule used with a style video or several images")
    evaluate.add_argument("--transition", type=float, default=1.0, metavar="SECONDS")
    evaluate.add_argument("--json", metavar="OUT.json", help="write the figures and per-frame values here")
    evaluate.add_argument("--report", metavar="DIR", help="write a report (plot, contact sheet, markdown) here")
    evaluate.add_argument("--max-frames", type=int, metavar="N", help="evaluate only the first N frames")
    evaluate.add_argument("--device", choices=["auto", "cpu", "cuda"], default="cpu")

    info = commands.add_parser("info", help="print what Artify reads from a video")
    info.add_argument("video")
    add_batch_parser(commands)
    add_preview_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_prefect(args.verbose)
    try:
        commands = {"info": _info, "stylize": _stylize, "keyframes": _keyframes, "evaluate": _evaluate,
                    "batch": run_batch, "preview": run_preview}
        return commands[args.command](args)
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
        "rate": info.times.describe(), "colour": info.color.describe(min(info.width, info.height)),
    }
    for key, value in rows.items():
        print(f"{key:>9}: {value}")
    return EXIT_OK


def _validate_styles(paths: Sequence[str], weights: Sequence[float] | None = None) -> None:
    """Reads every style image, probes a style video: bad style input fails before any work starts."""
    from artify_core.images import load_image
    from artify_core.pipeline.styles import classify_style_sources
    from artify_core.video import ensure_complete, probe_video

    sources = classify_style_sources(paths)
    for image in sources.images:
        if not is_remote(image):
            load_image(image)
    if sources.video is not None and not is_remote(sources.video):
        info = ensure_complete(probe_video(sources.video))
        if info.frames < 1:
            raise InputError(f"{sources.video}: the style video has no frames")
    if weights is not None and (len(weights) != len(paths) or any(w < 0 for w in weights) or sum(weights) <= 0):
        raise InputError(f"--style-weight: give one non-negative weight per --style ({len(paths)}), "
                         f"with a positive sum; got {list(weights)}")


def _validate_stylize(args: argparse.Namespace) -> tuple[object, str]:
    from artify_core.models import MODEL_BUILDERS
    from artify_core.video import check_writable, ensure_complete, probe_video
    from flows.stylize_video import default_output_path

    if args.model not in MODEL_BUILDERS:
        raise InputError(f"--model {args.model}: unknown model; choose from {', '.join(MODEL_BUILDERS)}")
    if not 0.0 <= args.strength <= 1.0:
        raise InputError(f"--strength {args.strength}: must be between 0 and 1")
    if args.chunk_frames < 1:
        raise InputError(f"--chunk-frames {args.chunk_frames}: must be at least 1")
    if args.workers < 0:
        raise InputError(f"--workers {args.workers}: must be 0 (in process) or more")
    if not 0.0 <= args.smooth_strength <= 0.95:
        raise InputError(f"--smooth-strength {args.smooth_strength}: must be between 0 and 0.95")
    if args.transition < 0:
        raise InputError(f"--transition {args.transition}: must be >= 0 seconds")
    # Objects in object storage are checked by the flow once downloaded; local files here, before any work.
    info = None if is_remote(args.content) else ensure_complete(probe_video(args.content),
                                                                 allow_truncated=args.allow_truncated)
    layered = args.fg_style is not None or args.bg_style is not None
    if layered and args.model != "segmented":
        raise InputError(f"--fg-style/--bg-style: only the segmented model has layers (--model {args.model})")
    if not args.style and not (args.fg_style and args.bg_style):
        raise InputError("--style: give a style (or, with --model segmented, both --fg-style and --bg-style)")
    if args.style:
        _validate_styles(args.style, args.style_weight)
    for layer in (args.fg_style, args.bg_style):
        if layer and layer != [NO_STYLE]:
            _validate_styles(layer)
    if args.iterations is not None and args.iterations < 1:
        raise InputError(f"--iterations {args.iterations}: must be at least 1")
    _model_options(args)
    output = args.out or default_output_path(args.content)
    if output == args.content or (not is_remote(output) and Path(output).resolve() == Path(args.content).resolve()):
        raise InputError(f"{output}: the output would overwrite the content video")
    if not is_remote(output):
        check_writable(Path(output))
    if args.report:
        _check_report_dir(Path(args.report))
    return info, output


def _stylize(args: argparse.Namespace) -> int:
    info, output = _validate_stylize(args)
    from tqdm import tqdm

    from flows.stylize_video import stylize_video
    from tasks.progress import add_listener

    with tqdm(total=info.frames if info else None, unit="frame", desc="stylizing", disable=None) as bar:
        remove = add_listener(bar.update)
        try:
            result = stylize_video(
                content=args.content, style=args.style, output=output, model=args.model,
                height=args.height, strength=args.strength, device=args.device,
                chunk_frames=args.chunk_frames, style_weights=args.style_weight, schedule=args.schedule,
                transition_seconds=args.transition, smooth=args.smooth, smooth_strength=args.smooth_strength,
                smooth_flow=args.flow,
                evaluate=args.evaluate, report_dir=args.report, crf=args.crf, preset=args.preset,
                fg_style=args.fg_style, bg_style=args.bg_style, model_options=_model_options(args),
                workers=args.workers, dask_address=args.dask_address,
                store=args.store, allow_truncated=args.allow_truncated,
            )
        finally:
            remove()
    cached = f", {result.chunks_cached} of {result.chunks} chunks from cache" if result.chunks_cached else ""
    print(f"{result.output}: {result.frames} frames{cached}")
    if result.metrics is not None:
        _print_figures(result.metrics)
    return EXIT_OK


def _model_options(args: argparse.Namespace) -> dict:
    """Builder keyword arguments for the chosen model, only those the user set."""
    flags = {"gatys": {"backbone": args.backbone, "iterations": args.iterations},
             "segmented": {"mask": args.mask, "composite": args.composite, "feather_radius": args.feather_radius}}
    chosen = flags.get(args.model, {})
    for model, options in flags.items():
        stray = [name for name, value in options.items() if value is not None and model != args.model]
        if stray:
            raise InputError(f"--{stray[0].replace('_', '-')} belongs to --model {model}, not {args.model}")
    return {name: value for name, value in chosen.items() if value is not None}


def _keyframes(args: argparse.Namespace) -> int:
    from artify_core.keyframes import extract_keyframes, save_keyframes
    from artify_core.models import load_model
    from artify_core.video import ensure_complete, probe_video

    ensure_complete(probe_video(args.video))
    _check_report_dir(Path(args.out))
    keyframes = extract_keyframes(args.video, load_model("arbitrary", device=args.device).embed_style)
    written = save_keyframes(keyframes, args.out)
    for segment in keyframes.segments:
        print(f"frames {segment.start_frame:>6}-{segment.end_frame:<6} "
              f"{keyframes.seconds(segment.start_frame):8.2f}-{keyframes.seconds(segment.end_frame):<8.2f} s  "
              f"style {segment.style}")
    for style in keyframes.styles:
        print(f"style {style.id}: keyframe {style.keyframe_frame} -> {Path(args.out) / style.image}")
    print(f"{written}: {len(keyframes.segments)} segments, {len(keyframes.styles)} styles")
    return EXIT_OK


def _evaluate(args: argparse.Namespace) -> int:
    from artify_core.keyframes import detect_video_cuts, extract_keyframes
    from artify_core.metrics import evaluate_video
    from artify_core.metrics.style import arbitrary_backbone
    from artify_core.models.base import StyleImage
    from artify_core.pipeline.styles import (
        classify_style_sources,
        images_style_schedule,
        keyframes_schedule,
        style_references,
    )
    from artify_core.video import check_writable, probe_video

    content = probe_video(args.content)
    probe_video(args.stylized)
    if not args.style:
        raise InputError("--style: give the style image(s) or style video the video was made with")
    _validate_styles(args.style)
    if args.json:
        check_writable(Path(args.json))
    if args.report:
        _check_report_dir(Path(args.report))
    backbone = arbitrary_backbone(device=args.device)
    sources = classify_style_sources(args.style)
    cuts = detect_video_cuts(args.content, content)
    weights = [1.0] * len(args.style)
    keyframes = None if sources.video is None else extract_keyframes(sources.video, backbone.embed_fn)
    references: list[StyleImage] = style_references(sources, weights, keyframes)
    schedule = (keyframes_schedule(keyframes, args.schedule, content.frames, content.fps, cuts=cuts,
                                   transition_seconds=args.transition) if keyframes is not None else
                images_style_schedule(len(references), args.schedule, content.frames, content.fps, cuts=cuts,
                                      transition_seconds=args.transition))
    result = evaluate_video(args.stylized, args.content, references, backbone=backbone, cuts=cuts,
                            schedule=schedule, max_frames=args.max_frames, report_dir=args.report)
    if args.json:
        from artify_core.video.writer import temporary_sibling

        target = Path(args.json)
        staging = temporary_sibling(target, ".json")
        staging.write_text(result.to_json())
        os.replace(staging, target)
    summary = result.to_dict()
    _print_figures(summary)
    if result.report is not None:
        print(f"report: {result.report.markdown}")
    return EXIT_OK


def _check_report_dir(directory: Path) -> None:
    from artify_core.video import check_writable

    # An existing directory must take the report's files; a new one needs a writable parent.
    check_writable(directory / "report.md" if directory.is_dir() else directory)


def _print_figures(summary: dict) -> None:
    for name in ("frames", "warping_error", "warping_error_content", "warping_error_ratio", "style_distance",
                 "style_distance_embedding", "ssim", "seconds_per_frame"):
        value = summary.get(name)
        text = "n/a" if value is None else (f"{value:.6g}" if isinstance(value, float) else str(value))
        print(f"{name:>24}: {text}")


def _configure_prefect(verbose: bool) -> None:
    # Must happen before prefect is imported: its settings are read at import.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
