"""Per-stage throughput of the arbitrary model's pipeline, end-to-end for 1 and N workers, and
peak memory against clip length. All figures from one run.

Stages, each measured alone on the same frames: decode (ffmpeg pipe → RGB
batches), host-to-device copy, model (on the device), device-to-host copy,
encode (RGB batches → H.264). Then the ``stylize_video`` flow end to end
(smoothing off, as the stages above) in process and with ``--workers N`` Dask
workers. Then ``artify stylize`` on a 10 s and a 60 s clip in a child process,
with its peak resident memory: it should depend on the chunk size, not the length.

    python bench/bench_stages.py                         # bunny looped to 1000 frames, cuda if present
    python bench/bench_stages.py --frames 120 --workers 2 --device cpu
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared" / "media"


def looped(source: Path, frames: int, target: Path) -> Path:
    """``source`` repeated until it has ``frames`` frames (stream copy, no re-encode)."""
    import ffmpeg

    from artify_core.video import probe_video
    from tests.media import run

    loops = -(-frames // probe_video(source).frames)
    run(ffmpeg.input(str(source), stream_loop=loops - 1).video.output(str(target), vframes=frames, c="copy"))
    return target


def timed(label: str, count: int, seconds: float) -> float:
    fps = count / seconds
    print(f"{label:22s}: {fps:8.1f} fps  ({seconds:.2f} s for {count} frames)", flush=True)
    return fps


def stage_figures(clip: Path, style: str, device: str, batch: int, scratch: Path) -> None:
    import numpy as np
    import torch

    from artify_core.images import load_image
    from artify_core.models import load_model
    from artify_core.models.base import StyleImage
    from artify_core.video import VideoWriter, iter_frames, probe_video

    info = probe_video(clip)
    started = time.perf_counter()
    frames = np.concatenate(list(iter_frames(clip, batch_frames=batch, info=info)))
    timed("decode", len(frames), time.perf_counter() - started)

    model = load_model("arbitrary", device=device)
    embedding = torch.from_numpy(model.prepare_style([StyleImage(load_image(style))])).to(model.device)[None]
    target = model.device
    sync = torch.cuda.synchronize if target.type == "cuda" else (lambda: None)
    batches = [torch.from_numpy(frames[i:i + batch]) for i in range(0, len(frames), batch)]
    if target.type == "cuda":
        batches = [b.pin_memory() for b in batches]
    started = time.perf_counter()
    on_device = [b.to(target, non_blocking=True) for b in batches]
    sync()
    timed("host-to-device", len(frames), time.perf_counter() - started)

    def run(pixels: torch.Tensor) -> torch.Tensor:
        content = pixels.permute(0, 3, 1, 2).float().div_(255.0).contiguous(memory_format=model._memory_format)
        with torch.inference_mode(), model._autocast():
            out = model.transformer(content, embedding.expand(len(pixels), -1))
        return out.float().clamp_(0, 1).mul_(255).round_().to(torch.uint8).permute(0, 2, 3, 1)

    run(on_device[0])  # warm-up: kernels, allocator
    sync()
    started = time.perf_counter()
    outputs = [run(b) for b in on_device]
    sync()
    timed("model (on device)", len(frames), time.perf_counter() - started)
    started = time.perf_counter()
    host = [o.contiguous().cpu().numpy() for o in outputs]
    timed("device-to-host", len(frames), time.perf_counter() - started)
    started = time.perf_counter()
    with VideoWriter(scratch / "encode.mp4", width=info.width, height=info.height, fps=info.fps) as writer:
        for batch_frames in host:
            writer.write(batch_frames)
    timed("encode", len(frames), time.perf_counter() - started)


def end_to_end(clip: Path, style: str, device: str, workers: int, scratch: Path, frames: int,
               chunk_frames: int) -> float:
    from artify_core.settings import VideoRequest
    from flows.stylize_video import stylize_video

    started = time.perf_counter()
    stylize_video(VideoRequest(content=str(clip), style=[style], output=str(scratch / f"e2e-{workers}.mp4"),
                               smoothing={"smooth": False},
                               execution={"device": device, "store": str(scratch / f"store-{workers}"),
                                          "workers": workers, "chunk_frames": chunk_frames}))
    return timed(f"end-to-end, {workers or 'in-process'} worker{'s' if workers > 1 else ''}", frames,
                 time.perf_counter() - started)


def peak_memory(clip: Path, style: str, device: str, height: int, scratch: Path) -> int:
    """Peak RSS in MiB of ``artify stylize`` on ``clip``, measured by the kernel for that run alone
    (a wrapper process whose only children are this run's)."""
    wrapper = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
               "stdout=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    command = [sys.executable, "-m", "artify_cli.main", "stylize", str(clip), "--style", style, "--device", device,
               "--height", str(height), "--out", str(scratch / f"rss-{clip.stem}.mp4"), "--store",
               str(scratch / "rss-store"), "--preset", "ultrafast"]
    found = subprocess.run([sys.executable, "-c", wrapper, *command], check=True, cwd=REPO, capture_output=True,
                           text=True)
    return int(found.stdout.split()[-1]) // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", default=str(SHARED / "content" / "bigbuckbunny_720p.mp4"))
    parser.add_argument("--style", default=str(SHARED / "style" / "starrynight.jpg"))
    parser.add_argument("--frames", type=int, default=1000)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--chunk-frames", type=int, default=100,
                        help="chunk size of the end-to-end runs: several chunks per worker keep them all busy")
    parser.add_argument("--memory-height", type=int, default=136,
                        help="height for the 10 s / 60 s peak-memory runs (the shape of the curve is what counts)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="artify-stages-") as scratch_dir:
        scratch = Path(scratch_dir)
        clip = looped(Path(args.clip), args.frames, scratch / "clip.mp4")
        print(f"clip: {args.clip} looped to {args.frames} frames; device {args.device}; batch {args.batch}")
        stage_figures(clip, args.style, args.device, args.batch, scratch)
        end_to_end(clip, args.style, args.device, 0, scratch, args.frames, args.chunk_frames)
        if args.workers > 1:
            end_to_end(clip, args.style, args.device, args.workers, scratch, args.frames, args.chunk_frames)
        bikes = SHARED / "content" / "bikes.mp4"
        for seconds in (10, 60):
            source = looped(bikes, 25 * seconds, scratch / f"bikes{seconds}s.mp4")
            print(f"peak RSS, {seconds:2d} s clip ({25 * seconds} frames at {args.memory_height} px): "
                  f"{peak_memory(source, args.style, args.device, args.memory_height, scratch)} MiB", flush=True)


if __name__ == "__main__":
    main()
