"""The style transfer network's ONNX graphs (``graph.py``) run by OpenVINO or ONNX Runtime on the CPU.

A runner takes a batch frame by frame: every frame through the encoder
(OpenVINO: several at once, in parallel streams), the trunk hook if any
(``TrunkBlender``, on a torch view of each trunk) in frame order, every frame
through the decoder, cropped. One frame per graph run keeps one compiled
shape per video for OpenVINO (the memory budget's batches still bound the
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
        embeddings = np.ascontiguousarray(embeddings, dtype=np.float32)
        styles = [embeddings[index:index + 1] if len(embeddings) > 1 else embeddings for index in range(count)]
        trunks: list[np.ndarray] = [np.empty(0)] * count
        out = np.empty_like(frames)

        def keep_trunk(index: int, features: np.ndarray) -> None:
            # A copy: the runtime may reuse its output buffer for the next frame.
            trunks[index] = np.array(features)

        def keep_frame(index: int, decoded: np.ndarray) -> None:
            out[index] = decoded[0, :height, :width]

        self._run_all("encoder", [{"frames": frames[i:i + 1], "embedding": styles[i]} for i in range(count)],
                      keep_trunk)
        if trunk is not None:
            trunks = [trunk(torch.from_numpy(features)).numpy() for features in trunks]
        self._run_all("decoder", [{"trunk": trunks[i], "embedding": styles[i]} for i in range(count)], keep_frame)
        return out

    def _prepare(self, encoder: bytes, decoder: bytes) -> None:
        raise NotImplementedError

    def _run_all(self, graph: str, inputs: list[dict[str, np.ndarray]],
                 consume: Callable[[int, np.ndarray], None]) -> None:
        """Runs ``graph`` on each input and hands ``consume(index, output)`` each result (any order)."""
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

    def _run_all(self, graph: str, inputs: list[dict[str, np.ndarray]],
                 consume: Callable[[int, np.ndarray], None]) -> None:
        for index, feed in enumerate(inputs):
            consume(index, self._sessions[graph].run(None, feed)[0])


class OpenVinoRunner(GraphRunner):
    """OpenVINO's CPU plugin in f32 (its bf16 default on CPUs with AMX is switched off: the
    precision is the model's, in its version), compiled per frame size (static shapes ran faster
    than dynamic ones), frames in parallel streams (its THROUGHPUT hint: on 2 cores two one-thread
    streams beat one two-thread stream at 720p in A/B pairs; a frame's layers are too small to
    keep two threads busy without waiting)."""

    # Compiled (encoder, decoder) pairs kept: a video has one frame size, a preview maybe two.
    CACHED_SHAPES = 2

    def _prepare(self, encoder: bytes, decoder: bytes) -> None:
        import openvino as ov

        self._ov = ov
        self._core = ov.Core()
        self._graphs = {"encoder": encoder, "decoder": decoder}
        self._config = {"INFERENCE_PRECISION_HINT": "f32", "PERFORMANCE_HINT": "THROUGHPUT",
                        "INFERENCE_NUM_THREADS": self.threads}
        self._compiled: OrderedDict[tuple[str, tuple[int, ...]], object] = OrderedDict()

    def _run_all(self, graph: str, inputs: list[dict[str, np.ndarray]],
                 consume: Callable[[int, np.ndarray], None]) -> None:
        if not inputs:
            return
        compiled = self._compile(graph, inputs[0])
        queue = self._ov.AsyncInferQueue(compiled, compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS"))
        queue.set_callback(lambda request, index: consume(index, request.get_output_tensor(0).data))
        for index, feed in enumerate(inputs):
            queue.start_async(feed, index)
        queue.wait_all()

    def _compile(self, graph: str, feed: dict[str, np.ndarray]):
        key = (graph, tuple(np.shape(value) for value in feed.values()))
        compiled = self._compiled.get(key)
        if compiled is None:
            model = self._core.read_model(self._graphs[graph], b"")
            model.reshape({name: list(value.shape) for name, value in feed.items()})
            compiled = self._compiled[key] = self._core.compile_model(model, "CPU", self._config)
            while len(self._compiled) > 2 * self.CACHED_SHAPES:
                self._compiled.popitem(last=False)
        self._compiled.move_to_end(key)
        return compiled
