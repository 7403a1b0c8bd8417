"""Temporal coherence, measured: per-frame stylization vs smoothed, and chunk seams.

For each clip: the ``stylize_video`` flow with ``smooth=False`` and with the
default smoothing, both evaluated by ``artify_core.metrics.evaluate_video``
(warping-error ratio, Gram style distance, SSIM), then the smoothed run with
one chunk for the whole video, to compare the per-frame warping error at
chunk boundaries. Writes reports (plots, contact sheets) under ``--out`` and
a strip of the frames around the first two cuts, to check for ghosting.

    python bench/bench_temporal.py [--out bench-out/temporal] [--clips bikes bunny]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared" / "media"
CLIPS = {"bikes": SHARED / "content" / "bikes.mp4", "bunny": SHARED / "content" / "bigbuckbunny_720p.mp4"}


def cut_strip(video: Path, cuts: list[int], path: Path, around: int = 2) -> Path:
    """Frames cut-2 .. cut+1 of the first two cuts, one row per cut."""
    import numpy as np
    from PIL import Image

    from artify_core.video import read_frames

    rows = []
    for cut in cuts[:2]:
        frames = read_frames(video, start=max(0, cut - around), end=cut + around)
        rows.append(np.concatenate(list(frames), axis=1))
    width = max(r.shape[1] for r in rows)
    sheet = np.concatenate([np.pad(r, ((0, 4), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows])
    Image.fromarray(sheet).save(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "bench-out" / "temporal"))
    parser.add_argument("--clips", nargs="+", default=list(CLIPS), choices=list(CLIPS))
    parser.add_argument("--style", default=str(SHARED / "style" / "starrynight.jpg"))
    parser.add_argument("--chunk-frames", type=int, default=50)
    parser.add_argument("--crf", type=int, default=18,
                        help="x264 quality; 0 (lossless) separates smoothing seams from the codec's keyframe at "
                             "each chunk start")
    args = parser.parse_args()

    from artify_core.keyframes import detect_video_cuts
    from artify_core.metrics import evaluate_video
    from artify_core.settings import VideoRequest
    from flows.stylize_video import stylize_video

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table = {}
    for name in args.clips:
        clip = CLIPS[name]
        cuts = detect_video_cuts(clip)
        results = {}
        for label, smooth, chunk in (("per-frame", False, args.chunk_frames), ("smoothed", True, args.chunk_frames),
                                     ("smoothed-1-chunk", True, 100000)):
            video = out / f"{name}.{label}.mp4"
            stylize_video(VideoRequest(
                content=str(clip), style=[args.style], output=str(video), smoothing={"smooth": smooth},
                encoding={"crf": args.crf, "preset": "ultrafast" if args.crf == 0 else "medium"},
                execution={"device": "cpu", "chunk_frames": chunk, "store": str(out / "store")}))
            started = time.perf_counter()
            result = evaluate_video(video, clip, [args.style], cuts=cuts, report_dir=out / f"{name}.{label}.report")
            results[label] = result
            print(f"{name} {label:17s} ratio {result.warping_error_ratio:7.2f}  gram {result.style_distance:.4f}  "
                  f"ssim {result.ssim:.4f}  evaluation {1000 * (time.perf_counter() - started) / result.frames:.0f} "
                  f"ms/frame", flush=True)
        raw, smooth, whole = results["per-frame"], results["smoothed"], results["smoothed-1-chunk"]
        starts = [c for c in range(args.chunk_frames, raw.frames, args.chunk_frames) if c not in cuts]
        boundary = smooth.per_frame.warping_error[starts] / whole.per_frame.warping_error[starts]
        table[name] = {
            "cuts": cuts,
            "ratio": [raw.warping_error_ratio, smooth.warping_error_ratio],
            "ratio_change": smooth.warping_error_ratio / raw.warping_error_ratio - 1,
            "gram_change": smooth.style_distance / raw.style_distance - 1,
            "ssim": [raw.ssim, smooth.ssim],
            "chunk_boundary_frames": starts,
            "boundary_error_vs_one_chunk": [float(x) for x in boundary],
            "evaluation_ms_per_frame": 1000 * smooth.seconds_per_frame,
        }
        if cuts:
            table[name]["cut_strip"] = str(cut_strip(out / f"{name}.smoothed.mp4", cuts, out / f"{name}.cuts.png"))
        print(json.dumps({name: table[name]}, indent=1), flush=True)
    (out / "summary.json").write_text(json.dumps(table, indent=1))
    print(f"summary: {out / 'summary.json'}")


if __name__ == "__main__":
    main()
