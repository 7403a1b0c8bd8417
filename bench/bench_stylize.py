"""Throughput of the spine on one clip, all figures from one run.

Prints decode+encode-only fps, model-only fps, end-to-end fps of the
``stylize_video`` flow without temporal smoothing, and end-to-end ÷ the ideal
1/(1/decode_encode + 1/model) (the rate if decoding, encoding and the model
took turns with no overhead). Then reruns the flow to show it is served from
cache, and runs it once more with smoothing (the default), against the ideal
with the smoothing stage added.

    python bench/bench_stylize.py [CONTENT] [--style IMAGE] [--device cpu]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared" / "media"


def decode_encode_fps(content: str, scratch: Path, preset: str, crf: int) -> float:
    from artify_core.video import VideoWriter, iter_frames, probe_video

    info = probe_video(content)
    started = time.perf_counter()
    with VideoWriter(scratch / "passthrough.mp4", width=info.width, height=info.height,
                     fps=info.fps, preset=preset, crf=crf) as writer:
        for batch in iter_frames(content, batch_frames=8, info=info):
            writer.write(batch)
    return info.frames / (time.perf_counter() - started)


def model_fps(content: str, style: str, device: str) -> tuple[float, "np.ndarray", "np.ndarray"]:
    import numpy as np

    from artify_core.images import load_image
    from artify_core.models import load_model
    from artify_core.models.base import StyleImage
    from artify_core.video import read_frames

    model = load_model("arbitrary", device=device)
    embedding = model.prepare_style([StyleImage(load_image(style))])
    frames = read_frames(content)
    model.stylize(frames[:8], embedding)  # warm-up: allocator, kernels
    started = time.perf_counter()
    stylized = [model.stylize(frames[start:start + 8], embedding) for start in range(0, len(frames), 8)]
    return len(frames) / (time.perf_counter() - started), frames, np.concatenate(stylized)


def smoothing_fps(content: str, frames: "np.ndarray", stylized: "np.ndarray") -> float:
    from artify_core.keyframes import detect_video_cuts
    from artify_core.temporal.smoothing import smooth_frames

    cuts = detect_video_cuts(content)
    started = time.perf_counter()
    smooth_frames(frames, stylized, cuts=cuts)
    return len(frames) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("content", nargs="?", default=str(SHARED / "content" / "bikes.mp4"))
    parser.add_argument("--style", default=str(SHARED / "style" / "starrynight.jpg"))
    parser.add_argument("--device", default="auto")
    parser.add_argument("--chunk-frames", type=int, default=100)
    parser.add_argument("--preset", default="medium")
    parser.add_argument("--crf", type=int, default=18)
    args = parser.parse_args()
    from artify_core.foundation.runtime import let_idle_threads_sleep

    let_idle_threads_sleep()  # as the CLI and the flows set their processes up, before torch loads
    from prefect import flow

    from artify_core.video import probe_video
    from artify_core.settings import VideoRequest
    from flows.stylize_video import stylize_video

    info = probe_video(args.content)
    print(f"clip: {args.content} {info.width}x{info.height} {info.frames} frames @ {info.fps_str}")
    with tempfile.TemporaryDirectory(prefix="artify-bench-") as scratch_dir:
        scratch = Path(scratch_dir)
        de = decode_encode_fps(args.content, scratch, args.preset, args.crf)
        model, frames, stylized = model_fps(args.content, args.style, args.device)
        smooth = smoothing_fps(args.content, frames, stylized)
        del frames, stylized
        ideal = 1 / (1 / de + 1 / model)
        ideal_smooth = 1 / (1 / de + 1 / model + 1 / smooth)

        started = time.perf_counter()
        flow(name="prefect-warm-up")(lambda: None)()
        prefect_startup = time.perf_counter() - started

        run = VideoRequest(content=args.content, style=[args.style], output=str(scratch / "out.mp4"),
                           smoothing={"smooth": False}, encoding={"preset": args.preset, "crf": args.crf},
                           execution={"device": args.device, "chunk_frames": args.chunk_frames,
                                      "store": str(scratch / "store")})
        started = time.perf_counter()
        first = stylize_video(run)
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        second = stylize_video(run)
        second_s = time.perf_counter() - started
        started = time.perf_counter()
        stylize_video(run.model_copy(update={"smoothing": run.smoothing.model_copy(update={"smooth": True})}))
        smooth_s = time.perf_counter() - started

    e2e, e2e_smooth = info.frames / first_s, info.frames / smooth_s
    print(f"decode+encode only : {de:8.1f} fps")
    print(f"model only         : {model:8.1f} fps")
    print(f"smoothing only     : {smooth:8.1f} fps")
    print(f"ideal (sequential) : {ideal:8.1f} fps   with smoothing {ideal_smooth:8.1f} fps")
    print(f"end-to-end (flow)  : {e2e:8.1f} fps  ({first_s:.1f} s for {info.frames} frames, --no-smooth; "
          f"Prefect start-up {prefect_startup:.1f} s not included)")
    print(f"end-to-end / ideal : {e2e / ideal:8.2f}")
    print(f"end-to-end smoothed: {e2e_smooth:8.1f} fps  ({smooth_s:.1f} s; / ideal with smoothing "
          f"{e2e_smooth / ideal_smooth:.2f})")
    print(f"rerun from cache   : {second_s:8.2f} s = {100 * second_s / first_s:.1f}% of the first run; "
          f"{second.chunks_cached} of {second.chunks} chunks cached, "
          f"{second.chunks - second.chunks_cached} stylized again")
    assert first.frames == info.frames


if __name__ == "__main__":
    main()
