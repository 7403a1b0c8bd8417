"""Temporal coherence, measured: every temporal method on both clips, the default against
``--no-smooth`` through the real pipeline, and the temporal stage's throughput — one run.

1. Methods. Each clip is stylized once per frame (arbitrary model + the style);
   every method then smooths those same frames (timed: ms/frame at the clip's
   size), the result is encoded (crf 18, as the pipeline does) and scored by
   ``artify_core.metrics.evaluate_video`` (DIS "medium", full resolution: not
   the smoother's flow), the content's cuts left out.
2. Default vs ``--no-smooth``: the ``stylize_video`` flow (what ``artify
   stylize`` runs: chunks with warm-up and look-ahead) with the default
   smoothing and without, each evaluated as ``artify evaluate`` does; targets:
   ratio <= 0.2x, Gram <= 1.10x, SSIM >= the unsmoothed run's.
3. Throughput at 720p (bigbuckbunny_720p): smoothing alone (stylized frames
   given, streamed in batches of 8 as a chunk feeds the smoother) in frames per
   second, the median of three passes, and end-to-end
   decode → model → smoothing → encode in the default 100-frame chunks run one
   after another with the default smoothing ÷ without, the median of three
   interleaved pairs, all timed in this run.
4. Pictures: frames around two of bikes.mp4's cuts and of the bunny's moving
   character, per-frame vs default, under ``--out``.

    python bench/bench_temporal.py [--out bench-out/temporal] [--clips bikes bunny] [--parts 1 2 3]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from fractions import Fraction
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared" / "media"
CLIPS = {"bikes": SHARED / "content" / "bikes.mp4", "bunny": SHARED / "content" / "bigbuckbunny_720p.mp4"}

# (label, SmoothingSettings keywords); None = the per-frame frames as they are.
METHOD_ROWS: list[tuple[str, dict | None]] = [
    ("per-frame (--no-smooth)", None),
    ("forward 0.5, strict masks (first generation)",
     dict(method="forward", strength=0.5, detail=0.0, relative=0.01, absolute=0.5, motion_boundaries=True,
          flow_height=0)),
    ("forward 0.7", dict(method="forward")),
    ("long-term 0.7 (t-1, t-5)", dict(method="long-term")),
    ("gradient 0.7 (screened Poisson)", dict(method="gradient")),
    ("gradient 0.9, λ=1 (carries down to ~6 px)", dict(method="gradient", strength=0.9, screening=1.0)),
    ("bidirectional 0.7, no texture restoration", dict(method="bidirectional", detail=0.0)),
    ("bidirectional 0.7, bilinear warps", dict(method="bidirectional", interpolation="bilinear")),
    ("bidirectional 0.7, flow at full resolution", dict(method="bidirectional", flow_height=0)),
    ("bidirectional 0.7, flow at 360 lines", dict(method="bidirectional", flow_height=360)),
    ("bidirectional 0.7, flow at 240 lines", dict(method="bidirectional", flow_height=240)),
    ("bidirectional 0.7, flow at 180 lines", dict(method="bidirectional", flow_height=180)),
    ("bidirectional 0.7 (default)", dict()),
]


def stylized_frames(clip: Path, style: str, cache: Path):
    """(content, per-frame stylized) RGB uint8 arrays of the whole clip, cached under ``cache``."""
    import numpy as np

    from artify_core.images import load_image
    from artify_core.models import StyleImage, load_model
    from artify_core.video import read_frames

    content = read_frames(clip)
    path = cache / f"{clip.stem}.stylized.npy"
    if path.exists():
        return content, np.load(path)
    model = load_model("arbitrary", device="cpu")
    embedding = model.prepare_style([StyleImage(load_image(style))])
    stylized = np.concatenate([model.stylize(content[i:i + 8], embedding) for i in range(0, len(content), 8)])
    np.save(path, stylized)
    return content, stylized


def encode(frames, path: Path, fps: Fraction) -> Path:
    from artify_core.video import VideoWriter

    with VideoWriter(path, width=frames.shape[2], height=frames.shape[1], fps=fps, crf=18, preset="medium") as writer:
        writer.write(frames)
    return path


def compare_methods(name: str, clip: Path, style: str, out: Path, rows: list[int] | None = None) -> list[dict]:
    from artify_core.keyframes import detect_video_cuts
    from artify_core.metrics import evaluate_video
    from artify_core.temporal.smoothing import SmoothingSettings, smooth_frames
    from artify_core.video import probe_video

    info, cuts = probe_video(clip), detect_video_cuts(clip)
    content, stylized = stylized_frames(clip, style, out)
    chosen = [METHOD_ROWS[i] for i in rows] if rows else METHOD_ROWS
    rows = []
    for label, options in chosen:
        started = time.perf_counter()
        frames = stylized if options is None else smooth_frames(content, stylized, SmoothingSettings(**options),
                                                                cuts=cuts)
        ms = 1000 * (time.perf_counter() - started) / len(content)
        video = encode(frames, out / f"{name}.{label.split(',')[0].split(' ')[0]}.{len(rows)}.mp4", info.fps)
        result = evaluate_video(video, clip, [style], cuts=cuts)
        rows.append(dict(clip=name, method=label, ratio=result.warping_error_ratio, gram=result.style_distance,
                         ssim=result.ssim, ms_per_frame=None if options is None else ms))
        print(f"  {name:5s} {label:45s} ratio {result.warping_error_ratio:6.2f}  gram {result.style_distance:.4f}  "
              f"ssim {result.ssim:.3f}  " + ("" if options is None else f"{ms:6.1f} ms/frame"), flush=True)
    return rows


def default_vs_no_smooth(name: str, clip: Path, style: str, out: Path) -> dict:
    from artify_core.keyframes import detect_video_cuts
    from artify_core.metrics import evaluate_video
    from artify_core.settings import VideoRequest
    from flows.stylize_video import stylize_video

    cuts, results = detect_video_cuts(clip), {}
    for label, smooth in (("no-smooth", False), ("default", True)):
        video = out / f"{name}.flow.{label}.mp4"
        stylize_video(VideoRequest(content=str(clip), style=[style], output=str(video), smoothing={"smooth": smooth},
                                   execution={"device": "cpu", "store": str(out / "store")}))
        results[label] = evaluate_video(video, clip, [style], cuts=cuts)
    raw, smooth = results["no-smooth"], results["default"]
    row = dict(clip=name, ratio=[raw.warping_error_ratio, smooth.warping_error_ratio],
               gram=[raw.style_distance, smooth.style_distance], ssim=[raw.ssim, smooth.ssim],
               ratio_x=smooth.warping_error_ratio / raw.warping_error_ratio,
               gram_x=smooth.style_distance / raw.style_distance)
    row["targets_met"] = row["ratio_x"] <= 0.2 and row["gram_x"] <= 1.10 and smooth.ssim >= raw.ssim
    print(f"  {name}: ratio {raw.warping_error_ratio:.2f} -> {smooth.warping_error_ratio:.2f} "
          f"({row['ratio_x']:.3f}x), gram {raw.style_distance:.4f} -> {smooth.style_distance:.4f} "
          f"({row['gram_x']:.3f}x), ssim {raw.ssim:.3f} -> {smooth.ssim:.3f}; targets met: {row['targets_met']}",
          flush=True)
    return row


def throughput(clip: Path, style: str, out: Path) -> dict:
    """Smoothing-only fps and end-to-end smoothed ÷ unsmoothed, 720p, timed in this run."""
    from artify_core.images import load_image
    from artify_core.keyframes import detect_video_cuts
    from artify_core.keyframes.schedule import single_schedule
    from artify_core.models import StyleImage, load_model
    from artify_core.pipeline.chunks import Chunk
    from artify_core.pipeline.recipe import ChunkRecipe
    from artify_core.pipeline.stylize import ChunkHandover, stylize_chunk
    from artify_core.pipeline.styles import StylePlan
    from artify_core.temporal.smoothing import SmoothingSettings, TemporalSmoother
    from artify_core.video import probe_video

    info, cuts = probe_video(clip), detect_video_cuts(clip)
    content, stylized = stylized_frames(clip, style, out)

    def stream() -> int:
        """The smoother as a chunk runs it: content submitted as decoded, batches of 8, frames passed on."""
        smoother, finished = TemporalSmoother(SmoothingSettings(), cuts=cuts), 0
        for first in range(0, len(content), 8):
            smoother.submit(content[first:first + 8])
            finished += len(smoother.process(content[first:first + 8], stylized[first:first + 8]))
        return finished + len(smoother.finish())

    stream()  # warm-up: thread pools, kernels, the heap grown as a long run's
    passes = []
    for _ in range(3):  # the median of three: one pass swings by about 5 % on a shared machine
        started = time.perf_counter()
        assert stream() == len(content)
        passes.append(len(content) / (time.perf_counter() - started))
    smoothing_fps = sorted(passes)[1]

    model = load_model("arbitrary", device="cpu")
    plan = StylePlan((model.prepare_style([StyleImage(load_image(style))]),), single_schedule(0, info.frames, info.fps))
    rounds = []
    for _ in range(3):  # interleaved pairs; the median pair's ratio (one pair swings by about 5 % too)
        seconds = {}
        for label, smoothing in (("no-smooth", None), ("default", SmoothingSettings())):
            started = time.perf_counter()
            handover = ChunkHandover()  # as the flow runs chunks: one after another, overlap frames handed over
            for index, start in enumerate(range(0, info.frames, 100)):  # the default 100-frame chunks
                chunk = Chunk(index, start, min(info.frames, start + 100))
                stylize_chunk(info, chunk, model, plan, out / f"throughput.{label}.{index}.mp4",
                              ChunkRecipe(smoothing=smoothing, cuts=cuts), handover=handover)
            seconds[label] = time.perf_counter() - started
        rounds.append(dict(end_to_end_fps={k: info.frames / v for k, v in seconds.items()},
                           smoothed_over_unsmoothed=seconds["no-smooth"] / seconds["default"]))
    median = sorted(rounds, key=lambda r: r["smoothed_over_unsmoothed"])[1]
    row = dict(size=f"{info.width}x{info.height}", frames=info.frames, smoothing_only_fps=smoothing_fps,
               smoothing_only_passes=passes, **median, end_to_end_rounds=rounds)
    print(f"  {row['size']}: smoothing only {smoothing_fps:.1f} fps; end-to-end {row['end_to_end_fps']['default']:.2f} "
          f"fps smoothed vs {row['end_to_end_fps']['no-smooth']:.2f} unsmoothed = "
          f"{row['smoothed_over_unsmoothed']:.2f} (median of "
          f"{', '.join(format(r['smoothed_over_unsmoothed'], '.2f') for r in rounds)})", flush=True)
    return row


def pictures(out: Path, style: str) -> list[str]:
    """Frames around bikes.mp4's first two cuts and of the bunny leaving its burrow (every 4th frame
    from 14): for each, a row from the ``--no-smooth`` run above a row from the default run."""
    import numpy as np
    from PIL import Image

    from artify_core.keyframes import detect_video_cuts
    from artify_core.video import read_frames

    made = []
    cuts = detect_video_cuts(CLIPS["bikes"])[:2]
    strips = {"bikes": [list(range(c - 2, c + 2)) for c in cuts], "bunny": [list(range(14, 34, 4))]}
    for name, windows in strips.items():
        raw, smooth = out / f"{name}.flow.no-smooth.mp4", out / f"{name}.flow.default.mp4"
        if not raw.exists() or not smooth.exists():
            continue
        rows = []
        for frames_wanted in windows:
            for video in (raw, smooth):
                frames = read_frames(video, start=frames_wanted[0], end=frames_wanted[-1] + 1)
                picked = [frames[i - frames_wanted[0]] for i in frames_wanted]
                rows.append(np.concatenate([np.pad(f, ((2, 2), (2, 2), (0, 0)), constant_values=255)
                                            for f in picked], axis=1))
        sheet = Image.fromarray(np.concatenate(rows))
        sheet.thumbnail((2400, 2400))
        path = out / f"{name}.frames.jpg"
        sheet.save(path, quality=88)
        made.append(str(path))
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "bench-out" / "temporal"))
    parser.add_argument("--clips", nargs="+", default=list(CLIPS), choices=list(CLIPS))
    parser.add_argument("--style", default=str(SHARED / "style" / "starrynight.jpg"))
    parser.add_argument("--parts", nargs="+", type=int, default=[1, 2, 3], choices=[1, 2, 3],
                        help="which parts to run (pictures come with part 2)")
    parser.add_argument("--method-clips", nargs="+", choices=list(CLIPS), help="part 1 on these clips only")
    parser.add_argument("--rows", nargs="+", type=int, help="part 1: only these rows of METHOD_ROWS (0-based)")
    args = parser.parse_args()
    from artify_core.foundation.runtime import configure_for_frames, let_idle_threads_sleep

    let_idle_threads_sleep()  # as the CLI and the flows set their processes up, before torch loads
    configure_for_frames((720, 1280))  # as the chunk task sets its process up for the largest clip here
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    summary: dict = {"methods": [], "default": [], "throughput": None}
    if 1 in args.parts:
        print("1. methods (same per-frame frames, smoothed, encoded crf 18, evaluated)", flush=True)
        for name in args.method_clips or args.clips:
            summary["methods"] += compare_methods(name, CLIPS[name], args.style, out, args.rows)
    if 2 in args.parts:
        print("2. default vs --no-smooth through the stylize_video flow", flush=True)
        for name in args.clips:
            summary["default"].append(default_vs_no_smooth(name, CLIPS[name], args.style, out))
        summary["pictures"] = pictures(out, args.style)
    if 3 in args.parts:
        print("3. throughput at 720p (this machine)", flush=True)
        summary["throughput"] = throughput(CLIPS["bunny"], args.style, out)
    name = "summary.json" if len(args.parts) == 3 else f"summary.parts-{'-'.join(map(str, args.parts))}.json"
    (out / name).write_text(json.dumps(summary, indent=1))
    print(f"summary: {out / name}")


if __name__ == "__main__":
    main()
