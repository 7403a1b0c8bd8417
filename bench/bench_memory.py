"""Peak memory and seconds per frame of whole `artify stylize` runs at 1080p, 4K and 8K.

Clips are Big Buck Bunny scaled up (so the model sees real content), 12 frames at 1080p and
4K, 3 at 8K. Each run is the CLI with default settings (arbitrary model, temporal smoothing on)
and again with --no-smooth, in a fresh process; RSS is sampled every 50 ms over the whole process
tree (Python and its ffmpeg decoders and encoders, summed) and for the Python process alone.
Seconds per frame include Prefect's start-up (~10 s) and are inflated on a shared machine.

    python bench/bench_memory.py [--sizes 1080p 4k 8k] [--smoothing on off] [--out bench-out/memory]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
MEDIA = REPO.parent / "shared" / "media"
SIZES = {"1080p": (1920, 1080, 12), "4k": (3840, 2160, 12), "8k": (7680, 4320, 3)}


def make_clip(name: str, out_dir: Path) -> Path:
    import ffmpeg

    from tests.media import run

    width, height, frames = SIZES[name]
    path = out_dir / f"bunny_{name}.mp4"
    if not path.exists():
        source = ffmpeg.input(str(MEDIA / "content" / "bigbuckbunny_720p.mp4")).video
        run(source.filter("scale", width, height, flags="lanczos").output(
            str(path), vframes=frames, vcodec="libx264", preset="ultrafast", crf=18))
    return path


def measure(command: list[str]) -> tuple[float, float, float]:
    """(peak tree RSS GB, peak Python RSS GB, seconds) of a command."""
    # A loaded machine can take longer than Prefect's default 20 s to start its temporary server.
    env = {**os.environ, "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"}
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    root = psutil.Process(process.pid)
    peaks = [0, 0]
    started = time.perf_counter()

    def sample() -> None:
        while process.poll() is None:
            try:
                own = root.memory_info().rss
                tree = own + sum(child.memory_info().rss for child in root.children(recursive=True))
            except psutil.Error:
                continue
            peaks[0], peaks[1] = max(peaks[0], tree), max(peaks[1], own)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {stderr.strip()[-500:]}")
    return peaks[0] / 1e9, peaks[1] / 1e9, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--smoothing", nargs="+", default=["on", "off"], choices=["on", "off"])
    parser.add_argument("--out", default=str(REPO / "bench-out" / "memory"))
    args = parser.parse_args()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    style = MEDIA / "style" / "starrynight.jpg"
    print(f"{'clip':>6} {'smoothing':>9} {'frames':>6} {'peak RSS tree':>13} {'python':>7} {'s/frame':>8}")
    for smooth in [choice == "on" for choice in args.smoothing]:
        for name in args.sizes:
            clip = make_clip(name, out_dir)
            frames = SIZES[name][2]
            command = [sys.executable, "-m", "artify_cli.main", "stylize", str(clip), "--style", str(style),
                       "--out", str(out_dir / f"{clip.stem}.{'smooth' if smooth else 'nosmooth'}.mp4"),
                       "--store", str(out_dir / f"store-{time.time_ns()}")] + ([] if smooth else ["--no-smooth"])
            tree, own, seconds = measure(command)
            print(f"{name:>6} {'on' if smooth else 'off':>9} {frames:>6} {tree:>10.2f} GB {own:>5.2f} GB "
                  f"{seconds / frames:>8.1f}", flush=True)


if __name__ == "__main__":
    main()
