"""Model-only frames/s of the arbitrary model per backend, with the difference to torch eager.

Decoded frames in memory (bikes.mp4 at 640x272, bigbuckbunny_720p.mp4 at
1280x720), style starrynight, strength 1, each backend's model built once and
warmed up (OpenVINO compiles per frame size on first use). Backends run in
rounds, each round every backend once in a rotated order, so a load change on
a shared machine hits all of them alike; a backend's speed is the median of
its per-round time ratios to torch's, applied to torch's median frames/s.
Differences are to the torch eager output in levels (uint8), over every
frame. Writes docs/backends.md: one section per configuration (CPU, torch's
kernel capability, ATEN_CPU_CAPABILITY), others already there kept.

    python bench/bench_backends.py [--rounds 5] [--frames 4 2] [--compile]
    ATEN_CPU_CAPABILITY=avx2 python bench/bench_backends.py
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import torch

from artify_core.images import load_image
from artify_core.models.arbitrary.backends import BACKENDS, installed
from artify_core.models.arbitrary.model import arbitrary
from artify_core.models.base import StyleImage
from artify_core.video import read_frames

REPO = Path(__file__).resolve().parents[1]
MEDIA = REPO.parent / "shared" / "media"
DOC = REPO / "docs" / "backends.md"
CLIPS = (("bikes.mp4", "640x272"), ("bigbuckbunny_720p.mp4", "1280x720"))
COMMAND = "python bench/bench_backends.py"

HEADER = """# Backends of the arbitrary model on CPUs

Written by `bench/bench_backends.py`; each section is one run on one machine
configuration (a run replaces its own section and keeps the others). Model
only: decoded frames in memory, style starrynight, strength 1, fp32 unless the
section says otherwise. `frames/s` is torch's median over the rounds times the
median of each round's time ratio to torch (rounds interleave the backends in
rotated order, so the ratios hold on a shared machine; the absolute figures
only on a quiet one). `mean/max diff` is the difference to torch eager's output
in levels of uint8, over every pixel and channel of the frames.

How the graph backends run: the transformer is rebuilt as two fp32 ONNX graphs
(`artify_core/models/arbitrary/graph.py`, encoder and decoder, so the feature
smoother's trunk hook runs between them); the full-resolution convolutions (the
9x9 from 3 and to 3 channels, the stride-2 one after the first, the 3x3 after each
x2 upsampling) are computed on the maps' 2x2 phases, where they have 4x the
channels at a quarter of the pixels and vectorise (same products, another
summation order). OpenVINO and ONNX Runtime choose their kernels by CPUID
(the `kernels` column shows OpenVINO's choice for the first convolution);
`ATEN_CPU_CAPABILITY` holds only torch's (on an AVX2-only CPU it changes
nothing: its sections are repeats, a measure of the noise).

`auto` (artify_core/models/arbitrary/backends.py) takes, on a CPU in fp32, the
first installed of openvino, onnxruntime, torch: the order of the ratios below.
CUDA and bf16 (CPUs with native bf16) stay on torch until a section here
measures a graph backend faster there (`--precision bf16` runs torch in bf16).
`--compile` adds torch.compile (inductor) of the eager network.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--frames", type=int, nargs=2, default=(4, 2), metavar=("BIKES", "BUNNY"),
                        help="frames per call at 640x272 and at 1280x720")
    parser.add_argument("--precision", default="fp32", help="the precision of every backend (fp32, bf16)")
    parser.add_argument("--compile", action="store_true",
                        help="also torch.compile (inductor) of the eager network: minutes of compiling")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/backends.md alone")
    args = parser.parse_args()

    names = [name for name in BACKENDS.names() if installed(name)]
    models = {name: arbitrary(device="cpu", precision=args.precision if name == "torch" else "fp32",
                              backend=name) for name in names}
    if args.compile:
        models["torch.compile"] = compiled_model(args.precision)
    eager = models["torch"]
    style = eager.prepare_style([StyleImage(load_image(MEDIA / "style" / "starrynight.jpg"))])
    print(configuration())
    rows = []
    for (clip, size), count in zip(CLIPS, args.frames):
        frames = read_frames(MEDIA / "content" / clip, start=10, end=10 + count)
        rows += measure(models, frames, style, args.rounds, size)
    table = render(rows)
    print(table)
    if not args.no_write:
        write_section(configuration(), f"{COMMAND} {' '.join(os.sys.argv[1:])}".strip(), table)


def compiled_model(precision: str):
    model = arbitrary(device="cpu", precision=precision, backend="torch")
    model.transformer = torch.compile(model.transformer, dynamic=False)
    return model


