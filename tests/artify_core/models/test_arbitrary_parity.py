"""Parity of the PyTorch port with the shipped Magenta ONNX graphs.

The shipped graphs quantize activations as well as weights, so no float
network reproduces them exactly. The reference is therefore the same graph
with every activation QuantizeLinear→DequantizeLinear pair bypassed, weights
left dequantized as stored, run by onnxruntime: the port must match it to
float rounding. Against the int8 graph as shipped it must stay within what
quantizing the activations explains:

- The int8 graph is run as ONNX defines it, QuantizeLinear and
  DequantizeLinear as their own ops in float (onnxruntime with its graph
  optimizations off), not through onnxruntime's fused int8 kernels: those
  are chosen per instruction set and round differently (on AVX2 its u8s8
  kernels give the embedding a cosine of 0.979 to the same graph's own
  semantics, printed below as "kernels"), a property of the runtime, not of
  the graph or the port.
- The bound comes from the graph's quantization steps: each activation
  quantizer with step s adds an error within ±s/2, modelled as independent
  uniform noise of that width injected at every quantization point of the
  float graph (``with_quantization_noise``) and carried through the network
  by the network itself. The port's distance to the int8 graph (embedding
  1 − cosine, image mean difference) may be at most twice that model's
  (mean of two noise draws; draws differ by up to 1.5x from each other).

Run with ``pytest -s`` to see the measured figures.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from onnx import helper, numpy_helper

from artify_core.models.arbitrary.model import (
    PREDICT_FILE,
    STYLE_SIZE,
    TRANSFORM_FILE,
    StylePreprocess,
    load_predictor,
    load_transformer,
)

ort = pytest.importorskip("onnxruntime")

CONTENT_SIZE = 384  # the shipped transform graph is fixed at 384x384
IMAGES = ("amber", "fei", "square")
STYLES = ("starrynight", "wave", "udnie")
# Against the float reference only summation order differs: measured 1e-6 (embedding max) and 2e-6 (image
# mean) here; the limits leave 100x and 1000x for other CPUs' fp32 kernels.
MAD_VS_FLOAT = 0.002
# The port may be this many times as far from the int8 graph as the quantization-noise model is from it.
NOISE_MODEL_FACTOR = 2.0
NOISE_SEEDS = (1, 2)


def without_activation_quantization(model: onnx.ModelProto) -> onnx.ModelProto:
    """A float copy of a QDQ graph: consumers of each activation DequantizeLinear read the QuantizeLinear's input.

    DequantizeLinear nodes of initializers (the weights) are kept. tf2onnx
    sometimes moved a Reshape/Transpose between Q and DQ; that op is kept and
    fed the float tensor instead.
    """
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    constants = {tensor.name for tensor in graph.initializer}
    producers = {output: node for node in graph.node for output in node.output}
    bypass: dict[str, str] = {}
    for node in graph.node:
        if node.op_type != "DequantizeLinear" or node.input[0] in constants:
            continue
        source = producers[node.input[0]]
        if source.op_type in ("Reshape", "Transpose"):
            quantize = producers[source.input[0]]
            source.input[0] = quantize.input[0]
            bypass[node.output[0]] = source.output[0]
        else:
            quantize = source
            bypass[node.output[0]] = quantize.input[0]
        assert quantize.op_type == "QuantizeLinear", f"{node.name}: DQ of {quantize.op_type}"
    kept = [node for node in graph.node if not (node.op_type == "DequantizeLinear" and node.output[0] in bypass)]
    for node in kept:
        node.input[:] = [_resolve(name, bypass) for name in node.input]
    # A graph output computed by a bypassed DQ keeps its name through an Identity.
    kept += [helper.make_node("Identity", [_resolve(out.name, bypass)], [out.name])
             for out in graph.output if out.name in bypass]
    _replace_nodes(graph, _live_nodes(kept, {o.name for o in graph.output}))
    return model


def with_quantization_noise(model: onnx.ModelProto, seed: int) -> onnx.ModelProto:
    """The float graph of ``without_activation_quantization`` with, at each activation quantizer of step s
    (its scale), uniform noise in [-s/2, s/2] added instead of the rounding (``RandomUniformLike``, seeded)."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    constants = {tensor.name: numpy_helper.to_array(tensor) for tensor in graph.initializer}
    producers = {output: node for node in graph.node for output in node.output}
    bypass: dict[str, str] = {}
    noise: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        if node.op_type != "DequantizeLinear" or node.input[0] in constants:
            continue
        source = producers[node.input[0]]
        quantize = producers[source.input[0]] if source.op_type in ("Reshape", "Transpose") else source
        value, step = quantize.input[0], float(np.max(constants[quantize.input[1]]))
        noisy = f"{value}/quantization_noise"
        noise.setdefault(value, [
            helper.make_node("RandomUniformLike", [value], [f"{noisy}/draw"], low=-step / 2, high=step / 2,
                             seed=float(seed * 10_000 + len(noise))),
            helper.make_node("Add", [value, f"{noisy}/draw"], [noisy])])
        if source is not quantize:
            source.input[0] = noisy
            bypass[node.output[0]] = source.output[0]
        else:
            bypass[node.output[0]] = noisy
    kept = [node for node in graph.node if not (node.op_type == "DequantizeLinear" and node.output[0] in bypass)]
    for node in kept:
        node.input[:] = [_resolve(name, bypass) for name in node.input]
    kept += [helper.make_node("Identity", [_resolve(out.name, bypass)], [out.name])
             for out in graph.output if out.name in bypass]
    nodes = _topological(kept + [node for pair in noise.values() for node in pair],
                         {value.name for value in graph.input} | set(constants))
    _replace_nodes(graph, _live_nodes(nodes, {o.name for o in graph.output}))
    return model


