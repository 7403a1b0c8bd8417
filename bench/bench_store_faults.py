"""Figures for issue 24: a damaged store entry, an unwritable output and an http input, each run as
a user would, from a fresh ``artify`` process.

    python bench/bench_store_faults.py [--clip CLIP] [--style IMAGE] [--frames 60] [--chunk-frames 20]

Prints, for the first ``--frames`` frames of CLIP stylized with ``--chunk-frames`` into a fresh local
store: the first run's seconds; then, for each damage to one stored chunk (cut to a third, cut to
5 kB, 4 KiB of bytes flipped at its middle), the rerun's exit code, seconds, stderr line(s), output
frame count and which entries it recomputed; then exit code, seconds and the line of
``--out /sys/out.mp4`` and ``--style http://example.com/x.jpg``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DAMAGES = {
    "cut to a third": lambda data: data[: len(data) // 3],
    "cut to 5 kB": lambda data: data[:5000],
    "4 KiB flipped": lambda data: data[: len(data) // 2] + bytes(b ^ 0xFF for b in data[len(data) // 2:][:4096])
    + data[len(data) // 2 + 4096:],
}


def artify(args: list[str], env: dict[str, str]) -> tuple[int, float, list[str], str]:
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "artify_cli.main", *args], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=1800)
    lines = [line for line in result.stderr.replace("\r", "\n").splitlines()
             if line.startswith("artify:")]
    return result.returncode, time.monotonic() - started, lines, result.stdout.strip()


def entries(store: Path) -> dict[str, float]:
    return {p.relative_to(store).as_posix(): p.stat().st_mtime for p in store.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(store).parts)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    media = REPO.parent / "shared" / "media"
    parser.add_argument("--clip", default=str(media / "content" / "bikes.mp4"))
    parser.add_argument("--style", default=str(media / "style" / "starrynight.jpg"))
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--chunk-frames", type=int, default=20)
    args = parser.parse_args()
    from artify_core.video import VideoWriter, probe_video, read_frames

    work = Path(tempfile.mkdtemp(prefix="bench-store-faults-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARTIFY_")}
    env.update({"ARTIFY_CACHE": str(work / "cache"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_HOME": str(work / "prefect")})
    clip, pristine, store, out = work / "clip.mp4", work / "pristine", work / "store", work / "out.mp4"
    info = probe_video(args.clip)
    with VideoWriter(clip, width=info.width, height=info.height, fps=info.fps, preset="ultrafast") as writer:
        writer.write(read_frames(args.clip, end=args.frames))
    stylize = ["stylize", str(clip), "--style", args.style, "--out", str(out), "--store", str(store),
               "--chunk-frames", str(args.chunk_frames), "--preset", "ultrafast", "--device", "cpu"]
    code, seconds, lines, stdout = artify(stylize, env)
    assert code == 0, lines
    print(f"first run: exit {code}, {seconds:.1f} s, {stdout}")
    shutil.copytree(store, pristine)
    for damage, cut in DAMAGES.items():
        shutil.rmtree(store)
        shutil.copytree(pristine, store)
        before = entries(store)
        chunks = sorted(k for k in before if k.startswith("chunks/"))
        chunk = chunks[len(chunks) // 2]
        (store / chunk).write_bytes(cut((store / chunk).read_bytes()))
        out.unlink(missing_ok=True)
        code, seconds, lines, stdout = artify(stylize, env)
        frames = probe_video(out).frames if out.exists() else None
        after = entries(store)
        recomputed = sorted(k for k in after if after[k] != before.get(k))
        print(f"\n{damage} ({chunk}): exit {code}, {seconds:.1f} s, output frames {frames}, "
              f"recomputed {recomputed}")
        for line in lines or [stdout]:
            print(f"  {line}")
    for case, extra in (("--out /sys/out.mp4", ["--out", "/sys/out.mp4"]),
                        ("--style http://example.com/x.jpg", ["--style", "http://example.com/x.jpg"])):
        code, seconds, lines, _ = artify([*stylize, *extra], env)
        print(f"\n{case}: exit {code}, {seconds:.1f} s")
        for line in lines:
            print(f"  {line}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
