"""The ``artify`` command line.

The flags of ``stylize`` and ``batch`` are generated from the settings models
(``artify_core.settings``); requests and their files are validated here before
Prefect starts, so bad input costs no start-up and ends with one line on
stderr and exit code 2. Without ``-v`` a run shows its progress bar and one line
per problem; Prefect's logs (with tracebacks) go to its API, and to the
terminal with ``-v``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Any, Sequence

from artify_cli.batch import add_batch_parser, run_batch
from artify_cli.local_server import use_prefect_api
from artify_cli.options import OneLineParser, add_options, flag_of, request_from
from artify_cli.preview import add_preview_parser, run_preview
from artify_core.errors import ArtifyError, InputError
from artify_core.foundation.runtime import configure_for_frames
from artify_core.settings import VideoRequest

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="artify", description="Video-to-video neural style transfer.")
    parser.add_argument("-v", "--verbose", action="store_true", help="show Prefect's logs and full tracebacks")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    stylize = commands.add_parser("stylize", help="stylize a video with a painting, several, or a style video",
                                  description="Stylize CONTENT with --style (one painting, several, or a style "
                                              "video).")
    add_options(stylize, VideoRequest)

    keyframes = commands.add_parser("keyframes", help="extract the styles of a style video")
    keyframes.add_argument("video", help="style video")
    keyframes.add_argument("--out", required=True, metavar="DIR",
                           help="directory for keyframes.json, the keyframe PNGs and a contact sheet")
    add_options(keyframes, VideoRequest, only={"execution.device"})

    evaluate = commands.add_parser("evaluate", help="measure a stylized video against its content and style")
    evaluate.add_argument("stylized", help="stylized video")
    evaluate.add_argument("--content", required=True, help="the content video it was made from")
    add_options(evaluate, VideoRequest, only={"style", "schedule.schedule", "schedule.transition",
                                              "execution.device"}, defaults={"execution.device": "cpu"})
    evaluate.add_argument("--json", metavar="OUT.json", help="write the figures and per-frame values here")
    evaluate.add_argument("--report", metavar="DIR", help="write a report (plot, contact sheet, markdown) here")
    evaluate.add_argument("--max-frames", type=_at_least_one, metavar="N", help="evaluate only the first N frames")

    info = commands.add_parser("info", help="print what Artify reads from a video")
    info.add_argument("video")

    server = commands.add_parser("server", help="the local Prefect server artify commands share: where it is, "
                                                "or stop it")
    server.add_argument("action", nargs="?", choices=["status", "stop"], default="status")
    add_batch_parser(commands)
    add_preview_parser(commands)
    return parser


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: must be at least 1")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_prefect(args.verbose)
    _show_warnings(args.verbose)
    configure_for_frames()
    _stop_on_signals()
    try:
        commands = {"info": _info, "stylize": _stylize, "keyframes": _keyframes, "evaluate": _evaluate,
                    "batch": run_batch, "preview": run_preview, "server": _server}
        return commands[args.command](args)
    except InputError as exc:
        return _fail(exc, EXIT_BAD_INPUT, args.verbose)
    except ArtifyError as exc:
        return _fail(exc, EXIT_FAILED, args.verbose)
    except KeyboardInterrupt:
        _stop_now("interrupted", 130)
    except Exception as exc:  # a bug or an environment failure: one line, the traceback with -v
        return _fail(exc, EXIT_FAILED, args.verbose, hint=True)
    return EXIT_FAILED


def _fail(exc: BaseException, code: int, verbose: bool, hint: bool = False) -> int:
    if verbose:
        traceback.print_exception(exc)
    # Options the message is about are named by their flags here (the Prefect form names them by path).
    message = exc.named(flag_of) if isinstance(exc, InputError) and exc.fields else str(exc)
    text = (message.strip().splitlines() or [""])[0]
    if not isinstance(exc, ArtifyError):
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    more = " (run with -v for details)" if hint and not verbose else ""
    print(f"artify: error: {text}{more}", file=sys.stderr)
    return code


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM stop the process within moments. Nothing half-written is ever published
    (outputs appear by an atomic rename or a completed upload), so there is nothing to finish:
    child processes (Prefect's temporary server, Dask workers) are ended and the process
    exits without waiting for its worker threads. Temporary files left behind are removed by the
    next run."""
    signal.signal(signal.SIGTERM, lambda *_: _stop_now("terminated", 143))
    signal.signal(signal.SIGINT, lambda *_: _stop_now("interrupted", 130))