def _topological(nodes: list[onnx.NodeProto], available: set[str]) -> list[onnx.NodeProto]:
    ordered, pending = [], nodes
    while pending:
        ready = [node for node in pending if all(not name or name in available for name in node.input)]
        if not ready:
            raise ValueError("graph has a cycle or a missing input")
        ordered += ready
        available |= {name for node in ready for name in node.output}
        pending = [node for node in pending if node not in ready]
    return ordered


def _resolve(name: str, bypass: dict[str, str]) -> str:
    while name in bypass:
        name = bypass[name]
    return name


def _live_nodes(nodes: list[onnx.NodeProto], outputs: set[str]) -> list[onnx.NodeProto]:
    """Drops nodes whose outputs nobody reads (the now unused QuantizeLinear nodes), repeatedly."""
    while True:
        read = outputs | {name for node in nodes for name in node.input}
        live = [node for node in nodes if any(output in read for output in node.output)]
        if len(live) == len(nodes):
            return live
        nodes = live


def _replace_nodes(graph: onnx.GraphProto, nodes: list[onnx.NodeProto]) -> None:
    read = {name for node in nodes for name in node.input}
    initializers = [tensor for tensor in graph.initializer if tensor.name in read]
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(initializers)


def _session(model: onnx.ModelProto | Path, fused: bool = False) -> "ort.InferenceSession":
    """``fused``: with onnxruntime's graph optimizations (its int8 kernels for QDQ pairs); otherwise
    every node runs as the ONNX operator it is."""
    options = ort.SessionOptions()
    options.log_severity_level = 3
    if not fused:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    source = str(model) if isinstance(model, Path) else model.SerializeToString()
    return ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])


