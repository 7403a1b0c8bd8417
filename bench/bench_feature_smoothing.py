"""Feature smoothing of the arbitrary model, measured: flicker, style and structure against strength.

For each clip, the arbitrary model (default precision) with ``feature_smoothing``
0 (today's per-frame model) and a few strengths, the output smoother OFF,
stylizes the whole clip through ``pipeline.stylize.stylize_chunk`` (one chunk,
the content's cuts) and ``artify_core.metrics.evaluate_video`` measures it
(warping-error ratio, Gram style distance, SSIM vs content; the evaluation's
own DIS "medium" flow, not the blender's). ``ms/frame`` is the chunk's wall
time (decode, model, blend, encode) per frame, measured in this run; only the
ratio to 0 means much on a shared machine. Writes the videos and PNG strips
(frames around the first two cuts of bikes.mp4, the bunny's moving character,
off vs the strongest setting) under ``--out``.

    python bench/bench_feature_smoothing.py [--out bench-out/feature] [--clips bikes bunny] \\
        [--strengths 0 0.5 0.8 0.9] [--frames N] [--output-smoothing]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared" / "media"
CLIPS = {"bikes": SHARED / "content" / "bikes.mp4", "bunny": SHARED / "content" / "bigbuckbunny_720p.mp4"}
STYLE = SHARED / "style" / "starrynight.jpg"
# Frames to show: around bikes' first two cuts; the bunny's character crossing the frame.
STRIP_FRAMES = {"bikes": lambda cuts: [f for c in cuts[:2] for f in (c - 2, c - 1, c, c + 1)],
                "bunny": lambda cuts: [40, 70, 100, 130]}


def clipped(path: Path, frames: int | None, out: Path) -> Path:
    """The first ``frames`` frames of ``path`` as a near-lossless H.264 file (evaluation needs equal lengths)."""
    import ffmpeg

    from tests.media import run

    if frames is None:
        return path
    target = out / f"{path.stem}_{frames}.mp4"
    if not target.exists():
        run(ffmpeg.input(str(path)).video.output(str(target), vframes=frames, vcodec="libx264", crf=4,
                                                 pix_fmt="yuv420p"))
    return target


def strip(videos: list[Path], frames: list[int], path: Path) -> None:
    """One row per video, the given frames side by side, as a PNG."""
    import numpy as np
    from PIL import Image

    from artify_core.video import read_frames

    rows = []
    for video in videos:
        row = [read_frames(video, start=f, end=f + 1, height=180)[0] for f in frames]
        rows.append(np.concatenate(row, axis=1))
    Image.fromarray(np.concatenate(rows, axis=0)).save(path)


def timing(clips: list[str], strengths: list[float], frames: int, style_pixels) -> None:
    """Model-only ms/frame per strength: the sequence over the first ``frames`` decoded frames, batches
    of 8, strengths alternated over 3 rounds (the median) so that the machine's load hits them alike."""
    import statistics
    import time

    from artify_core.models.arbitrary.model import arbitrary
    from artify_core.models.base import StyleImage
    from artify_core.video import read_frames

    print("| clip | frames | feature_smoothing | model ms/frame | ratio to 0 |")
    print("|---|---|---|---|---|")
    for clip in clips:
        content = read_frames(CLIPS[clip], end=frames)
        models = {alpha: arbitrary(device="cpu", feature_smoothing=alpha) for alpha in strengths}
        style = models[strengths[0]].prepare_style([StyleImage(style_pixels)])
        times: dict[float, list[float]] = {alpha: [] for alpha in strengths}
        for _ in range(3):
            for alpha, model in models.items():
                started = time.perf_counter()
                sequence = model.open_sequence(style) if alpha else None
                for first in range(0, len(content), 8):
                    batch = content[first:first + 8]
                    sequence.stylize(batch) if sequence else model.stylize(batch, style)
                times[alpha].append(1000 * (time.perf_counter() - started) / len(content))
        base = statistics.median(times[strengths[0]])
        for alpha in strengths:
            ms = statistics.median(times[alpha])
            print(f"| {clip} | {len(content)} | {alpha:g} | {ms:.0f} | {ms / base:.2f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench-out" / "feature")
    parser.add_argument("--clips", nargs="+", default=list(CLIPS), choices=list(CLIPS))
    parser.add_argument("--strengths", nargs="+", type=float, default=[0.0, 0.5, 0.8, 0.9])
    parser.add_argument("--frames", type=int, default=None, help="only the first N frames of each clip")
    parser.add_argument("--timing", action="store_true",
                        help="only time the model (decoded frames in memory, strengths alternated, 3 rounds)")
    parser.add_argument("--output-smoothing", action="store_true",
                        help="with today's output smoother at its defaults on top (a combination)")
    args = parser.parse_args()
    import numpy as np
    import torch

    from artify_core.images import load_image
    from artify_core.keyframes import detect_video_cuts
    from artify_core.keyframes.schedule import single_schedule
    from artify_core.metrics import evaluate_video
    from artify_core.models.arbitrary.model import arbitrary
    from artify_core.models.base import StyleImage
    from artify_core.pipeline.chunks import Chunk
    from artify_core.pipeline.recipe import ChunkRecipe
    from artify_core.pipeline.styles import StylePlan
    from artify_core.pipeline.stylize import stylize_chunk
    from artify_core.temporal.smoothing import SmoothingSettings
    from artify_core.video import probe_video

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    args.out.mkdir(parents=True, exist_ok=True)
    style_pixels = load_image(STYLE)
    if args.timing:
        return timing(args.clips, args.strengths, args.frames or 24, style_pixels)
    print("| clip | frames | feature_smoothing | warping-error ratio | Gram style distance | SSIM | ms/frame |")
    print("|---|---|---|---|---|---|---|")
    for clip in args.clips:
        content = clipped(CLIPS[clip], args.frames, args.out)
        info = probe_video(content)
        cuts = detect_video_cuts(content, info)
        videos, baseline_ms = [], None
        for alpha in args.strengths:
            model = arbitrary(device="cpu", feature_smoothing=alpha)
            plan = StylePlan((model.prepare_style([StyleImage(style_pixels)]),),
                             single_schedule(0, info.frames, info.fps))
            smoothing = SmoothingSettings() if args.output_smoothing else None
            video = args.out / f"{clip}_fs{alpha:g}{'_smoothed' if smoothing else ''}.mp4"
            result = stylize_chunk(info, Chunk(0, 0, info.frames), model, plan, video,
                                   ChunkRecipe(smoothing=smoothing, cuts=cuts))
            ms = 1000 * result.seconds / result.frames
            baseline_ms = baseline_ms or ms
            metrics = evaluate_video(video, content, [style_pixels], cuts=cuts)
            videos.append(video)
            print(f"| {clip} | {metrics.frames} | {alpha:g} | {metrics.warping_error_ratio:.1f} | "
                  f"{metrics.style_distance:.4f} | {metrics.ssim:.3f} | {ms:.0f} ({ms / baseline_ms:.2f}x) |",
                  flush=True)
        shown = [f for f in STRIP_FRAMES[clip](cuts) if 0 <= f < info.frames]
        if shown:
            strip([content, videos[0], videos[-1]], shown,
                  args.out / f"{clip}{'_smoothed' if args.output_smoothing else ''}_strip.png")
    print(f"strips: {args.out}/<clip>_strip.png (rows: content, feature_smoothing "
          f"{args.strengths[0]:g}, {args.strengths[-1]:g})")


if __name__ == "__main__":
    main()
