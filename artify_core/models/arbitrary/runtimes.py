"""The style transfer network's ONNX graphs (``graph.py``) run by OpenVINO or ONNX Runtime on the CPU.

A runner stylizes frames one at a time: encoder, the trunk hook if any
(``TrunkBlender``, on a torch view of the trunk), decoder, crop. One frame
per call keeps one compiled shape per video for OpenVINO and the working
memory at a single frame's (the memory budget's batches still bound the
frames handed over at once). Both runtimes choose their kernels by CPUID
(AVX2, AVX-512, AMX); neither has a public switch to hold them to an
instruction set, so ``ATEN_CPU_CAPABILITY`` does not reach them.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable

import numpy as np
import torch

from artify_core.models.arbitrary.graph import transformer_graphs
from artify_core.models.arbitrary.networks import StyleTransferNetwork

TrunkHook = Callable[[torch.Tensor], torch.Tensor]


class GraphRunner:
    """Runs the encoder and decoder graphs of a network; subclasses say how one graph runs.

    Args:
        network: the loaded torch network whose weights the graphs take.
        threads: CPU threads for one graph run (the model's torch thread count).
    """

    def __init__(self, network: StyleTransferNetwork, *, threads: int):
        graphs = transformer_graphs(network)
        self.threads = max(1, int(threads))
        self._prepare(graphs.encoder.SerializeToString(), graphs.decoder.SerializeToString())

    def stylize(self, frames: np.ndarray, embeddings: np.ndarray, trunk: TrunkHook | None = None) -> np.ndarray:
        """RGB uint8 (N, H, W, 3) frames with float32 (N or 1, 100) embeddings → RGB uint8 (N, H, W, 3).

        ``trunk`` sees each frame's trunk map, float32 (1, 32, ⌈H/4⌉, ⌈W/4⌉), in
        order, and returns the map to decode (as ``StyleTransferNetwork.forward``).
        """
        count, height, width = frames.shape[:3]
        out = np.empty_like(frames)
        embeddings = np.ascontiguousarray(embeddings, dtype=np.float32)
        for index in range(count):
            embedding = embeddings[index:index + 1] if len(embeddings) > 1 else embeddings
            features = self._run("encoder", {"frames": frames[index:index + 1], "embedding": embedding})
            if trunk is not None:
                # A writable copy: the runtime may reuse its output buffer on the next run.
                features = trunk(torch.from_numpy(np.array(features))).numpy()
            decoded = self._run("decoder", {"trunk": features, "embedding": embedding})
            out[index] = decoded[0, :height, :width]
        return out

    def _prepare(self, encoder: bytes, decoder: bytes) -> None:
        raise NotImplementedError

    def _run(self, graph: str, inputs: dict[str, np.ndarray]) -> np.ndarray:
        raise NotImplementedError


class OnnxRuntimeRunner(GraphRunner):
    """ONNX Runtime's CPU execution provider, one session per graph (dynamic height and width)."""

    def _prepare(self, encoder: bytes, decoder: bytes) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._sessions = {name: ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
                          for name, graph in (("encoder", encoder), ("decoder", decoder))}

    def _run(self, graph: str, inputs: dict[str, np.ndarray]) -> np.ndarray:
        return self._sessions[graph].run(None, inputs)[0]


class OpenVinoRunner(GraphRunner):
    """OpenVINO's CPU plugin in f32 (its bf16 default on CPUs with AMX is switched off: the
    precision is the model's, in its version), compiled per frame size: static shapes ran
    ~10 % faster than dynamic ones (docs/backends.md)."""

    # Compiled (encoder, decoder) pairs kept: a video has one frame size, a preview maybe two.
    CACHED_SHAPES = 2

    def _prepare(self, encoder: bytes, decoder: bytes) -> None:
        import openvino as ov

        self._core = ov.Core()
        self._graphs = {"encoder": encoder, "decoder": decoder}
        self._config = {"INFERENCE_PRECISION_HINT": "f32", "PERFORMANCE_HINT": "LATENCY",
                        "INFERENCE_NUM_THREADS": self.threads}
        self._compiled: OrderedDict[tuple[str, tuple[int, ...]], object] = OrderedDict()

    def _run(self, graph: str, inputs: dict[str, np.ndarray]) -> np.ndarray:
        first = next(iter(inputs.values()))
        key = (graph, first.shape)
        compiled = self._compiled.get(key)
        if compiled is None:
            model = self._core.read_model(self._graphs[graph], b"")
            model.reshape({name: list(value.shape) for name, value in inputs.items()})
            compiled = self._core.compile_model(model, "CPU", self._config)
            self._compiled[key] = compiled
            while len(self._compiled) > 2 * self.CACHED_SHAPES:
                self._compiled.popitem(last=False)
        else:
            self._compiled.move_to_end(key)
        return next(iter(compiled(inputs).values()))