def _stop_now(what: str, code: int) -> None:
    try:
        import psutil

        children = psutil.Process().children(recursive=True)
        for child in children:
            child.kill()
    except Exception:  # psutil missing, or a child already gone: exiting is what matters
        pass
    print(f"\nartify: {what}; nothing was published", file=sys.stderr)
    sys.stderr.flush()
    os._exit(code)


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


def _stylize(args: argparse.Namespace) -> int:
    from artify_core.foundation.paths import default_store_uri
    from artify_core.pipeline.preflight import check_video_request
    from artify_core.pipeline.published import seen_before, up_to_date
    from artify_core.storage.uri import remote_identity

    request = request_from(args, VideoRequest)
    preflight = check_video_request(request)
    request = request.model_copy(update={"output": preflight.output})
    store, content = request.execution.store or default_store_uri(), remote_identity(request.content)
    # The same command again, nothing changed: say so from hashes, before Prefect or any model loads.
    done = up_to_date(request, store, content)
    if done is not None:
        print(f"{request.output}: {done.frames} frames, up to date (the same content, styles and settings "
              "made it; nothing to run)")
        return EXIT_OK
    # New content for this store: chunks will be stylized here, so the model loads while Prefect starts
    # (with workers they load it themselves; a known content's chunks are likely stored already).
    if not (request.execution.workers or request.execution.dask_address or seen_before(store, content)):
        _preload_model(request)
    use_prefect_api(args.verbose)
    from tqdm import tqdm

    from flows.stylize_video import stylize_video
    from tasks.progress import add_listener

    total = preflight.info.frames if preflight.info else None
    with tqdm(total=total, unit="frame", desc="stylizing", disable=None) as bar:
        remove = add_listener(bar.update)
        try:
            result = stylize_video(request)
        finally:
            remove()
    cached = f", {result.chunks_cached} of {result.chunks} chunks from cache" if result.chunks_cached else ""
    print(f"{result.output}: {result.frames} frames{cached}")
    if result.metrics is not None:
        _print_figures(result.metrics)
    return EXIT_OK


def _preload_model(request: VideoRequest) -> None:
    """Loads the run's model (torch's import, the weights) on a thread while Prefect starts and the
    run is planned, which mostly wait on the server: the first chunk finds it loaded. A failure
    here is left for the run to report where it happens."""
    import threading

    def load() -> None:
        try:
            from artify_core.pipeline.model_spec import spec_for
            from tasks.models import get_model

            get_model(spec_for(request))
        except Exception:  # noqa: BLE001 (reported by the run itself)
            pass

    threading.Thread(target=load, name="artify-model-preload", daemon=True).start()


def _server(args: argparse.Namespace) -> int:
    from artify_cli.local_server import running_server, state_dir, stop_local_server

    if os.environ.get("PREFECT_API_URL"):
        print(f"runs go to PREFECT_API_URL={os.environ['PREFECT_API_URL']} (no local server is used)")
        return EXIT_OK
    if args.action == "stop":
        stopped = stop_local_server()
        print(f"stopped the local Prefect server at {stopped.url}" if stopped else "no local Prefect server runs")
        return EXIT_OK
    server = running_server(state_dir())
    print(f"local Prefect server: UI at {server.url.removesuffix('/api')}, API at {server.url}" if server
          else "no local Prefect server runs; the next stylize or batch command starts one")
    return EXIT_OK