class Pipeline:
    """One way to compute (embedding, stylized image) from preprocessed NHWC float inputs."""

    def __init__(self, predict, transform):
        self.predict, self.transform = predict, transform

    def __call__(self, style: np.ndarray, content: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        embedding = self.predict(style).reshape(1, -1)
        return embedding, self.transform(content, embedding)


def onnx_pipeline(predict: "ort.InferenceSession", transform: "ort.InferenceSession") -> Pipeline:
    content_name, embedding_name = (i.name for i in transform.get_inputs())
    return Pipeline(
        lambda style: predict.run(None, {predict.get_inputs()[0].name: style})[0],
        lambda content, emb: transform.run(None, {content_name: content, embedding_name: emb.reshape(1, 1, 1, -1)})[0],
    )


def torch_pipeline(weights_dir: Path) -> Pipeline:
    predictor = load_predictor(weights_dir / PREDICT_FILE)
    transformer = load_transformer(weights_dir / TRANSFORM_FILE)

    def nchw(x: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(x).permute(0, 3, 1, 2)

    @torch.inference_mode()
    def transform(content: np.ndarray, embedding: np.ndarray) -> np.ndarray:
        return transformer(nchw(content), torch.from_numpy(embedding)).permute(0, 2, 3, 1).numpy()

    return Pipeline(torch.inference_mode()(lambda style: predictor(nchw(style)).numpy()), transform)


@pytest.fixture(scope="module")
def pipelines(weights_dir) -> dict[str, Pipeline]:
    graphs = {name: onnx.load(str(weights_dir / name)) for name in (PREDICT_FILE, TRANSFORM_FILE)}
    floats = {name: _session(without_activation_quantization(graph)) for name, graph in graphs.items()}
    pipelines = {
        "torch": torch_pipeline(weights_dir),
        "float": onnx_pipeline(floats[PREDICT_FILE], floats[TRANSFORM_FILE]),
        "int8": onnx_pipeline(_session(weights_dir / PREDICT_FILE), _session(weights_dir / TRANSFORM_FILE)),
        "kernels": onnx_pipeline(_session(weights_dir / PREDICT_FILE, fused=True),
                                 _session(weights_dir / TRANSFORM_FILE, fused=True)),
    }
    for seed in NOISE_SEEDS:
        noisy = [_session(with_quantization_noise(graphs[name], seed)) for name in (PREDICT_FILE, TRANSFORM_FILE)]
        pipelines[f"noise{seed}"] = onnx_pipeline(*noisy)
    return pipelines


def _nhwc(pixels: np.ndarray, size: int) -> np.ndarray:
    """Centre square, Lanczos to size, float32 NHWC in [0, 1]: the package's style preprocessing."""
    return StylePreprocess(size=size)([pixels]).permute(0, 2, 3, 1).contiguous().numpy()


def test_float_reference_has_no_activation_quantization(weights_dir):
    for name in (PREDICT_FILE, TRANSFORM_FILE):
        graph = without_activation_quantization(onnx.load(str(weights_dir / name))).graph
        constants = {tensor.name for tensor in graph.initializer}
        assert not any(node.op_type == "QuantizeLinear" for node in graph.node)
        assert all(node.input[0] in constants for node in graph.node if node.op_type == "DequantizeLinear")


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("image", IMAGES)
def test_port_matches_float_reference_and_stays_near_int8(pipelines, media_pixels, image, style):
    content = _nhwc(media_pixels(f"images/{image}.jpg"), CONTENT_SIZE)
    style_input = _nhwc(media_pixels(f"style/{style}.jpg"), STYLE_SIZE)
    results = {name: pipeline(style_input, content) for name, pipeline in pipelines.items()}
    (emb, out), (emb_float, out_float), (emb_int8, out_int8) = results["torch"], results["float"], results["int8"]
    emb_vs_float = np.abs(emb - emb_float).max()
    diff_float = np.abs(out - out_float)
    # The noise model's distance from the port, averaged over its draws: what quantization explains.
    model_angle = np.mean([1 - _cosine(emb, results[f"noise{s}"][0]) for s in NOISE_SEEDS])
    model_mad = np.mean([np.abs(out - results[f"noise{s}"][1]).mean() for s in NOISE_SEEDS])
    angle, mad = 1 - _cosine(emb, emb_int8), np.abs(out - out_int8).mean()
    print(f"\n{image}×{style}: embedding max|Δ| float {emb_vs_float:.2e}; image vs float MAD "
          f"{diff_float.mean():.2e} max {diff_float.max():.2e}; vs int8 1-cos {angle:.2e} MAD {mad:.4f} "
          f"(noise model {model_angle:.2e}, {model_mad:.4f}); onnxruntime's int8 kernels here: "
          f"cos {_cosine(emb, results['kernels'][0]):.4f} MAD {np.abs(out - results['kernels'][1]).mean():.4f}")
    assert out.shape == out_float.shape == (1, CONTENT_SIZE, CONTENT_SIZE, 3)
    assert emb_vs_float < 1e-4
    assert diff_float.mean() <= MAD_VS_FLOAT
    assert angle <= NOISE_MODEL_FACTOR * model_angle
    assert mad <= NOISE_MODEL_FACTOR * model_mad


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))

