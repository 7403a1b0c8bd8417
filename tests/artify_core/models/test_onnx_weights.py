"""Dequantizing ONNX initializers and mapping them onto the PyTorch networks."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

from artify_core.models.arbitrary import onnx_weights
from artify_core.models.arbitrary.model import PREDICT_FILE, TRANSFORM_FILE


def _dequantize_graph(values: np.ndarray, scale: np.ndarray, zero_point: np.ndarray, axis: int) -> onnx.ModelProto:
    node = helper.make_node("DequantizeLinear", ["x", "scale", "zero_point"], ["y"], axis=axis)
    graph = helper.make_graph(
        [node], "dq", [], [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(values, "x"), numpy_helper.from_array(scale, "scale"),
                     numpy_helper.from_array(zero_point, "zero_point")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])


@pytest.mark.parametrize(
    ("dtype", "per_axis", "axis"),
    [(np.int8, False, 1), (np.int8, True, 0), (np.int8, True, 1), (np.int32, True, 0), (np.uint8, False, 1)],
    ids=["int8-tensor", "int8-axis0", "int8-axis1", "int32-axis0", "uint8-tensor"],
)
def test_dequantize_linear_matches_the_onnx_reference(dtype, per_axis, axis):
    rng = np.random.default_rng(0)
    info = np.iinfo(dtype)
    values = rng.integers(max(info.min, -1000), min(info.max, 1000), (4, 3, 2), endpoint=True).astype(dtype)
    shape = (values.shape[axis],) if per_axis else ()
    scale = rng.uniform(1e-4, 1e-1, shape).astype(np.float32)
    # int32 (bias) zero points must be 0; others get an offset to exercise the subtraction.
    zero_point = np.zeros(shape, dtype) if dtype == np.int32 else rng.integers(100, 120, shape).astype(dtype)
    model = _dequantize_graph(values, scale, zero_point, axis)
    expected = ReferenceEvaluator(model).run(None, {})[0]
    np.testing.assert_array_equal(onnx_weights.dequantize_linear(values, scale, zero_point, axis), expected)
    np.testing.assert_array_equal(onnx_weights.dequantized_initializers(model)["x"], expected)


def test_every_conv_of_both_graphs_is_mapped(weights_dir):
    predictor = onnx_weights.conv_layers(onnx_weights.read_onnx(weights_dir / PREDICT_FILE))
    transformer = onnx_weights.conv_layers(onnx_weights.read_onnx(weights_dir / TRANSFORM_FILE))
    assert set(predictor) == set(onnx_weights.predictor_scopes().values())
    assert set(transformer) == set(onnx_weights.transformer_scopes().values())
    assert len(predictor) == 53 and len(transformer) == 42
    assert all(layer.weight.dtype == np.float32 for layer in {**predictor, **transformer}.values())


def test_instance_norm_epsilon_is_read_from_the_graph(weights_dir):
    graph = onnx_weights.read_onnx(weights_dir / TRANSFORM_FILE)
    assert onnx_weights.instance_norm_epsilon(graph) == pytest.approx(1e-5, rel=1e-3)


def _layer(weight_shape: tuple[int, ...], bias: np.ndarray | None) -> onnx_weights.ConvLayer:
    return onnx_weights.ConvLayer(np.ones(weight_shape, np.float32), bias, (1, 1), 1, ())


def test_state_dict_reshapes_a_1x1_conv_into_a_linear():
    linear = torch.nn.Linear(4, 3)
    template = {f"linear.{key}": value for key, value in linear.state_dict().items()}
    layers = {"g": _layer((3, 4, 1, 1), np.arange(3, dtype=np.float32))}
    state = onnx_weights.state_dict_from_onnx(layers, {"linear": "g"}, template)
    assert state["linear.weight"].shape == (3, 4) and state["linear.bias"].tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize(
    ("layers", "template", "message"),
    [
        ({"a": _layer((2, 3, 3, 3), None)}, {"m.weight": torch.empty(2, 3, 1, 1)}, "expected shape"),
        ({"a": _layer((2, 3, 1, 1), np.ones(2, np.float32))}, {"m.weight": torch.empty(2, 3, 1, 1)}, "non-zero bias"),
        ({}, {"m.weight": torch.empty(2, 3, 1, 1)}, "no conv"),
        ({"a": _layer((2, 3, 1, 1), None), "b": _layer((1, 1, 1, 1), None)}, {"m.weight": torch.empty(2, 3, 1, 1)},
         "not mapped"),
    ],
    ids=["shape", "dropped-bias", "missing-conv", "unused-conv"],
)
def test_state_dict_mapping_refuses_to_guess(layers, template, message):
    with pytest.raises(ValueError, match=message):
        onnx_weights.state_dict_from_onnx(layers, {"m": "a"}, template)
