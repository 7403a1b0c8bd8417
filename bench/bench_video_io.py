"""Video I/O: throughput of decoding and encoding, colour kept, and phone footage through a run.

1. Decode, encode and decode + encode frames/s at 720p and 1080p (Big Buck Bunny, and the same
   scaled to 1080p), this tree against a baseline revision (default: the last one whose video I/O
   ran ffmpeg in subprocesses through pipes), in interleaved pairs of fresh processes.
2. Colour: per kind (BT.601/709, limited/full, HDR PQ/HLG) the mean / 99th percentile / max
   difference in levels between the decoded source and its decoded re-encode.
3. Phone footage through `artify stylize` with whatever ffmpeg is first on PATH: a variable-frame-
   rate clip (largest frame-time difference, audio) and a rotated clip (output size).

Writes docs/video_io.md (the tables) and prints them.

    python bench/bench_video_io.py [--baseline REV] [--pairs 3] [--parts 1 2 3] [--out bench-out/video_io]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import io
import tarfile
from fractions import Fraction
from pathlib import Path

import numpy as np

from machine import cpu_description  # bench/ is on sys.path when a script runs

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MEDIA = REPO.parent / "shared" / "media"
STYLE = MEDIA / "style" / "starrynight.jpg"
# The last revision whose video layer piped frames through ffmpeg subprocesses.
PIPES_REVISION = "8200d43"
DOC = REPO / "docs" / "video_io.md"

# Runs in a fresh process with PYTHONPATH at one tree: prints {"decode": fps, "encode": fps, "both": fps}.
MEASURE = r"""
import json, sys, time
from artify_core.video import VideoWriter, iter_frames, probe_video
path, scratch = sys.argv[1], sys.argv[2]
info = probe_video(path)
started = time.perf_counter()
frames = [batch for batch in iter_frames(path, batch_frames=8, info=info)]
decode = info.frames / (time.perf_counter() - started)
started = time.perf_counter()
with VideoWriter(scratch + "/encoded.mp4", width=info.width, height=info.height, fps=info.fps) as writer:
    for batch in frames:
        writer.write(batch)
encode = info.frames / (time.perf_counter() - started)
del frames
started = time.perf_counter()
with VideoWriter(scratch + "/both.mp4", width=info.width, height=info.height, fps=info.fps) as writer:
    for batch in iter_frames(path, batch_frames=8, info=info):
        writer.write(batch)
both = info.frames / (time.perf_counter() - started)
print(json.dumps({"decode": decode, "encode": encode, "both": both}))
"""


def baseline_tree(revision: str, into: Path) -> Path:
    """The package at ``revision``, unpacked into ``into`` (a tree to put on PYTHONPATH)."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", revision, "artify_core"], check=True,
                             capture_output=True).stdout
    into.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def clip_1080p(out_dir: Path) -> Path:
    import ffmpeg

    from tests.media import run

    path = out_dir / "bunny_1080p.mp4"
    if not path.exists():
        source = ffmpeg.input(str(MEDIA / "content" / "bigbuckbunny_720p.mp4")).video
        run(source.filter("scale", 1920, 1080, flags="lanczos").output(str(path), vcodec="libx264", preset="fast",
                                                                       crf=18))
    return path


def measure(tree: Path, clip: Path, scratch: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, "-c", MEASURE, str(clip), str(scratch)], check=True, env=env,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def throughput(out_dir: Path, baseline: str, pairs: int) -> list[str]:
    old = baseline_tree(baseline, out_dir / f"baseline-{baseline}")
    clips = {"720p": MEDIA / "content" / "bigbuckbunny_720p.mp4", "1080p": clip_1080p(out_dir)}
    scratch = out_dir / "scratch"
    scratch.mkdir(exist_ok=True)
    rows = ["| size | stage | ffmpeg pipes (before), frames/s | PyAV in-process (after), frames/s | after ÷ before |",
            "| --- | --- | --- | --- | --- |"]
    for size, clip in clips.items():
        results: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
        for _ in range(pairs):  # interleaved, so drift in the machine's speed hits both alike
            results["before"].append(measure(old, clip, scratch))
            results["after"].append(measure(REPO, clip, scratch))
        for stage in ("decode", "encode", "both"):
            before = statistics.median(r[stage] for r in results["before"])
            after = statistics.median(r[stage] for r in results["after"])
            ratios = [a[stage] / b[stage] for a, b in zip(results["after"], results["before"])]
            label = {"decode": "decode", "encode": "encode (x264 medium, crf 18)",
                     "both": "decode + encode"}[stage]
            rows.append(f"| {size} | {label} | {before:.1f} | {after:.1f} | {statistics.median(ratios):.2f} "
                        f"(pairs {', '.join(f'{r:.2f}' for r in ratios)}) |")
    shutil.rmtree(scratch, ignore_errors=True)
    return rows


