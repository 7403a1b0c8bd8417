"""Gatys et al.'s optimization-based style transfer as an Artify model, with Ruder et al.'s video extension.

Every frame is an optimisation (``optimize``): slow, but any style image works
without training, several styles mix by their Gram targets, and a video's
frames are tied together by a temporal loss. ``stylize`` treats frames
independently, each starting from its content; ``open_sequence`` starts frame
t from frame t−1's result warped by the content's optical flow and adds the
temporal loss where that flow is reliable, restarting at scene cuts.

``strength`` in [0, 1] scales the style weight (the paper's β against α);
0 returns the content frames unchanged without optimising.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import torch
from torch import nn

from artify_core.errors import InputError
from artify_core.foundation.hashing import params_digest
from artify_core.models.common import check_frames, resolve_device
from artify_core.models.base import StyleImage
import artify_core.models.gatys.functional as G
from artify_core.models.functional import gram_matrix, resize_shorter_side
from artify_core.models.gatys.spec import BACKBONES, DEFAULT_BACKBONE, backbone_features, backbone_identity
from artify_core.models.gatys.optimize import DEFAULT_LEARNING_RATES, LossWeights, Optimizer, Target, optimize
from artify_core.temporal.flow import FlowEstimator
from artify_core.temporal.functional import consistency_mask, linked_frames, previous_frames, warp

# Bump when the same settings and weights would give different pixels.
CODE_VERSION = "1"
# Both backbones reach their deepest default layer at stride 16.
MIN_SIDE = 16


@dataclass(frozen=True)
class GatysSettings:
    """Everything besides the backbone's weights that decides a Gatys model's pixels.

    Attributes:
        iterations: optimiser iterations per frame (per scale).
        first_frame_iterations: iterations for a frame that starts a shot in a
            sequence: it starts from its content, not from a warped result.
        optimizer: "lbfgs" (the paper's) or "adam".
        learning_rate: None for ``DEFAULT_LEARNING_RATES``.
        loss: loss weights and layers.
        scales: increasing fractions of the frame size, ending with 1.0.
        preserve_color: luminance-only transfer (Gatys et al. 2016b).
        style_size: style images are resized so that their shorter side has
            this many pixels before their Gram matrices are taken; the style's
            texture scale in the output follows it.
    """

    iterations: int
    first_frame_iterations: int
    optimizer: Optimizer
    learning_rate: float | None
    loss: LossWeights
    scales: tuple[float, ...]
    preserve_color: bool
    style_size: int


@dataclass(frozen=True, eq=False)
class GatysStyle:
    """A prepared style: Gram targets per style layer, float32 (C, C), on the CPU.

    ``backbone`` is the version of the network that computed them (Grams of
    one network mean nothing to another); ``luminance`` marks targets taken
    from luma images, for colour-preserving models.
    """

    grams: Mapping[str, np.ndarray]
    backbone: str
    luminance: bool


class GatysStylizer:
    """Gatys style transfer: ``StylizationModel``, ``VideoStylizationModel`` and ``StyleMixingModel``.

    Build it with ``gatys()``.
    """

    name = "gatys"

    def __init__(self, backbone: nn.Module, *, backbone_version: str, settings: GatysSettings,
                 device: torch.device, flow: FlowEstimator):
        self.backbone = backbone.to(device).eval().requires_grad_(False)
        self.backbone_version = backbone_version
        self.settings = settings
        self.device = device
        self.flow = flow

    @property
    def version(self) -> str:
        """Code version, backbone weights digest and a digest of the settings: all change the pixels."""
        return _version(self.backbone_version, self.settings)

    def prepare_style(self, images: Sequence[StyleImage]) -> GatysStyle:
        """The weighted mean of the images' Gram matrices; weights are normalised to sum 1."""
        if not images:
            raise InputError("no style images given; pass at least one StyleImage")
        mix = _normalised_weights([image.weight for image in images], "style weights")
        for image in images:
            check_frames(image.pixels[None], f"style image {image.name or '(unnamed)'}", min_side=1)
        per_image = [self._grams(image.pixels) for image in images]
        return self.mix_styles([self._style(grams) for grams in per_image], mix.tolist())

    def mix_styles(self, styles: Sequence[GatysStyle], weights: Sequence[float]) -> GatysStyle:
        """Σ w_i · Gram targets of style i, layer by layer; ``weights`` are normalised to sum 1."""
        if not styles or len(styles) != len(weights):
            raise InputError(f"mix_styles needs one weight per style; got {len(styles)} styles, {len(weights)} weights")
        mix = _normalised_weights(weights, "style mixing weights")
        for style in styles:
            self._check_style(style)
        grams = {name: sum(w * style.grams[name].astype(np.float64) for w, style in zip(mix, styles)).astype(np.float32)
                 for name in styles[0].grams}
        return self._style(grams)

    def stylize(self, frames: np.ndarray, style: GatysStyle, *, strength: float = 1.0) -> np.ndarray:
        """RGB uint8 (N, H, W, 3) → the same shape and dtype; each frame optimised on its own from its content."""
        self._check_inputs(frames, style, strength)
        outputs = [self.stylize_frame(frame, style, strength=strength)[1] for frame in frames]
        return np.stack(outputs) if outputs else frames.copy()

    def open_sequence(self, style: GatysStyle, *, strength: float = 1.0, start_frame: int = 0,
                      cuts: Sequence[int] = ()) -> "GatysSequence":
        """A stylizer for consecutive batches of one video, frame ``start_frame`` first."""
        self._check_style(style)
        _check_strength(strength)
        return GatysSequence(self, style, strength=strength, start_frame=start_frame, cuts=cuts)

    def stylize_frame(self, frame: np.ndarray, style: GatysStyle, *, strength: float = 1.0,
                      iterations: int | None = None, previous: tuple[np.ndarray, np.ndarray] | None = None,
                      ) -> tuple[np.ndarray, np.ndarray]:
        """Optimises one frame.

        Args:
            frame: RGB uint8 (H, W, 3).
            iterations: None for ``settings.iterations``.
            previous: (warped previous result, float32 (H, W, 3) in [0, 1];
                its reliability mask, float32 (H, W) in [0, 1]): the start
                image and the temporal loss's target, or None to start from
                the content without a temporal loss.

        Returns:
            (the optimised image, float32 (H, W, 3) in [0, 1] — the luma image
            when colour is preserved, which is what the next frame warps;
            the output frame, RGB uint8 (H, W, 3)).
        """
        content = self._tensor(frame)
        source = G.luminance_image(content) if self.settings.preserve_color else content
        if strength == 0.0:
            return _array(source), frame.copy()
        warped = mask = None
        if previous is not None:
            warped = self._tensor(previous[0])
            mask = torch.from_numpy(np.ascontiguousarray(previous[1], dtype=np.float32)).to(self.device)[None, None]
        grams = {name: torch.from_numpy(gram).to(self.device) for name, gram in style.grams.items()}
        target = Target(source, grams, strength, warped, mask)
        result = optimize(self.backbone, source if warped is None else warped, target, self.settings.loss,
                          iterations=iterations or self.settings.iterations, optimizer=self.settings.optimizer,
                          learning_rate=self.settings.learning_rate, scales=self.settings.scales)
        output = G.with_chroma_of(result.image, content) if self.settings.preserve_color else result.image
        return _array(result.image), _uint8(_array(output))

    @torch.no_grad()
    def _grams(self, pixels: np.ndarray) -> dict[str, np.ndarray]:
        image = resize_shorter_side(self._tensor(pixels), self.settings.style_size, mode="bicubic")
        if self.settings.preserve_color:
            image = G.luminance_image(image)
        layers = [name for name, _ in self.settings.loss.style_layers]
        features = self.backbone.features(image, layers)
        return {name: gram_matrix(features[name])[0].float().cpu().numpy() for name in layers}

    def _style(self, grams: dict[str, np.ndarray]) -> GatysStyle:
        return GatysStyle(grams, self.backbone_version, self.settings.preserve_color)

    def _check_style(self, style: GatysStyle) -> None:
        if not isinstance(style, GatysStyle):
            raise InputError(f"style must be a GatysStyle from prepare_style; got {type(style).__name__}")
        if style.backbone != self.backbone_version:
            raise InputError(f"style was prepared with backbone {style.backbone}, this model uses "
                             f"{self.backbone_version}; prepare it again with this model")
        if style.luminance != self.settings.preserve_color:
            raise InputError(f"style was prepared with preserve_color={style.luminance}, this model has "
                             f"preserve_color={self.settings.preserve_color}; prepare it again with this model")
        missing = [name for name, _ in self.settings.loss.style_layers if name not in style.grams]
        if missing:
            raise InputError(f"style lacks Gram targets for layers {missing}; prepare it again with this model")

    def _check_inputs(self, frames: np.ndarray, style: GatysStyle, strength: float) -> None:
        min_side = int(np.ceil(MIN_SIDE / min(self.settings.scales)))
        check_frames(frames, "frames", min_side=min_side)
        self._check_style(style)
        _check_strength(strength)

    def _tensor(self, pixels: np.ndarray) -> torch.Tensor:
        """RGB (H, W, 3), uint8 or float in [0, 1] → float32 (1, 3, H, W) in [0, 1] on the device."""
        # A copy: decoded frames are read-only buffers, which torch will not wrap.
        tensor = torch.from_numpy(np.array(pixels)).to(self.device).permute(2, 0, 1)[None].contiguous()
        return tensor.float().div_(255.0) if pixels.dtype == np.uint8 else tensor.float()


class GatysSequence:
    """Consecutive batches of one video (``FrameSequenceStylizer``), after Ruder et al. 2016.

    Frame t starts from the result of frame t−1 warped by the content's flow
    from t to t−1, and a temporal loss holds it to that warped result where
    the flow passes the forward–backward and motion-boundary checks. The first
    frame, and each frame in ``cuts``, starts from its content with
    ``first_frame_iterations``. Memory: the previous content frame and result.
    """

    def __init__(self, model: GatysStylizer, style: GatysStyle, *, strength: float, start_frame: int,
                 cuts: Sequence[int]):
        self.model, self.style, self.strength = model, style, strength
        self.cuts = frozenset(int(cut) for cut in cuts)
        self._frame = start_frame
        self._content: np.ndarray | None = None  # RGB uint8 (H, W, 3), content of frame _frame - 1
        self._result: np.ndarray | None = None  # float32 (H, W, 3), optimised image of frame _frame - 1

    def stylize(self, frames: np.ndarray, styles: Sequence[GatysStyle] | None = None) -> np.ndarray:
        """RGB uint8 (N, H, W, 3), the next N frames → the same shape and dtype; ``styles``: one per frame."""
        styles = self._styles(styles, frames)
        if len(frames) == 0:
            return frames.copy()
        linked = linked_frames(len(frames), self._frame, has_previous=self._content is not None, cuts=self.cuts)
        flows, masks = self._reliable_flows(frames, linked)
        settings, outputs = self.model.settings, np.empty_like(frames)
        for i, frame in enumerate(frames):
            previous = None
            if i in flows:
                previous = (warp(self._result[None], flows[i][None])[0].clip(0.0, 1.0), masks[i])
            iterations = settings.iterations if previous else settings.first_frame_iterations
            self._result, outputs[i] = self.model.stylize_frame(frame, styles[i], strength=self.strength,
                                                                 iterations=iterations, previous=previous)
        self._content = frames[-1].copy()
        self._frame += len(frames)
        return outputs

    def _reliable_flows(self, frames: np.ndarray,
                        linked: list[int]) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
        """Per linked frame i: flow from i to i−1, float32 (H, W, 2), and its consistency mask (H, W)."""
        if not linked:
            return {}, {}
        before = previous_frames(frames, self._content)[linked]
        flow = self.model.flow.estimate(frames[linked], before)
        mask = consistency_mask(flow, self.model.flow.estimate(before, frames[linked]))
        return dict(zip(linked, flow)), dict(zip(linked, mask))

    def _styles(self, styles: Sequence[GatysStyle] | None, frames: np.ndarray) -> list[GatysStyle]:
        self.model._check_inputs(frames, self.style, self.strength)
        if self._content is not None and len(frames) and frames.shape[1:] != self._content.shape:
            raise InputError(f"frames of one sequence must keep their size: got {frames.shape[1:3]} after "
                             f"{self._content.shape[:2]}; open a new sequence for a new size")
        if styles is None:
            return [self.style] * len(frames)
        if len(styles) != len(frames):
            raise InputError(f"styles must give one style per frame: {len(frames)} frames, {len(styles)} styles")
        for style in styles:
            self.model._check_style(style)
        return list(styles)


def _normalised_weights(weights: Sequence[float], what: str) -> np.ndarray:
    mix = np.array(weights, dtype=np.float64)
    if mix.ndim != 1 or not np.all(np.isfinite(mix)) or np.any(mix < 0) or mix.sum() <= 0:
        raise InputError(f"{what} must be non-negative with a positive sum; got {mix.tolist()}")
    return mix / mix.sum()


def _check_strength(strength: float) -> None:
    if not 0.0 <= strength <= 1.0:
        raise InputError(f"strength must be between 0 and 1; got {strength}")


def _array(image: torch.Tensor) -> np.ndarray:
    """float (1, 3, H, W) → float32 (H, W, 3) on the CPU."""
    return np.ascontiguousarray(image[0].permute(1, 2, 0).float().cpu().numpy())


def _uint8(image: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)


DEFAULT_ITERATIONS = 100
DEFAULT_STYLE_SIZE = 256
# Loss weights of the relative errors of ``functional``, against a content
# weight of 1. Chosen with the MobileNet backbone (the only one with weights
# here), bigbuckbunny + starrynight at 256 px: style 10 kept the frame's
# colours under a light texture, 1000 let the painting's palette take over,
# 100 sits between. Temporal, same clip at 128 px, 8 frames, 20 L-BFGS
# iterations: warping-error ratio to the content 1.11 without the term, 0.52
# at 30, 0.09 at 300 (far steadier than the content itself: texture dragged
# along rather than re-rendered); 30 is the milder. Relative errors make
# these weights comparable in scale on VGG19, untested there by eye.
DEFAULT_STYLE_WEIGHT = 100.0
DEFAULT_TV_WEIGHT = 1.0
DEFAULT_TEMPORAL_WEIGHT = 30.0


def gatys(
    *,
    device: str | torch.device = "auto",
    backbone: str = DEFAULT_BACKBONE,
    weights: str | None = "DEFAULT",
    iterations: int = DEFAULT_ITERATIONS,
    first_frame_iterations: int | None = None,
    optimizer: Optimizer = "lbfgs",
    learning_rate: float | None = None,
    content_weight: float = 1.0,
    style_weight: float = DEFAULT_STYLE_WEIGHT,
    tv_weight: float = DEFAULT_TV_WEIGHT,
    temporal_weight: float = DEFAULT_TEMPORAL_WEIGHT,
    content_layers: Sequence[str] | None = None,
    style_layers: Mapping[str, float] | None = None,
    scales: Sequence[float] = (1.0,),
    preserve_color: bool = False,
    style_size: int = DEFAULT_STYLE_SIZE,
    flow: str = "dis",
    download: bool = True,
) -> GatysStylizer:
    """Builds the Gatys model (Gatys et al. 2016; video after Ruder et al. 2016).

    Args:
        device: "auto" (CUDA when available, else CPU), "cpu", "cuda", "cuda:1" …
        backbone: "vgg19" (the paper's network, torchvision's ImageNet weights)
            or "mobilenet" (the arbitrary model's MobileNet-v2 style predictor,
            installed with it: no download).
        weights: "DEFAULT" or a member name of the backbone's weights enum
            (torchvision's ``VGG19_Weights``, ``ArbitraryWeights``); None builds a randomly
            initialised backbone, for tests and benchmarks only (its pictures
            are meaningless; torch's global seed decides it).
        iterations: optimiser iterations per frame, at each scale.
        first_frame_iterations: for frames that start a shot in a sequence;
            None for twice ``iterations`` (Ruder et al. give the first frame
            more, since it starts from its content rather than a warped result).
        optimizer: "lbfgs" or "adam".
        learning_rate: None for 1.0 (L-BFGS) or 0.02 (Adam, pixels in [0, 1]).
        content_weight, style_weight, tv_weight, temporal_weight: loss weights
            (``functional`` defines the terms).
        content_layers, style_layers: None for the backbone's defaults (VGG19:
            the paper's relu4_2, and relu1_1 … relu5_1 weighted 1/5 each);
            style layers map names to weights.
        scales: coarse-to-fine fractions of the frame size, increasing, ending
            with 1.0; (1.0,) optimises at full size only.
        preserve_color: luminance-only transfer; the output keeps the
            content's chroma (YIQ).
        style_size: shorter side, in pixels, style images are resized to.
        flow: the optical flow estimator for sequences (``temporal.flow``).
        download: VGG19 only: fetch the weights into torch's cache when no
            local copy is found.
    """
    from artify_core.temporal.estimators import load_flow_estimator

    resolved = resolve_device(device)
    network, version = _backbone(backbone, weights, download)
    settings = _settings(type(network), iterations, first_frame_iterations, optimizer, learning_rate, content_weight,
                         style_weight, tv_weight, temporal_weight, content_layers, style_layers, scales,
                         preserve_color, style_size)
    _check_settings(settings, network.feature_layers)
    return GatysStylizer(network, backbone_version=version, settings=settings, device=resolved,
                         flow=load_flow_estimator(flow))


def model_version(**options: Any) -> str:
    """The version ``gatys(**options)`` would report, without loading the backbone's weights
    (a randomly initialised backbone, ``weights=None``, is identified only once built)."""
    import inspect

    bound = inspect.signature(gatys).bind(**options)
    bound.apply_defaults()
    arguments = bound.arguments
    network = backbone_features(arguments["backbone"])
    settings = _settings(network, *(arguments[name] for name in _SETTING_ARGUMENTS))
    return _version(backbone_identity(arguments["backbone"], arguments["weights"]), settings)


# gatys()'s arguments that make up its GatysSettings, in _settings' order.
_SETTING_ARGUMENTS = ("iterations", "first_frame_iterations", "optimizer", "learning_rate", "content_weight",
                      "style_weight", "tv_weight", "temporal_weight", "content_layers", "style_layers", "scales",
                      "preserve_color", "style_size")


def _settings(network: type, iterations: int, first_frame_iterations: int | None, optimizer: str,
              learning_rate: float | None, content_weight: float, style_weight: float, tv_weight: float,
              temporal_weight: float, content_layers: Sequence[str] | None, style_layers: Mapping[str, float] | None,
              scales: Sequence[float], preserve_color: bool, style_size: int) -> GatysSettings:
    loss = LossWeights(
        content=content_weight, style=style_weight, tv=tv_weight, temporal=temporal_weight,
        content_layers=tuple(content_layers if content_layers is not None else network.default_content_layers),
        style_layers=tuple((style_layers if style_layers is not None else network.default_style_layers).items()),
    )
    return GatysSettings(
        iterations=iterations,
        first_frame_iterations=2 * iterations if first_frame_iterations is None else first_frame_iterations,
        optimizer=optimizer, learning_rate=learning_rate, loss=loss, scales=tuple(float(s) for s in scales),
        preserve_color=preserve_color, style_size=style_size,
    )


def _version(backbone_version: str, settings: GatysSettings) -> str:
    return f"gatys-{CODE_VERSION}+{backbone_version}+{params_digest(dataclasses.asdict(settings))[:12]}"


def _backbone(name: str, weights: str | None, download: bool) -> tuple[nn.Module, str]:
    """(feature extractor, version string naming its weights and their digest)."""
    options = {"download": download} if "download" in BACKBONES.options(name) else {}
    return BACKBONES.build(name, weights=weights, **options)


def _check_settings(settings: GatysSettings, layers: Sequence[str]) -> None:
    loss = settings.loss
    if settings.iterations < 1 or settings.first_frame_iterations < 1:
        raise InputError(f"iterations must be at least 1; got iterations={settings.iterations}, "
                         f"first_frame_iterations={settings.first_frame_iterations}")
    if settings.optimizer not in DEFAULT_LEARNING_RATES:
        raise InputError(f"unknown optimizer {settings.optimizer!r}; use one of {', '.join(DEFAULT_LEARNING_RATES)}")
    if settings.learning_rate is not None and not settings.learning_rate > 0:
        raise InputError(f"learning_rate must be positive; got {settings.learning_rate}")
    negative = {k: v for k, v in dict(content=loss.content, style=loss.style, tv=loss.tv,
                                          temporal=loss.temporal).items() if not v >= 0}
    if negative:
        raise InputError(f"loss weights must be >= 0; got {negative}")
    unknown = [name for name in loss.layers if name not in layers]
    if unknown or not loss.style_layers or not loss.content_layers:
        raise InputError(f"content and style layers must be non-empty and known to the backbone; unknown: "
                         f"{unknown}; known: {', '.join(layers)}")
    if any(not w >= 0 for _, w in loss.style_layers):
        raise InputError(f"style layer weights must be >= 0; got {dict(loss.style_layers)}")
    scales = settings.scales
    if not scales or scales[-1] != 1.0 or any(not 0 < a < b for a, b in zip(scales, scales[1:])) or scales[0] <= 0:
        raise InputError(f"scales must increase from above 0 to 1.0; got {scales}")
    if settings.style_size < MIN_SIDE:
        raise InputError(f"style_size must be at least {MIN_SIDE} pixels; got {settings.style_size}")
