"""The style transfer network as fp32 ONNX graphs, for runtimes other than torch.

Built node by node from a loaded ``StyleTransferNetwork`` (its float weights,
dequantized from the shipped int8 graph), not exported by tracing: the graph
is the same whatever the torch version, its height and width are dynamic, and
each op is one that ONNX Runtime and OpenVINO fuse well (reflect ``Pad`` +
``Conv``, ``InstanceNormalization``). Two graphs, so a hook can see the trunk
between them as it does in the torch network (``TrunkBlender``):

- ``encoder``: ``frames`` RGB uint8 (N, H, W, 3), ``embedding`` float32
  (N or 1, 100) → ``trunk`` float32 (N, 32, ⌈H/4⌉, ⌈W/4⌉);
- ``decoder``: ``trunk``, ``embedding`` → ``stylized`` RGB uint8
  (N, 4⌈H/4⌉, 4⌈W/4⌉, 3): the frame padded to a multiple of 4, to be cropped.

The arithmetic is the torch network's, op for op: ``/ 255``, reflect padding
to a multiple of 4, the convolutions, instance norms (biased variance, eps
from the graph) scaled and shifted by linear maps of the embedding, nearest
upsampling, sigmoid, then ``round(255 y)`` (half to even, as torch). Only the
order of float additions differs, by runtime.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from torch import nn

from artify_core.models.arbitrary.networks import SIZE_MULTIPLE, ConditionalInstanceNorm2d, StyleTransferNetwork

OPSET = 17
TRUNK_CHANNELS = 32


@dataclass(frozen=True)
class TransformerGraphs:
    """The network as two ONNX models (see the module docstring for their inputs and outputs)."""

    encoder: onnx.ModelProto
    decoder: onnx.ModelProto


def transformer_graphs(network: StyleTransferNetwork, *, phases: bool = True) -> TransformerGraphs:
    """Both graphs of ``network``'s current weights, checked by ``onnx.checker``.

    ``phases``: compute the full-resolution convolutions on their 2x2 phases (see
    ``_phase_weights``); False builds each layer as the torch network writes it.
    """
    encoder = _Builder("encoder")
    frames = encoder.input("frames", TensorProto.UINT8, [None, None, None, 3])
    contract = list(network.contract.values())
    if phases:
        # conv1's output stays split into phases: conv2 reads them as they are.
        x = encoder.relu(encoder.phase_conv(encoder.frames_to_nchw(frames, extra=contract[0].padding[0]),
                                            contract[0], merge=False))
        x = encoder.relu(encoder.stride2_on_phases(x, contract[1]))
    else:
        x = encoder.frames_to_nchw(frames)
        x = encoder.relu(encoder.conv(x, contract[0]))
        x = encoder.relu(encoder.conv(x, contract[1]))
    x = encoder.relu(encoder.conv(x, contract[2]))
    for block in network.residual:
        hidden = encoder.relu(encoder.norm(encoder.conv(x, block.conv1), block.norm1))
        x = encoder.add(encoder.norm(encoder.conv(hidden, block.conv2), block.norm2), x)
    encoder.output(x, "trunk", [None, TRUNK_CHANNELS, None, None])

    decoder = _Builder("decoder")
    x = decoder.input("trunk", TensorProto.FLOAT, [None, TRUNK_CHANNELS, None, None])
    for index, block in enumerate(network.expand):
        if phases and block.factor == 2:
            x = decoder.upsample_conv(x, block.conv)
        elif phases:
            x = decoder.phase_conv(decoder.reflect_pad(x, block.conv.kernel_size[0] // 2), block.conv)
        else:
            x = decoder.upsample(x, block.factor) if block.factor != 1 else x
            # UpsampleBlock pads with the upsampling (upsample_reflect_pad); its conv has no padding of its own.
            x = decoder.conv(decoder.reflect_pad(x, block.conv.kernel_size[0] // 2), block.conv)
        x = decoder.norm(x, block.norm)
        x = decoder.relu(x) if index < len(network.expand) - 1 else decoder.node("Sigmoid", [x])
    decoder.output(decoder.nchw_to_frames(x), "stylized", [None, None, None, 3], TensorProto.UINT8)
    return TransformerGraphs(encoder.model(), decoder.model())


def _phase_weights(weight: np.ndarray, out_phases: int, in_phases: int, offset: int) -> np.ndarray:
    """A stride-1 conv kernel (C_out, C_in, K, K) rewritten for maps split into their 2x2 phases.

    A map's phases (``SpaceToDepth(2)``: channel ``(2a + b) C + c`` holds pixel
    ``(2i + a, 2j + b)`` of channel c) let a k x k conv at full resolution run
    at half resolution with 4x the channels, where CPU kernels vectorise well
    (a 9x9 conv from 3 or to 3 channels keeps AVX lanes mostly empty). Output
    phase (a, b) reads input phase (p, q) at offset (d_r, d_c) through the
    original tap k = 2 d + p - a + ``offset``: the same products, summed in
    another order. ``out_phases``/``in_phases``: 1 or 4.
    """
    c_out, c_in, kernel = weight.shape[0], weight.shape[1], weight.shape[2]
    # The least span holding every tap: one past the largest d with 2 d + p - a + offset <= kernel - 1.
    span = (kernel - 1 - offset + (1 if out_phases == 4 else 0)) // 2 + 1
    result = np.zeros((out_phases * c_out, in_phases * c_in, span, span), np.float32)
    out_grid = [(a, b) for a in range(2) for b in range(2)] if out_phases == 4 else [(0, 0)]
    in_grid = [(p, q) for p in range(2) for q in range(2)] if in_phases == 4 else [(0, 0)]
    for o, (a, b) in enumerate(out_grid):
        for i, (p, q) in enumerate(in_grid):
            for dr in range(span):
                for dc in range(span):
                    kr, kc = 2 * dr + p - a + offset, 2 * dc + q - b + offset
                    if 0 <= kr < kernel and 0 <= kc < kernel:
                        result[o * c_out:(o + 1) * c_out, i * c_in:(i + 1) * c_in, dr, dc] = weight[:, :, kr, kc]
    return result


def _upsample_weights(weight: np.ndarray) -> np.ndarray:
    """A 3x3 conv after nearest x2 upsampling and reflect padding 1, as a 3x3 conv on the
    edge-padded source map with one output group per phase (``DepthToSpace(2)`` order).

    Output row 2i + a reads upsampled rows 2i + a - 1 + k, i.e. source rows
    i + d with d = ⌊(a - 1 + k) / 2⌋ (the upsampled map's reflected border row
    is its source's edge row, hence edge padding); taps landing on the same
    source pixel add up.
    """
    c_out, c_in = weight.shape[:2]
    result = np.zeros((4 * c_out, c_in, 3, 3), np.float32)
    for a in range(2):
        for b in range(2):
            group = result[(2 * a + b) * c_out:(2 * a + b + 1) * c_out]
            for kr in range(3):
                for kc in range(3):
                    group[:, :, (a - 1 + kr) // 2 + 1, (b - 1 + kc) // 2 + 1] += weight[:, :, kr, kc]
    return result


class _Builder:
    """Accumulates the nodes and initializers of one graph; names are generated in order."""

    def __init__(self, name: str):
        self.name = name
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.inputs: list[onnx.ValueInfoProto] = []
        self.outputs: list[onnx.ValueInfoProto] = []
        self._count = 0
        self.embedding = self.input("embedding", TensorProto.FLOAT, [None, 100])

    def fresh(self, stem: str) -> str:
        self._count += 1
        return f"{stem}_{self._count}"

    def input(self, name: str, dtype: int, shape: list[int | None]) -> str:
        self.inputs.append(helper.make_tensor_value_info(name, dtype, _dims(name, shape)))
        return name

    def output(self, value: str, name: str, shape: list[int | None], dtype: int = TensorProto.FLOAT) -> str:
        self.nodes.append(helper.make_node("Identity", [value], [name]))
        self.outputs.append(helper.make_tensor_value_info(name, dtype, _dims(name, shape)))
        return name

    def constant(self, value: np.ndarray, stem: str = "const") -> str:
        name = self.fresh(stem)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(self, op: str, inputs: list[str], **attributes) -> str:
        out = self.fresh(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], **attributes))
        return out

    def relu(self, x: str) -> str:
        return self.node("Relu", [x])

    def add(self, x: str, y: str) -> str:
        return self.node("Add", [x, y])

    def reflect_pad(self, x: str, pad: int) -> str:
        pads = self.constant(np.array([0, 0, pad, pad, 0, 0, pad, pad], np.int64), "pads")
        return self.node("Pad", [x, pads], mode="reflect")

    def conv(self, x: str, conv: nn.Conv2d) -> str:
        """``conv`` as the torch module computes it: reflect padding of ``conv.padding``, then the conv."""
        pad = conv.padding[0] if conv.padding_mode == "reflect" else 0
        if conv.padding_mode != "reflect" and any(conv.padding):
            raise ValueError(f"only reflect-padded or unpadded convolutions are built; got {conv}")
        inputs = [self.reflect_pad(x, pad) if pad else x, self.constant(_array(conv.weight), "weight")]
        if conv.bias is not None:
            inputs.append(self.constant(_array(conv.bias), "bias"))
        return self.node("Conv", inputs, kernel_shape=list(conv.kernel_size), strides=list(conv.stride))

    def phase_conv(self, x: str, conv: nn.Conv2d, merge: bool = True) -> str:
        """An unpadded stride-1 k x k conv of an already padded map (even sides), computed on its phases:
        ``SpaceToDepth``, a ⌊k / 2⌋ + 1 conv, then ``DepthToSpace`` (``merge``) or the output's phases."""
        phased = self.node("SpaceToDepth", [x], blocksize=2)
        weight = _phase_weights(_array(conv.weight), out_phases=4, in_phases=4, offset=0)
        inputs = [phased, self.constant(weight, "weight")]
        if conv.bias is not None:
            inputs.append(self.constant(np.tile(_array(conv.bias), 4), "bias"))
        out = self.node("Conv", inputs, kernel_shape=list(weight.shape[2:]))
        return self.node("DepthToSpace", [out], blocksize=2) if merge else out

    def stride2_on_phases(self, phased: str, conv: nn.Conv2d) -> str:
        """A 3x3 stride-2 conv with reflect padding 1 of a full-resolution map, read from its phases.

        Output pixel i reads rows 2i - 1, 2i, 2i + 1: phase 1 of row i - 1 and both phases
        of row i; at the top, reflected row -1 is row 1, phase 1 of row 0: edge padding of
        the phases by one row and column at the top and left.
        """
        pads = self.constant(np.array([0, 0, 1, 1, 0, 0, 0, 0], np.int64), "pads")
        weight = _phase_weights(_array(conv.weight), out_phases=1, in_phases=4, offset=-1)
        inputs = [self.node("Pad", [phased, pads], mode="edge"), self.constant(weight, "weight")]
        if conv.bias is not None:
            inputs.append(self.constant(_array(conv.bias), "bias"))
        return self.node("Conv", inputs, kernel_shape=list(weight.shape[2:]))

    def upsample_conv(self, x: str, conv: nn.Conv2d) -> str:
        """Nearest x2 upsampling, reflect padding 1 and a 3x3 conv, as one conv at the source resolution."""
        pads = self.constant(np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64), "pads")
        inputs = [self.node("Pad", [x, pads], mode="edge"), self.constant(_upsample_weights(_array(conv.weight)),
                                                                           "weight")]
        if conv.bias is not None:
            inputs.append(self.constant(np.tile(_array(conv.bias), 4), "bias"))
        return self.node("DepthToSpace", [self.node("Conv", inputs, kernel_shape=[3, 3])], blocksize=2)

    def norm(self, x: str, norm: ConditionalInstanceNorm2d) -> str:
        """Instance norm, then ``gamma(embedding) * x + beta(embedding)`` per sample and channel."""
        channels = norm.gamma.out_features
        normalised = self.node("InstanceNormalization", [
            x, self.constant(np.ones(channels, np.float32), "ones"),
            self.constant(np.zeros(channels, np.float32), "zeros")], epsilon=float(norm.eps))
        axes = self.constant(np.array([2, 3], np.int64), "axes")
        gamma, beta = (self.node("Unsqueeze", [self._linear(layer), axes]) for layer in (norm.gamma, norm.beta))
        return self.node("Add", [self.node("Mul", [normalised, gamma]), beta])

    def _linear(self, layer: nn.Linear) -> str:
        weight = self.constant(_array(layer.weight).T.copy(), "linear")
        product = self.node("MatMul", [self.embedding, weight])
        return self.node("Add", [product, self.constant(_array(layer.bias), "linear_bias")])

    def upsample(self, x: str, factor: int) -> str:
        scales = self.constant(np.array([1, 1, factor, factor], np.float32), "scales")
        return self.node("Resize", [x, "", scales], mode="nearest", nearest_mode="floor",
                         coordinate_transformation_mode="asymmetric")

    def frames_to_nchw(self, frames: str, extra: int = 0) -> str:
        """uint8 NHWC frames → float NCHW in [0, 1], reflect-padded at the bottom and right to a multiple
        of 4, then by ``extra`` on every side (the first conv's own padding)."""
        x = self.node("Div", [self.node("Cast", [frames], to=TensorProto.FLOAT),
                              self.constant(np.array(255.0, np.float32), "scale")])
        x = self.node("Transpose", [x], perm=[0, 3, 1, 2])
        size = self.node("Slice", [self.node("Shape", [x]), self.constant(np.array([2], np.int64)),
                                   self.constant(np.array([4], np.int64))])
        # Mod of a negative size by 4 follows the divisor's sign (fmod=0): the pad that reaches a multiple.
        missing = self.node("Mod", [self.node("Neg", [size]),
                                    self.constant(np.array(SIZE_MULTIPLE, np.int64))], fmod=0)
        pads = self.node("Concat", [self.constant(np.zeros(6, np.int64)), missing], axis=0)
        x = self.node("Pad", [x, pads], mode="reflect")
        return self.reflect_pad(x, extra) if extra else x

    def nchw_to_frames(self, x: str) -> str:
        """float NCHW in [0, 1] → uint8 NHWC, ``round(255 x)``: torch's clamp, scale and round."""
        x = self.node("Clip", [x, self.constant(np.array(0.0, np.float32)), self.constant(np.array(1.0, np.float32))])
        x = self.node("Round", [self.node("Mul", [x, self.constant(np.array(255.0, np.float32), "scale")])])
        return self.node("Transpose", [self.node("Cast", [x], to=TensorProto.UINT8)], perm=[0, 2, 3, 1])

    def model(self) -> onnx.ModelProto:
        graph = helper.make_graph(self.nodes, self.name, self.inputs, self.outputs, self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="artify")
        onnx.checker.check_model(model)
        return model


def _dims(name: str, shape: list[int | None]) -> list[int | str]:
    # Unknown sizes get symbolic names: "batch" for the frames' N, shared by inputs and outputs.
    return [size if size is not None else ("batch" if index == 0 and name != "embedding" else f"{name}_{index}")
            for index, size in enumerate(shape)]


def _array(parameter) -> np.ndarray:
    return parameter.detach().float().cpu().numpy()