def colour_round_trips(out_dir: Path) -> list[str]:
    from artify_core.video import VideoWriter, probe_video, read_frames
    from tests.artify_core.video.test_color import HDR_KINDS, SDR_KINDS, encode_kind, patch_centres

    kinds = {name: encode_kind(out_dir / f"{name}.mp4", f"scale=out_color_matrix={m}:out_range={r},format=yuv420p",
                               {"colorspace": tag, "color_primaries": tag, "color_trc": tag, "color_range": r},
                               {"vcodec": "libx264", "qp": 0}) for name, (m, r, tag) in SDR_KINDS.items()}
    for name, transfer in HDR_KINDS.items():
        kinds[name] = encode_kind(
            out_dir / f"{name}.mp4",
            f"zscale=tin=bt709:min=gbr:pin=bt709:rin=pc:t={transfer}:p=bt2020:m=bt2020nc:r=tv:npl=203,format=yuv420p10le",
            {"colorspace": "bt2020nc", "color_primaries": "bt2020", "color_trc": transfer, "color_range": "tv"},
            {"vcodec": "libx265", "x265-params": "log-level=error:lossless=1", "pix_fmt": "yuv420p10le"})
    rows = ["| kind | read as | mean | p99 | max |", "| --- | --- | --- | --- | --- |"]
    for name, clip in kinds.items():
        info = probe_video(clip)
        decoded = read_frames(clip)
        out = out_dir / f"{name}.roundtrip.mp4"
        with VideoWriter(out, width=info.width, height=info.height, fps=Fraction(25), crf=0,
                         preset="ultrafast") as writer:
            writer.write(decoded)
        difference = np.abs(patch_centres(read_frames(out)) - patch_centres(decoded))
        rows.append(f"| {name} | {info.color.describe(info.height)} | {difference.mean():.3f} | "
                    f"{np.percentile(difference, 99):.0f} | {difference.max()} |")
    tags = probe_video(out).color
    rows.append(f"\nOutput tags: matrix {tags.matrix}, primaries {tags.primaries}, transfer {tags.transfer}, "
                f"range {tags.range}.")
    return rows


def ffmpeg_on_path() -> str:
    found = shutil.which("ffmpeg")
    if found is None:
        return "none"
    version = subprocess.run([found, "-version"], capture_output=True, text=True).stdout.splitlines()
    return f"{found} ({version[0] if version else 'no version line'})"


def phone_footage(out_dir: Path) -> list[str]:
    from artify_core.video import probe_video
    from tests.conftest import make_vfr_clip
    from tests.media import stream_copy

    vfr = make_vfr_clip(out_dir / "phone vfr.mp4")
    portrait = stream_copy(MEDIA / "content" / "bikes.mp4", out_dir / "portrait.mp4", t=3,
                           input_options={"display_rotation": 90})
    rows = [f"ffmpeg first on PATH: {ffmpeg_on_path()}", "",
            "| clip | input | output | largest frame-time difference | audio |", "| --- | --- | --- | --- | --- |"]
    for name, clip in (("variable frame rate", vfr), ("rotated 90°", portrait)):
        output = out_dir / f"{clip.stem}.stylized.mp4"
        output.unlink(missing_ok=True)
        subprocess.run([sys.executable, "-m", "artify_cli.main", "stylize", str(clip), "--style", str(STYLE),
                        "--out", str(output), "--chunk-frames", "30", "--store", str(out_dir / "store")],
                       check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        source, result = probe_video(clip), probe_video(output)
        gap = np.abs(source.times.seconds() - result.times.seconds()).max() * 1000
        rows.append(f"| {name} | {source.width}x{source.height} (rotation {source.rotation}), {source.frames} "
                    f"frames, {source.times.describe()} | {result.width}x{result.height}, {result.frames} frames, "
                    f"{result.times.describe()} | {gap:.3f} ms | {'yes' if result.has_audio else 'no'} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=PIPES_REVISION)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--parts", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--out", default=str(REPO / "bench-out" / "video_io"))
    args = parser.parse_args()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    sections = {
        1: ("Throughput", lambda: throughput(out_dir, args.baseline, args.pairs),
            f"Medians of {args.pairs} interleaved pairs of fresh processes; each decodes the clip to RGB batches "
            "of 8, encodes them (H.264, crf 18, medium), then does both at once as a run does."),
        2: ("Colour kept", lambda: colour_round_trips(out_dir),
            "Flat patches of generated clips, edges excluded: decoded source against its decoded re-encode."),
        3: ("Phone footage through `artify stylize`", lambda: phone_footage(out_dir),
            "A 50 × 1/30 s + 35 × 1/15 s clip with AAC, and bikes.mp4's first 3 s tagged with a 90° display "
            "rotation, default settings, 30-frame chunks."),
    }
    written = _sections(DOC.read_text()) if DOC.exists() else {}
    for part in args.parts:
        title, run, note = sections[part]
        rows = run()
        written[title] = "\n".join([f"## {title}", "", note, f"Measured on {cpu_description()}.", "", *rows, ""])
        print("\n".join([f"## {title}", *rows, ""]), flush=True)
    header = ["# Video I/O", "", "Written by `python bench/bench_video_io.py`; each part replaces its own section.",
              ""]
    ordered = [written[title] for title, _, _ in sections.values() if title in written]
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text("\n".join(header) + "\n".join(ordered))
    print(f"wrote {DOC}")


def _sections(text: str) -> dict[str, str]:
    """The ``## title`` sections of a page written before, by title."""
    parts = text.split("\n## ")[1:]
    return {part.split("\n", 1)[0]: "## " + part.rstrip("\n") + "\n" for part in parts}


if __name__ == "__main__":
    main()
