"""What a run reaches on this machine's GPU, stage by stage, and which stage caps it.

For each size (Big Buck Bunny at 720p, and scaled to 1080p): decoding alone (PyAV, on the CPU);
encoding alone with x264 and, where it opens, NVENC; the model alone (the arbitrary model, its
precision and backend as a run resolves them); temporal smoothing alone (the stylized frames
given); the whole chunk pipeline (decode → model → smooth → encode, the encoder a run would pick);
peak GPU memory of each; and the temporal stage's share of the end-to-end time. All frames/s.

    python bench/gpu_check.py                       # CUDA
    python bench/gpu_check.py --device cpu --frames 8 --sizes 144   # the mechanics, on any machine

Writes docs/gpu.md (or the page given with --doc).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
MEDIA = REPO.parent / "shared" / "media"
STYLE = MEDIA / "style" / "starrynight.jpg"


@dataclass
class Stage:
    name: str
    frames: int
    seconds: float
    peak_gpu_bytes: int | None = None

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds else float("inf")


def clip_at(height: int, frames: int, out_dir: Path) -> Path:
    """Big Buck Bunny's first ``frames`` frames at ``height`` lines (H.264, near-lossless)."""
    import ffmpeg

    from tests.media import run

    path = out_dir / f"bunny_{height}p_{frames}.mp4"
    if not path.exists():
        source = ffmpeg.input(str(MEDIA / "content" / "bigbuckbunny_720p.mp4")).video
        run(source.filter("scale", -2, height, flags="lanczos").output(str(path), vframes=frames, vcodec="libx264",
                                                                      preset="fast", crf=12))
    return path


def measure(name: str, frames: int, work, device: str) -> Stage:
    """Times ``work()`` once after a warm-up call on the first batch's worth (kernels, allocator)."""
    torch = _torch_if_cuda(device)
    if torch is not None:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    work()
    if torch is not None:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - started
    return Stage(name, frames, seconds, torch.cuda.max_memory_allocated() if torch is not None else None)


def stages_at(clip: Path, device: str, out_dir: Path) -> list[Stage]:
    import numpy as np

    from artify_core.images import load_image
    from artify_core.keyframes.schedule import single_schedule
    from artify_core.models.base import StyleImage
    from artify_core.pipeline.chunks import Chunk
    from artify_core.pipeline.styles import StylePlan
    from artify_core.pipeline.stylize import stylize_chunk
    from artify_core.settings import EncodingOptions
    from artify_core.temporal.smoothing import SmoothingSettings, smooth_frames
    from artify_core.video import VideoWriter, probe_video, read_frames
    from artify_core.video.encoders import nvenc_available, resolve_encoder
    from tasks.models import ModelSpec, get_model

    info = probe_video(clip)
    frames = read_frames(clip)
    spec = ModelSpec.create("arbitrary", device)
    model = get_model(spec)
    style = model.prepare_style([StyleImage(load_image(STYLE))])
    model.stylize(frames[:8], style)  # warm-up

    def encode(codec: str):
        def work():
            with VideoWriter(out_dir / f"encoded-{codec}.mp4", width=info.width, height=info.height, fps=info.fps,
                             codec=codec) as writer:
                for start in range(0, len(frames), 8):
                    writer.write(frames[start:start + 8])
        return work

    stylized: list = []
    results = [measure("decode (CPU)", info.frames, lambda: read_frames(clip), "cpu"),
               measure("encode, x264 medium (CPU)", info.frames, encode("libx264"), "cpu")]
    if nvenc_available():
        results.append(measure("encode, NVENC", info.frames, encode("h264_nvenc"), device))
    results.append(measure(f"model ({spec.name} {dict(spec.options).get('precision')}, "
                           f"{dict(spec.options).get('backend')})", info.frames,
                           lambda: stylized.extend(model.stylize(frames[s:s + 8], style)
                                                   for s in range(0, len(frames), 8)), device))
    stylized_frames = np.concatenate(stylized)
    results.append(measure("temporal smoothing", info.frames,
                           lambda: smooth_frames(frames, stylized_frames, SmoothingSettings(), device=device), device))
    plan = StylePlan((style,), single_schedule(0, info.frames, info.fps))
    encoder = resolve_encoder("auto", spec.device)
    results.append(measure(f"end to end (decode, model, smoothing, {encoder})", info.frames,
                           lambda: stylize_chunk(info, Chunk(0, 0, info.frames), model, plan, out_dir / "chunk.mp4",
                                                 encode=EncodingOptions(encoder=encoder)), device))
    return results


def table(size: str, stages: list[Stage]) -> list[str]:
    rows = [f"### {size}", "", "| stage | frames/s | peak GPU memory |", "| --- | --- | --- |"]
    for stage in stages:
        memory = "–" if stage.peak_gpu_bytes is None else f"{stage.peak_gpu_bytes / 2**30:.2f} GiB"
        rows.append(f"| {stage.name} | {stage.fps:.1f} | {memory} |")
    by_name = {stage.name.split(" (")[0].split(",")[0]: stage for stage in stages}
    end_to_end, smoothing = by_name.get("end to end"), by_name.get("temporal smoothing")
    if end_to_end and smoothing:
        share = (1 / smoothing.fps) / (1 / end_to_end.fps)
        rows += ["", f"Temporal stage: {share:.0%} of the end-to-end time per frame (if it ran alone, in turn)."]
    slowest = min((s for s in stages if not s.name.startswith("end to end")), key=lambda s: s.fps)
    rows += [f"Slowest stage on its own: {slowest.name}, {slowest.fps:.1f} frames/s.", ""]
    return rows


def _torch_if_cuda(device: str):
    if not device.startswith("cuda"):
        return None
    import torch

    return torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--sizes", type=int, nargs="+", default=[720, 1080])
    parser.add_argument("--frames", type=int, default=132)
    parser.add_argument("--out", default=str(REPO / "bench-out" / "gpu"))
    parser.add_argument("--doc", default=str(REPO / "docs" / "gpu.md"))
    args = parser.parse_args()
    from artify_core.foundation.device import device_name
    from artify_core.foundation.runtime import configure_for_frames, let_idle_threads_sleep

    let_idle_threads_sleep()
    device = device_name(args.device)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = ["# A run on this machine's accelerator, stage by stage", "",
             f"Written by `python bench/gpu_check.py --device {args.device}`. Device: {_describe(device)}.", ""]
    for height in args.sizes:
        clip = clip_at(height, args.frames, out_dir)
        configure_for_frames((height, height * 16 // 9))
        rows = table(f"{height} lines", stages_at(clip, device, out_dir))
        print("\n".join(rows), flush=True)
        lines += rows
    Path(args.doc).parent.mkdir(parents=True, exist_ok=True)
    Path(args.doc).write_text("\n".join(lines))
    print(f"wrote {args.doc}")


def _describe(device: str) -> str:
    if device.startswith("cuda"):
        import torch

        return f"{torch.cuda.get_device_name(device)} ({device})"
    return f"CPU, {os.cpu_count()} cores"


if __name__ == "__main__":
    main()
