"""Timing and colour kept through Artify: a variable-frame-rate phone-like clip through the whole
`artify stylize` run, and decode → encode round trips of generated clips of each colour kind.

Prints the VFR clip's input and output presentation times (and the largest difference), and
per colour kind the mean / 99th percentile / max absolute difference in levels between the
decoded source and the decoded re-encode (flat patches, edges excluded).

    python bench/bench_video_io.py [--out bench-out/video_io]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from artify_core.video import VideoWriter, probe_video, read_frames  # noqa: E402
from tests.artify_core.video.test_color import HDR_KINDS, SDR_KINDS, encode_kind, patch_centres  # noqa: E402
from tests.conftest import make_vfr_clip  # noqa: E402

STYLE = REPO.parent / "shared" / "media" / "style" / "starrynight.jpg"


def vfr_through_the_cli(out_dir: Path) -> None:
    clip = make_vfr_clip(out_dir / "phone vfr.mp4")
    output = out_dir / "phone vfr.stylized.mp4"
    env = {**os.environ, "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"}
    subprocess.run([sys.executable, "-m", "artify_cli.main", "stylize", str(clip), "--style", str(STYLE),
                    "--out", str(output), "--chunk-frames", "30", "--store", str(out_dir / "store")],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    source, result = probe_video(clip), probe_video(output)
    a, b = source.times.seconds(), result.times.seconds()
    print(f"VFR clip: {source.frames} frames in, {result.frames} out; input {source.times.describe()}; "
          f"output {result.times.describe()}; audio out: {result.has_audio}")
    print(f"{'frame':>5} {'input s':>9} {'output s':>9}")
    for index in (0, 1, 48, 49, 50, 51, 52, 83, 84):
        print(f"{index:>5} {a[index]:>9.4f} {b[index]:>9.4f}")
    print(f"largest |output - input| over all {len(a)} frames: {np.abs(a - b).max() * 1000:.3f} ms")


def colour_round_trips(out_dir: Path) -> None:
    kinds = {name: encode_kind(out_dir / f"{name}.mp4",
                               f"scale=out_color_matrix={m}:out_range={r},format=yuv420p",
                               ["-colorspace", tag, "-color_primaries", tag, "-color_trc", tag, "-color_range", r],
                               ["-c:v", "libx264", "-qp", "0"]) for name, (m, r, tag) in SDR_KINDS.items()}
    for name, transfer in HDR_KINDS.items():
        kinds[name] = encode_kind(
            out_dir / f"{name}.mp4",
            f"zscale=tin=bt709:min=gbr:pin=bt709:rin=pc:t={transfer}:p=bt2020:m=bt2020nc:r=tv:npl=203,format=yuv420p10le",
            ["-colorspace", "bt2020nc", "-color_primaries", "bt2020", "-color_trc", transfer, "-color_range", "tv"],
            ["-c:v", "libx265", "-x265-params", "log-level=error:lossless=1", "-pix_fmt", "yuv420p10le"])
    print(f"{'kind':>14} {'read as':<52} {'mean':>6} {'p99':>4} {'max':>4}")
    for name, clip in kinds.items():
        info = probe_video(clip)
        decoded = read_frames(clip)
        out = out_dir / f"{name}.roundtrip.mp4"
        with VideoWriter(out, width=info.width, height=info.height, fps=Fraction(25), crf=0,
                         preset="ultrafast") as writer:
            writer.write(decoded)
        difference = np.abs(patch_centres(read_frames(out)) - patch_centres(decoded))
        print(f"{name:>14} {info.color.describe(info.height):<52} {difference.mean():>6.3f} "
              f"{np.percentile(difference, 99):>4.0f} {difference.max():>4d}")
    tags = probe_video(out).color
    print(f"output tags: matrix {tags.matrix}, primaries {tags.primaries}, transfer {tags.transfer}, range {tags.range}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(REPO / "bench-out" / "video_io"))
    args = parser.parse_args()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    colour_round_trips(out_dir)
    vfr_through_the_cli(out_dir)


if __name__ == "__main__":
    main()
