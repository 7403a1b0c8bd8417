"""Which instance-norm layers of the arbitrary model vary most from frame to frame on static content?

For every ``ConditionalInstanceNorm2d`` of the style transfer network (forward
hooks), over consecutive frame pairs, the relative variation of

- ``act``: the layer's output activations, ||a_t − a_{t−1}|| / ||a_{t−1}||;
- ``mean``: its per-channel input means, ||μ_t − μ_{t−1}|| / ||σ_{t−1}|| (in units
  of the spread the norm divides by: what a shift of the mean does to its output);
- ``std``: its per-channel input standard deviations, ||σ_t − σ_{t−1}|| / ||σ_{t−1}||;

on three inputs: ``still`` (one frame of bigbuckbunny repeated, each copy
with its own small noise, σ = 2 levels, and its own JPEG re-encoding at
quality 85-95: the sensor and compression jitter that makes a per-frame model
flicker on static content), and the first frames of bigbuckbunny (static camera)
and of bikes.mp4's first shot. Then an ablation on ``still`` and bunny: the
output's mean absolute frame-to-frame change (uint8 levels) with the
statistics of one layer (or a group) smoothed at α = 0.9 by ``StatisticsSmoother``
(``norm_statistics.py``: swapped into the norms for the run, the network has no
hook for it), against none, and with the trunk features warped and blended
(``TrunkBlender``, what ``feature_smoothing`` does) at α = 0.5 and 0.9.

fp32 on torch (no bf16 rounding in the figures; hooks need the eager network), frames scaled to
360 px high, 24 frames per input.

    python bench/bench_feature_variation.py [--frames 24] [--height 360]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared" / "media"
BUNNY = SHARED / "content" / "bigbuckbunny_720p.mp4"
BIKES = SHARED / "content" / "bikes.mp4"
STYLE = SHARED / "style" / "starrynight.jpg"


def jittered_still(frame, count: int, seed: int = 0):
    """``count`` copies of an RGB uint8 (H, W, 3) frame, each with its own noise and JPEG re-encoding."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    frames = []
    for _ in range(count):
        noisy = np.clip(frame.astype(np.float32) + rng.normal(0.0, 2.0, frame.shape), 0, 255).astype(np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(noisy).save(buffer, format="JPEG", quality=int(rng.integers(85, 96)))
        frames.append(np.asarray(Image.open(buffer).convert("RGB")))
    return np.stack(frames)


class NormRecorder:
    """Forward hooks on every conditional instance norm; accumulates the relative variations of consecutive frames."""

    def __init__(self, network):
        from norm_statistics import norm_layers  # bench/ is on sys.path when a script runs

        from artify_core.models.arbitrary.networks import ConditionalInstanceNorm2d

        self.names = norm_layers(network)
        self.sums = {name: [0.0, 0.0, 0.0] for name in self.names}
        self.pairs = 0
        self._previous: dict[str, tuple] = {}
        self._stats: dict[str, tuple] = {}
        self.handles = []
        for name, module in network.named_modules():
            if isinstance(module, ConditionalInstanceNorm2d):
                self.handles.append(module.register_forward_pre_hook(self._pre(name)))
                self.handles.append(module.register_forward_hook(self._post(name)))

    def _pre(self, name):
        def hook(_module, inputs):
            # The norm may overwrite its input: take the statistics before it runs.
            x = inputs[0].float()
            self._stats[name] = (x.mean(dim=(2, 3))[0].clone(), x.std(dim=(2, 3), correction=0)[0].clone())
        return hook

    def _post(self, name):
        def hook(_module, _inputs, output):
            mean, std = self._stats.pop(name)
            act = output.float()[0].clone()
            if name in self._previous:
                p_act, p_mean, p_std = self._previous[name]
                sums = self.sums[name]
                sums[0] += float((act - p_act).norm() / p_act.norm())
                sums[1] += float((mean - p_mean).norm() / p_std.norm())
                sums[2] += float((std - p_std).norm() / p_std.norm())
            self._previous[name] = (act, mean, std)
        return hook

    def table(self) -> dict[str, tuple[float, float, float]]:
        return {name: tuple(v / max(1, self.pairs) for v in self.sums[name]) for name in self.names}

    def close(self) -> None:
        for handle in self.handles:
            handle.remove()


def measure(model, frames, style):
    """Per-layer (act, mean, std) variations and the output's relative variation, frames fed one at a time."""
    import numpy as np

    recorder = NormRecorder(model.transformer)
    previous, output_change = None, 0.0
    try:
        for frame in frames:
            out = model.stylize(frame[None], style)[0].astype(np.float32)
            if previous is not None:
                recorder.pairs += 1
                output_change += float(np.linalg.norm(out - previous) / np.linalg.norm(previous))
            previous = out
    finally:
        recorder.close()
    return recorder.table(), output_change / max(1, recorder.pairs)


def output_flicker(model, frames, style, layers, alpha: float = 0.9) -> float:
    """Mean absolute change between consecutive output frames (uint8 levels) with ``layers`` smoothed."""
    import numpy as np
    from norm_statistics import StatisticsSmoother, norm_layers, smoothed_norms

    smoother = StatisticsSmoother(alpha, layers=frozenset(layers))
    with smoothed_norms(model.transformer, smoother):
        outputs = model._stylize(frames, style, 1.0).astype(np.int16)
    if smoother.layers_seen != frozenset(norm_layers(model.transformer)):
        raise RuntimeError("the norms did not run eagerly (a graph backend or the tiled pass): nothing was smoothed")
    return float(np.abs(np.diff(outputs, axis=0)).mean())


def trunk_flicker(frames, style, alpha: float) -> float:
    """``output_flicker`` of a ``feature_smoothing=alpha`` sequence (fp32, CPU)."""
    import numpy as np

    from artify_core.models.arbitrary.model import arbitrary

    model = arbitrary(device="cpu", precision="fp32", feature_smoothing=alpha, backend="torch")
    outputs = model.open_sequence(style).stylize(frames).astype(np.int16)
    return float(np.abs(np.diff(outputs, axis=0)).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--height", type=int, default=360)
    args = parser.parse_args()
    import numpy as np
    import torch
    from norm_statistics import norm_layers
    from PIL import Image

    from artify_core.models.arbitrary.model import arbitrary
    from artify_core.models.base import StyleImage
    from artify_core.video import read_frames

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    model = arbitrary(device="cpu", precision="fp32", backend="torch")
    style = model.prepare_style([StyleImage(np.asarray(Image.open(STYLE).convert("RGB")))])
    bunny = read_frames(BUNNY, end=args.frames, height=args.height)
    inputs = {
        "still": jittered_still(bunny[0], args.frames),
        "bunny": bunny,
        "bikes": read_frames(BIKES, end=min(args.frames, 30), height=min(args.height, 272)),
    }
    tables, outputs = {}, {}
    for name, frames in inputs.items():
        tables[name], outputs[name] = measure(model, frames, style)
    names = norm_layers(model.transformer)
    header = " | ".join(f"{n} act / mean / std" for n in inputs)
    print(f"| layer | {header} |")
    print("|---|" + "---|" * len(inputs))
    for layer in names:
        cells = " | ".join("{:.4f} / {:.4f} / {:.4f}".format(*tables[n][layer]) for n in inputs)
        print(f"| {layer} | {cells} |")
    print("| output (image) | " + " | ".join(f"{outputs[n]:.4f}" for n in inputs) + " |")
    for n in inputs:
        for k, what in enumerate(("act", "mean", "std")):
            top = max(names, key=lambda layer: tables[n][layer][k])
            print(f"{n}: max {what} variation at {top} ({tables[n][top][k]:.4f})")

    still = inputs["still"]
    groups = {"none": (), **{layer: (layer,) for layer in names},
              "residual.*": tuple(l for l in names if l.startswith("residual")),
              "expand.*": tuple(l for l in names if l.startswith("expand")), "all": names}
    print("\nablation: output mean |frame t − frame t−1| (levels); statistics smoothed at α = 0.9")
    print("| smoothed | still | bunny |")
    print("|---|---|---|")
    for label, layers in groups.items():
        print(f"| {label} | {output_flicker(model, still, style, layers):.3f} | "
              f"{output_flicker(model, bunny, style, layers):.3f} |", flush=True)
    for alpha in (0.5, 0.9):
        print(f"| trunk warp-and-blend α = {alpha:g} | {trunk_flicker(still, style, alpha):.3f} | "
              f"{trunk_flicker(bunny, style, alpha):.3f} |", flush=True)


if __name__ == "__main__":
    main()
