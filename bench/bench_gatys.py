"""Gatys model on a short clip: seconds per frame and warping error, with and without the temporal loss.

Stylizes the same frames three ways with one model setting: each frame on
its own from its content (``stylize``), as a sequence whose frames start from
the previous result warped by flow but without the temporal loss
(temporal_weight 0), and as a sequence with it. Prints seconds per frame and
the warping error (``artify_core.metrics.warping``, DIS "medium" flow on the
content) of each, and saves content | stylized side by side for the first
frame of the sequence with the temporal loss.

    python bench/bench_gatys.py [CONTENT] [--backbone mobilenet] [--frames 20] [--height 256]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared" / "media"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("content", nargs="?", default=str(SHARED / "content" / "bigbuckbunny_720p.mp4"))
    parser.add_argument("--style", default=str(SHARED / "style" / "starrynight.jpg"))
    parser.add_argument("--backbone", default="mobilenet")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--start", type=int, default=100)
    parser.add_argument("--height", type=int, default=256)
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--first-frame-iterations", type=int, default=100)
    parser.add_argument("--temporal-weight", type=float, default=None, help="default: the model's")
    parser.add_argument("--modes", nargs="+", default=["independent", "warped-init", "temporal"],
                        choices=["independent", "warped-init", "temporal"])
    parser.add_argument("--picture", type=Path, default=None, help="where to save content | output of frame 0")
    args = parser.parse_args()

    from artify_core.images import load_image, save_image
    from artify_core.models.base import StyleImage
    from artify_core.models.gatys import gatys
    from artify_core.video import read_frames

    frames = read_frames(args.content, height=args.height, start=args.start, end=args.start + args.frames)
    options = dict(device=args.device, backbone=args.backbone, iterations=args.iterations,
                   first_frame_iterations=args.first_frame_iterations)
    if args.temporal_weight is not None:
        options["temporal_weight"] = args.temporal_weight
    model = gatys(**options)
    without = gatys(**{**options, "temporal_weight": 0.0})
    style = model.prepare_style([StyleImage(load_image(args.style))])
    print(f"{args.content}: frames {args.start}..{args.start + len(frames) - 1} at "
          f"{frames.shape[2]}x{frames.shape[1]}; {model.version}; temporal weight "
          f"{model.settings.loss.temporal}; iterations {args.iterations} (first frame {args.first_frame_iterations})")
    runs = {
        "independent": lambda: model.stylize(frames, style),
        "warped-init": lambda: without.open_sequence(style).stylize(frames),
        "temporal": lambda: model.open_sequence(style).stylize(frames),
    }
    for mode in args.modes:
        started = time.perf_counter()
        outputs = runs[mode]()
        seconds = (time.perf_counter() - started) / len(frames)
        errors = measure(frames, outputs)
        print(f"{mode:12s} {seconds:6.2f} s/frame  warping error {errors.mean:.3e}  "
              f"(content {errors.content_mean:.3e}, ratio {errors.ratio:.2f})", flush=True)
        if mode == "temporal" and args.picture is not None:
            save_image(np_concat(frames[0], outputs[0]), args.picture)


def measure(frames, outputs):
    from artify_core.metrics.warping import WarpingErrorMeter
    from artify_core.temporal.estimators import load_flow_estimator

    meter = WarpingErrorMeter(load_flow_estimator("dis"))
    meter.update(frames, outputs)
    return meter.result()


def np_concat(left, right):
    import numpy as np

    return np.concatenate([left, right], axis=1)


if __name__ == "__main__":
    main()
