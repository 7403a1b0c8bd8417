"""The arbitrary model's backends: the graphs agree with torch eager, the option, the auto rule, versions.

Bounds. Every backend computes the same fp32 function; only the order of
float additions differs (and the phase form of the full-resolution convs,
graph.py, sums the same products in another order). The output is
round(255 y), y = sigmoid(z), so a difference Δz in the last layer moves
255 y by at most 255/4 |Δz|, and a pixel differs by one level only where
255 y lies within that distance of a half level: the share of such pixels,
and so the mean difference in levels, is about 255/4 E|Δz|, and no pixel
can differ by two levels unless 255/4 |Δz| > 1, |Δz| > 0.016. fp32 rounding
through the network's 18 convs and 13 norms leaves |Δz| near 1e-5 (the
trunk's relative difference below is ~1e-6): a mean of ~6e-4 levels. The
tests allow max 1 level and a mean of 0.02 (|Δz| up to 3e-4 on average, 30x
the rounding), and a relative 1e-4 on the trunk, 100x float32 accumulation
over the trunk's 3x3x32 taps through 13 layers.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import artify_core.models.arbitrary.backends as backends
from artify_core.errors import InputError
from artify_core.models.arbitrary.backends import BACKENDS, resolve_backend
from artify_core.models.arbitrary.graph import transformer_graphs
from artify_core.models.arbitrary.model import arbitrary, model_version
from artify_core.settings import VideoRequest

GRAPH_BACKENDS = [name for name in ("openvino", "onnxruntime") if backends.installed(name)]
MAX_LEVELS = 1
MEAN_LEVELS = 0.02
TRUNK_RELATIVE = 1e-4


@pytest.fixture(scope="module")
def frames() -> np.ndarray:
    """Two generated frames with sides that are not multiples of 4 (the graphs pad them): (2, 37, 54, 3)."""
    rng = np.random.default_rng(7)
    smooth = rng.integers(0, 256, (2, 10, 14, 3)).repeat(4, axis=1).repeat(4, axis=2)[:, :37, :54]
    return np.clip(smooth + rng.integers(-20, 21, smooth.shape), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def style(stylizer) -> np.ndarray:
    pattern = np.random.default_rng(3).integers(0, 256, (1, 64, 64, 3), dtype=np.uint8)
    return stylizer.embed_style(pattern)[0]


@pytest.fixture(scope="module", params=GRAPH_BACKENDS)
def graph_model(request, weights_dir):
    return arbitrary(device="cpu", precision="fp32", backend=request.param, batch_size=4)


def _levels(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a.astype(np.int16) - b.astype(np.int16))


def test_graph_backend_agrees_with_eager(graph_model, stylizer, frames, style):
    for strength in (1.0, 0.6):  # below 1 the frames' own embeddings come from torch's predictor
        difference = _levels(graph_model.stylize(frames, style, strength=strength),
                             stylizer.stylize(frames, style, strength=strength))
        assert difference.max() <= MAX_LEVELS and difference.mean() <= MEAN_LEVELS


def test_trunk_hook_sees_the_eager_trunk_and_its_result_is_decoded(graph_model, stylizer, frames, style):
    seen: dict[str, list[torch.Tensor]] = {"graph": [], "torch": []}

    def hook(name):
        def record(trunk: torch.Tensor) -> torch.Tensor:
            seen[name].append(trunk.clone())
            trunk[..., :trunk.shape[-1] // 2] = 0.0  # a change the decoder's norms cannot undo, unlike a scale
            return trunk
        return record

    embedding = np.tile(style, (2, 1))
    out = graph_model._stylize(frames, embedding, 1.0, trunk=hook("graph"))
    reference = stylizer._stylize(frames, embedding, 1.0, trunk=hook("torch"))
    graph_trunk, torch_trunk = torch.cat(seen["graph"]), torch.cat(seen["torch"])
    assert graph_trunk.shape == torch_trunk.shape == (2, 32, 10, 14)
    assert (graph_trunk - torch_trunk).abs().max() <= TRUNK_RELATIVE * torch_trunk.abs().max()
    difference = _levels(out, reference)
    assert difference.max() <= MAX_LEVELS and difference.mean() <= MEAN_LEVELS
    assert _levels(out, stylizer.stylize(frames, style)).mean() > 1  # the hook's change reached the pixels


def test_phase_form_equals_the_layer_by_layer_graph(stylizer, frames, style):
    ort = pytest.importorskip("onnxruntime")
    outputs = []
    for phases in (True, False):
        graphs = transformer_graphs(stylizer.transformer, phases=phases)
        sessions = [ort.InferenceSession(g.SerializeToString(), providers=["CPUExecutionProvider"])
                    for g in (graphs.encoder, graphs.decoder)]
        trunk = sessions[0].run(None, {"frames": frames, "embedding": style[None]})[0]
        outputs.append((trunk, sessions[1].run(None, {"trunk": trunk, "embedding": style[None]})[0]))
    (trunk, image), (plain_trunk, plain_image) = outputs
    assert np.abs(trunk - plain_trunk).max() <= TRUNK_RELATIVE * np.abs(plain_trunk).max()
    assert image.shape == (2, 40, 56, 3) and _levels(image, plain_image).max() <= MAX_LEVELS


@torch.inference_mode()
def test_tiled_frames_run_on_torch(graph_model, stylizer, frames, style):
    embedding = style[None]
    tiled = graph_model._stylize_batch(frames, embedding, 1.0, strip_bytes=2**14)
    assert np.array_equal(tiled, stylizer._stylize_batch(frames, embedding, 1.0, strip_bytes=2**14))


def test_feature_smoothing_runs_on_the_backend(weights_dir, frames, style):
    name = GRAPH_BACKENDS[0] if GRAPH_BACKENDS else pytest.skip("no graph backend installed")
    models = {backend: arbitrary(device="cpu", precision="fp32", backend=backend, feature_smoothing=0.5)
              for backend in ("torch", name)}
    video = np.ascontiguousarray(np.concatenate([frames, frames[:1]])[:, :, :48])  # 3 frames, 37x48
    outputs = {backend: model.open_sequence(style).stylize(video) for backend, model in models.items()}
    assert models[name].runner is not None
    difference = _levels(outputs["torch"], outputs[name])
    assert difference.max() <= MAX_LEVELS and difference.mean() <= MEAN_LEVELS


def test_forced_backend_is_built_and_named(graph_model):
    runner = BACKENDS.entry(graph_model.backend).builder
    assert isinstance(graph_model.runner, runner)
    assert graph_model.version.endswith(f"+fp32+{graph_model.backend}-g{backends.GRAPH_VERSION}")
    assert graph_model.version == model_version(device="cpu", precision="fp32", backend=graph_model.backend)


def test_torch_keeps_the_versions_from_before_backends(stylizer):
    assert stylizer.backend == "torch" and stylizer.runner is None
    assert stylizer.version == f"arbitrary-1+{stylizer.weights.version}+fp32"
    assert model_version(device="cpu", precision="fp32", backend="torch") == stylizer.version
    smoothed = model_version(device="cpu", precision="fp32", backend="onnxruntime", feature_smoothing=0.5)
    assert smoothed.endswith(f"+fp32+onnxruntime-g{backends.GRAPH_VERSION}+fs1:0.5")


def test_auto_version_names_what_auto_runs(monkeypatch):
    monkeypatch.setattr("artify_core.models.arbitrary.spec._cpu_has_native_bf16", lambda: False)
    expected = resolve_backend("auto", "cpu", "fp32")
    assert model_version(device="cpu", backend="auto") == model_version(device="cpu", backend=expected)


@pytest.mark.parametrize("available, expected", [
    ({"openvino", "onnxruntime", "torch"}, "openvino"),
    ({"onnxruntime", "torch"}, "onnxruntime"),
    ({"torch"}, "torch"),
], ids=["all", "no-openvino", "torch-only"])
def test_auto_takes_the_fastest_installed_on_a_cpu_in_fp32(monkeypatch, available, expected):
    monkeypatch.setattr(backends, "installed", lambda name: name in available)
    assert resolve_backend("auto", "cpu", "fp32") == expected


@pytest.mark.parametrize("device, precision", [("cuda", "fp16"), ("cuda", "fp32"), ("cpu", "bf16")])
def test_auto_stays_on_torch_on_cuda_and_in_bf16(device, precision):
    assert resolve_backend("auto", device, precision) == "torch"


@pytest.mark.parametrize("backend, device, precision, message", [
    ("openvino", "cuda", "fp32", "runs on cpu only"),
    ("onnxruntime", "cpu", "bf16", "computes in fp32 only"),
    ("tensorrt", "cpu", "fp32", "unknown backend 'tensorrt'"),
])
def test_impossible_choices_are_refused(backend, device, precision, message):
    with pytest.raises(InputError, match=message):
        resolve_backend(backend, device, precision)


def test_a_missing_package_is_named(monkeypatch):
    monkeypatch.setattr(backends, "installed", lambda name: name == "torch")
    with pytest.raises(InputError, match="pip install openvino"):
        resolve_backend("openvino", "cpu", "fp32")


def test_a_graph_backend_makes_auto_precision_fp32(monkeypatch):
    monkeypatch.setattr("artify_core.models.arbitrary.spec._cpu_has_native_bf16", lambda: True)
    assert model_version(device="cpu").endswith("+bf16")  # auto on a bf16 CPU: torch in bf16
    assert model_version(device="cpu", backend="onnxruntime").endswith(f"+fp32+onnxruntime-g{backends.GRAPH_VERSION}")


def test_the_option_reaches_the_builder_but_not_the_settings_digest():
    def request(**arbitrary_options):
        return VideoRequest(content="in.mp4", style=["s.jpg"], arbitrary=arbitrary_options)

    assert request(backend="onnxruntime").model_options["backend"] == "onnxruntime"
    # The resolved backend is in the model's version; the option itself must not split "auto" from its choice.
    assert request(backend="onnxruntime").output_digest() == request().output_digest()
    with pytest.raises(ValueError, match="backend"):
        request(backend="tensorrt")