def _keyframes(args: argparse.Namespace) -> int:
    from artify_core.keyframes import extract_keyframes, save_keyframes
    from artify_core.models import load_model
    from artify_core.pipeline.preflight import check_report_dir
    from artify_core.video import ensure_complete, probe_video

    ensure_complete(probe_video(args.video))
    check_report_dir(Path(args.out))
    device = getattr(args, "execution.device", "auto")
    keyframes = extract_keyframes(args.video, load_model("arbitrary", device=device).embed_style)
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
    from artify_core.foundation.publish import replace_atomically
    from artify_core.keyframes import detect_video_cuts, extract_keyframes
    from artify_core.metrics import evaluate_video
    from artify_core.metrics.style import arbitrary_backbone
    from artify_core.pipeline.preflight import check_report_dir, check_styles
    from artify_core.pipeline.styles import (
        classify_style_sources,
        images_style_schedule,
        keyframes_schedule,
        style_references,
    )
    from artify_core.video import check_writable, probe_video

    content = probe_video(args.content)
    probe_video(args.stylized)
    styles = getattr(args, "style", [])
    if not styles:
        raise InputError("--style: give the style image(s) or style video the video was made with")
    check_styles(styles)
    schedule_choice = getattr(args, "schedule.schedule", "auto")
    transition = getattr(args, "schedule.transition", 1.0)
    if args.json:
        check_writable(Path(args.json))
    if args.report:
        check_report_dir(Path(args.report))
    backbone = arbitrary_backbone(device=getattr(args, "execution.device", "cpu"))
    sources = classify_style_sources(styles)
    cuts = detect_video_cuts(args.content, content)
    keyframes = None if sources.video is None else extract_keyframes(sources.video, backbone.embed_fn)
    references = style_references(sources, [1.0] * len(styles), keyframes)
    schedule = (keyframes_schedule(keyframes, schedule_choice, content.frames, content.fps, cuts=cuts,
                                   transition_seconds=transition) if keyframes is not None else
                images_style_schedule(len(references), schedule_choice, content.frames, content.fps, cuts=cuts,
                                      transition_seconds=transition))
    result = evaluate_video(args.stylized, args.content, references, backbone=backbone, cuts=cuts,
                            schedule=schedule, max_frames=args.max_frames, report_dir=args.report)
    if args.json:
        replace_atomically(Path(args.json), lambda temp: temp.write_text(result.to_json()), ".json")
    _print_figures(result.to_dict())
    if result.report is not None:
        print(f"report: {result.report.markdown}")
    return EXIT_OK


def _print_figures(summary: dict[str, Any]) -> None:
    from artify_core.metrics.results import SUMMARY_FIGURES

    for name in SUMMARY_FIGURES:
        value = summary.get(name)
        text = "n/a" if value is None else (f"{value:.6g}" if isinstance(value, float) else str(value))
        print(f"{name:>24}: {text}")


def _show_warnings(verbose: bool) -> None:
    """Warnings of the library (a damaged cache entry removed and computed again) as one line each
    on stderr; with -v they come with Prefect's other logs instead."""
    import logging

    if verbose:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("artify: warning: %(message)s"))
    logging.getLogger("artify_core").addHandler(handler)


def _configure_prefect(verbose: bool) -> None:
    # Before prefect is imported: its settings are read at import. Without -v the terminal shows
    # nothing of Prefect's (its handlers' level CRITICAL); what runs still logs to Prefect's API.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
    # The temporary server Prefect starts when none is configured takes 6–9 s on an idle 2-core
    # machine and over 20 s (Prefect's default limit) on a busy one; a busy worker should not fail.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    if not verbose:
        for handler in ("CONSOLE", "DEBUG"):
            os.environ.setdefault(f"PREFECT_LOGGING_HANDLERS_{handler}_LEVEL", "CRITICAL")
        import warnings

        warnings.filterwarnings("ignore")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