def measure(models: dict, frames: np.ndarray, style: np.ndarray, rounds: int, size: str) -> list[dict]:
    outputs, warm = {}, {}
    for name, model in models.items():
        started = time.perf_counter()
        outputs[name] = model.stylize(frames, style)
        warm[name] = time.perf_counter() - started
    times: dict[str, list[float]] = {name: [] for name in models}
    order = list(models)
    for round_ in range(rounds):
        for name in order[round_ % len(order):] + order[:round_ % len(order)]:
            started = time.perf_counter()
            models[name].stylize(frames, style)
            times[name].append(time.perf_counter() - started)
    reference = outputs["torch"].astype(np.int16)
    torch_fps = len(frames) / statistics.median(times["torch"])
    rows = []
    for name in models:
        ratios = [t / own for t, own in zip(times["torch"], times[name])]
        difference = np.abs(outputs[name].astype(np.int16) - reference)
        rows.append({"size": size, "frames": len(frames), "backend": name, "version": models[name].version,
                     "fps": torch_fps * statistics.median(ratios), "ratio": statistics.median(ratios),
                     "spread": f"{min(ratios):.2f}-{max(ratios):.2f}", "first": warm[name],
                     "mean": float(difference.mean()), "max": int(difference.max()),
                     "kernels": kernels(name)})
        print(f"{size} {name:14s} {rows[-1]['fps']:6.2f} frames/s  x{rows[-1]['ratio']:.2f} ({rows[-1]['spread']})  "
              f"diff mean {rows[-1]['mean']:.4f} max {rows[-1]['max']}", flush=True)
    return rows


def kernels(name: str) -> str:
    if name.startswith("torch"):
        return f"aten {torch.backends.cpu.get_cpu_capability()}"
    if name != "openvino":
        return "MLAS, by CPUID"
    return "ov " + openvino_conv_kernel()


def openvino_conv_kernel() -> str:
    """The kernel OpenVINO's CPU plugin picks for a 3x3 fp32 convolution (e.g. brgconv_avx2_f32)."""
    import openvino as ov
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.zeros((32, 32, 3, 3), np.float32), "w")
    graph = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"], kernel_shape=[3, 3])], "probe",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 32, 64, 64])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 32, 62, 62])], [weight])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    core = ov.Core()
    compiled = core.compile_model(core.read_model(model.SerializeToString(), b""), "CPU",
                                  {"PERF_COUNT": True, "INFERENCE_PRECISION_HINT": "f32"})
    request = compiled.create_infer_request()
    request.infer({"x": np.zeros((1, 32, 64, 64), np.float32)})
    return next(info.exec_type for info in request.profiling_info if info.node_type == "Convolution")


def configuration() -> str:
    cpu = _cpu_name()
    capability = torch.backends.cpu.get_cpu_capability()
    forced = os.environ.get("ATEN_CPU_CAPABILITY")
    return (f"{cpu}, {torch.get_num_threads()} threads, torch kernels {capability}"
            + (f" (ATEN_CPU_CAPABILITY={forced})" if forced else ""))


def _cpu_name() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown CPU"
    model = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    flags = re.search(r"^flags\s*:\s*(.+)$", text, re.M)
    isa = [flag for flag in ("avx2", "avx512f", "avx512_bf16", "amx_tile") if flag in (flags.group(1).split() if flags
                                                                                        else [])]
    return f"{model.group(1).strip() if model else 'unknown CPU'} ({'/'.join(isa) or 'no AVX2'})"


def render(rows: list[dict]) -> str:
    versions = ", ".join(f"{package} {metadata.version(package)}" for package in ("torch", "openvino", "onnxruntime")
                         if _has(package))
    lines = [f"Packages: {versions}.", "",
             "| frame size | frames per call | backend | frames/s | ratio to torch (range) | first call s | "
             "mean diff | max diff | kernels |", "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['size']} | {row['frames']} | {row['backend']} | {row['fps']:.2f} | "
                     f"{row['ratio']:.2f} ({row['spread']}) | {row['first']:.1f} | {row['mean']:.4f} | "
                     f"{row['max']} | {row['kernels']} |")
    return "\n".join(lines)


def _has(package: str) -> bool:
    try:
        metadata.version(package)
    except metadata.PackageNotFoundError:
        return False
    return True


def write_section(title: str, command: str, table: str) -> None:
    sections = {}
    if DOC.exists():
        for block in DOC.read_text().split("\n## ")[1:]:
            heading, _, body = block.partition("\n")
            sections[heading.strip()] = body.strip()
    sections[title] = f"    {command}\n\n{table}"
    text = HEADER + "".join(f"\n## {heading}\n\n{body}\n" for heading, body in sections.items())
    DOC.write_text(text)
    print(f"wrote {DOC.relative_to(REPO)}")


if __name__ == "__main__":
    main()
