"""The segmented model: a subject and its background stylized independently, merged without seams.

A mask source (``artify_core.segmentation.masks``) splits each frame into
foreground and background; masks are stabilized along the optical flow
(``segmentation.stabilize``) so the edge does not boil; each layer is
stylized by a base model (the fast ``arbitrary`` one by default) with its
own style, or kept as the original pixels; ``segmentation.composite`` merges
the layers in one of five modes (``COMPOSITE_MODES``).

Each layer may follow its own style schedule: a ``LayeredStylePlan``
(``pipeline.styles``) holds one plan per layer, and the pipeline hands the
sequence one ``LayeredStyle`` per frame, built by ``layered_style`` from each
layer's style at that frame.

Masks depend on earlier frames (the motion source's background model, the
stabilizer's previous mask), so this is a ``VideoStylizationModel``: the
pipeline opens one sequence per chunk and feeds it the chunk's batches in
order; the sequence restarts both at scene cuts. A chunk starting mid-video
gets a background from the temporal median of its first batch (see
``masks.motion``); ``SegmentedSequence.warm_up`` also accepts the frames
just before the chunk, which only the mask source and the stabilizer see
(about 20 ms a frame at 720p, against seconds to stylize one). The same
context feeds the state of the ``inpaint`` mode's background plate and of the
``resize`` mode's steady crop boxes, which restart at cuts with the masks.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np

from artify_core.errors import InputError
from artify_core.models.bases import BASE_MODELS
from artify_core.models.base import StyleEmbeddingModel, StyleImage, StyleMixingModel, StylizationModel
from artify_core.segmentation.composite import (
    COMPOSITE_MODES,
    DEFAULT_BLUR_SIGMA,
    DEFAULT_RADIUS,
    CompositeMode,
    Stylize,
    composite,
    composite_inpaint,
    composite_resize,
    feather_alpha,
    inpaint_holes,
    resize_margin,
    resize_regions,
)
from artify_core.segmentation.crops import CropBoxFilter
from artify_core.segmentation.inpaint import BackgroundPlate
from artify_core.segmentation.modes import INPAINT_METHODS, InpaintMethod
from artify_core.segmentation.masks import MaskSource, load_mask_source
from artify_core.segmentation.masks.base import check_frames, check_masks
from artify_core.segmentation.stabilize import DEFAULT_STRENGTH, MaskStabilizer
from artify_core.models.segmented.spec import (  # noqa: F401 - re-exported
    CODE_VERSION,
    DEFAULT_CROP_SMOOTHING,
    _version,
    check_base,
    model_version,
    resolve_options,
)



@dataclass(frozen=True)
class LayeredStyle:
    """One prepared style of the base model per layer; None keeps that layer's original pixels."""

    foreground: Any | None
    background: Any | None


class SegmentedStylizer:
    """``VideoStylizationModel`` and ``StyleMixingModel`` over a base model; build it with ``segmented()``."""

    name = "segmented"

    def __init__(self, base: StylizationModel, mask_source: MaskSource, *, mask_name: str,
                 composite_mode: CompositeMode, feather_radius: int, blur_sigma: float, stabilize: float,
                 inpaint_method: InpaintMethod = "telea", temporal_inpaint: bool = True,
                 inpaint_foreground: bool = False, crop_smoothing: float = DEFAULT_CROP_SMOOTHING):
        self.base, self.mask_source, self.mask_name = base, mask_source, mask_name
        self.composite_mode, self.feather_radius, self.blur_sigma = composite_mode, feather_radius, blur_sigma
        self.stabilize_strength = stabilize
        self.inpaint_method, self.temporal_inpaint = inpaint_method, temporal_inpaint
        self.inpaint_foreground = inpaint_foreground
        self.crop_smoothing = crop_smoothing

    @property
    def version(self) -> str:
        """Base model, mask source and compositing: all change the pixels."""
        return _version(self.base.version, self.mask_name, self.composite_mode, self.feather_radius,
                        self.blur_sigma, self.stabilize_strength, self.inpaint_method, self.temporal_inpaint,
                        self.inpaint_foreground, self.crop_smoothing)

    def prepare_style(self, images: Sequence[StyleImage]) -> LayeredStyle:
        """The same base style for both layers."""
        style = self.base.prepare_style(images)
        return LayeredStyle(style, style)

    def prepare_layered_style(self, foreground: Sequence[StyleImage] | None,
                              background: Sequence[StyleImage] | None) -> LayeredStyle:
        """A style per layer from its images; None (the CLI's ``none``) keeps the layer's original pixels."""
        if foreground is None and background is None:
            raise InputError("both layers are 'none': give a style for the foreground, the background or both")
        return LayeredStyle(None if foreground is None else self.prepare_layer_style(foreground),
                            None if background is None else self.prepare_layer_style(background))

    def prepare_layer_style(self, images: Sequence[StyleImage]) -> Any:
        """One layer's style: the base model's style of ``images`` (``LayeredStyleModel``)."""
        return self.base.prepare_style(images)

    def mix_layer_styles(self, styles: Sequence[Any], weights: Sequence[float]) -> Any:
        """A weighted mix of one layer's styles (``LayeredStyleModel``), as ``mix_styles`` mixes each layer."""
        if len(styles) != len(weights) or not styles:
            raise InputError(f"mix_layer_styles needs one weight per style; got {len(styles)} styles, "
                             f"{len(weights)} weights")
        return self._mix_layer(list(styles), weights, "layer")

    def layered_style(self, foreground: Any | None, background: Any | None) -> LayeredStyle:
        """The style of a frame whose layers get these layer styles; None keeps that layer's pixels."""
        return LayeredStyle(foreground, background)

    def mix_styles(self, styles: Sequence[LayeredStyle], weights: Sequence[float]) -> LayeredStyle:
        """Mixes each layer on its own; a layer must be None in all styles or in none of them."""
        if len(styles) != len(weights) or not styles:
            raise InputError(f"mix_styles needs one weight per style; got {len(styles)} styles, {len(weights)} weights")
        return LayeredStyle(self._mix_layer([s.foreground for s in styles], weights, "foreground"),
                            self._mix_layer([s.background for s in styles], weights, "background"))

    def stylize(self, frames: np.ndarray, style: LayeredStyle, *, strength: float = 1.0) -> np.ndarray:
        """RGB uint8 (N, H, W, 3), taken as one shot from its start, → the same shape and dtype."""
        return self.open_sequence(style, strength=strength).stylize(frames)

    def open_sequence(self, style: LayeredStyle, *, strength: float = 1.0, start_frame: int = 0,
                      cuts: Sequence[int] = ()) -> "SegmentedSequence":
        """A stylizer for consecutive batches from ``start_frame``, restarting masks at ``cuts``."""
        _check_style(style)
        source = copy.copy(self.mask_source)  # shares weights; reset rebinds the state
        source.reset(start_frame)
        return SegmentedSequence(self, style, source, MaskStabilizer(strength=self.stabilize_strength),
                                 strength=strength, start_frame=start_frame, cuts=cuts)

    def layer_stylizer(self, styles: Sequence[Any | None], strength: float) -> Stylize | None:
        """A ``Stylize`` callable applying ``styles[i]`` to row i (None: row unchanged); None when all are None.

        Embedding styles of a ``StyleEmbeddingModel`` go through one
        ``stylize_with_embeddings`` call; other styles are grouped by identity.
        """
        if all(s is None for s in styles):
            return None
        rows = [i for i, s in enumerate(styles) if s is not None]
        embeddings = isinstance(self.base, StyleEmbeddingModel) and all(isinstance(styles[i], np.ndarray) for i in rows)

        def run(frames: np.ndarray) -> np.ndarray:
            out = frames.copy()
            if embeddings:
                vectors = np.stack([styles[i] for i in rows])
                out[rows] = self.base.stylize_with_embeddings(frames[rows], vectors, strength=strength)
                return out
            groups: dict[int, list[int]] = {}
            for i in rows:
                groups.setdefault(id(styles[i]), []).append(i)
            for group in groups.values():
                out[group] = self.base.stylize(frames[group], styles[group[0]], strength=strength)
            return out

        return run

    def _mix_layer(self, layer: list[Any | None], weights: Sequence[float], what: str) -> Any | None:
        present = [s is not None for s in layer]
        if not any(present):
            return None
        if not all(present):
            raise InputError(f"cannot mix a {what} style with 'none'; give the {what} a style in every "
                             "keyframe or in none")
        if isinstance(self.base, StyleMixingModel):
            return self.base.mix_styles(layer, weights)
        if all(isinstance(s, np.ndarray) for s in layer):
            w = np.asarray(weights, np.float64)
            return (w / w.sum() @ np.stack(layer).astype(np.float64)).astype(np.float32)
        raise InputError(f"base model {self.base.name!r} cannot mix styles; use one style per layer")


class SegmentedSequence:
    """``FrameSequenceStylizer`` for one chunk; holds the mask source's and stabilizer's state.

    Attributes:
        frame: index in the video of the next frame ``stylize`` expects.
        last_masks: the stabilized masks of the last batch, float32 (N, H, W).
        plate: the ``inpaint`` mode's background plate (None in other modes or without temporal inpainting).
        crops: the ``resize`` mode's steady box filters, foreground and background (None without smoothing).
    """

    def __init__(self, model: SegmentedStylizer, style: LayeredStyle, source: MaskSource,
                 stabilizer: MaskStabilizer, *, strength: float, start_frame: int, cuts: Sequence[int]):
        self.model, self.style, self.source, self.stabilizer = model, style, source, stabilizer
        self.strength, self.frame, self.cuts = strength, start_frame, frozenset(int(c) for c in cuts)
        self.last_masks: np.ndarray | None = None
        self._started = False
        # State of the composite along the shot, fed the same frames as the masks (warm-up included).
        self.plate = (BackgroundPlate(method=model.inpaint_method)
                      if model.composite_mode == "inpaint" and model.temporal_inpaint else None)
        self.crops = (tuple(CropBoxFilter(model.crop_smoothing) for _ in range(2))
                      if model.composite_mode == "resize" and model.crop_smoothing > 0 else None)

    def warm_up(self, frames: np.ndarray) -> None:
        """Feeds the frames just before the sequence's first frame to the masks only (nothing is emitted).

        RGB uint8 (N, H, W, 3) = frames ``start_frame - N … start_frame - 1``; call before ``stylize``.
        Frames from before a cut are skipped, as the shot restarts there.
        """
        check_frames(frames, "warm-up frames")
        first = self.frame - len(frames)
        shot_start = max([c for c in self.cuts if first < c <= self.frame], default=first)
        self.warm_up_stream([frames[shot_start - first:]], shot_start)

    def warm_up_stream(self, batches: Iterable[np.ndarray], first_frame: int) -> None:
        """``warm_up`` for long contexts, in bounded memory: batches of frames ``first_frame …
        start_frame - 1``, oldest first, none of them before a cut (the caller starts at the last one)."""
        if self._started:
            raise InputError("warm_up must come before the first stylize call of a sequence")
        self._restart(first_frame)
        for batch in batches:
            check_frames(batch, "warm-up frames")
            if len(batch):
                masks = self.stabilizer.stabilize(batch, check_masks(self.source.masks(batch), batch, "source masks"))
                self._observe(batch, masks)

    def stylize(self, frames: np.ndarray, styles: Sequence[LayeredStyle] | None = None) -> np.ndarray:
        """RGB uint8 (N, H, W, 3), the next N frames → the same shape; ``styles``: one per frame, or None."""
        check_frames(frames)
        if styles is not None and len(styles) != len(frames):
            raise InputError(f"styles must give one LayeredStyle per frame; got {len(styles)} for {len(frames)}")
        for style in styles or ():
            _check_style(style)
        per_frame = list(styles) if styles is not None else [self.style] * len(frames)
        out = np.empty_like(frames)
        masks = np.empty(frames.shape[:3], np.float32)
        for begin, end in self._shots(len(frames)):
            if self.frame + begin in self.cuts and (begin > 0 or self._started):
                self._restart(self.frame + begin)
            shot = frames[begin:end]
            raw = check_masks(self.source.masks(shot), shot, "source masks")
            masks[begin:end] = self.stabilizer.stabilize(shot, raw)
            out[begin:end] = self._composite(frames[begin:end], masks[begin:end], per_frame[begin:end])
        self.frame += len(frames)
        self._started = True
        self.last_masks = masks
        return out

    def _shots(self, count: int) -> list[tuple[int, int]]:
        """Row ranges of the batch, split where a cut starts a new shot."""
        starts = [i for i in range(count) if self.frame + i in self.cuts and (i > 0 or self._started)]
        bounds = [0, *starts, count]
        return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]

    def _restart(self, frame: int) -> None:
        """A new shot (or the sequence's first frame) at ``frame``: every state along time forgets."""
        self.source.reset(frame)
        self.stabilizer.reset()
        if self.plate is not None:
            self.plate.reset()
        for crop in self.crops or ():
            crop.reset()

    def _observe(self, frames: np.ndarray, masks: np.ndarray) -> None:
        """Context frames: the composite's state learns from them as from stylized ones."""
        if self.plate is not None:
            self.plate.learn(frames, inpaint_holes(masks, self.model.feather_radius)[1])
        if self.crops is not None:
            self._crop_boxes(masks)

    def _crop_boxes(self, masks: np.ndarray) -> tuple[list, list]:
        regions = resize_regions(feather_alpha(masks, self.model.feather_radius))
        margin = resize_margin(self.model.feather_radius)
        return tuple(crop.update(region, margin) for crop, region in zip(self.crops, regions))

    def _composite(self, frames: np.ndarray, masks: np.ndarray, styles: Sequence[LayeredStyle]) -> np.ndarray:
        model = self.model
        foreground = model.layer_stylizer([s.foreground for s in styles], self.strength)
        background = model.layer_stylizer([s.background for s in styles], self.strength)
        if self.plate is not None:
            holes = inpaint_holes(masks, model.feather_radius)[1]
            filled = None
            if background is None:
                self.plate.learn(frames, holes)
            else:
                filled = self.plate.fill(frames, holes)
            return composite_inpaint(frames, masks, foreground, background, radius=model.feather_radius,
                                     method=model.inpaint_method, background_input=filled,
                                     fill_foreground=model.inpaint_foreground)
        if self.crops is not None:
            return composite_resize(frames, masks, foreground, background, radius=model.feather_radius,
                                    boxes=self._crop_boxes(masks))
        return composite(frames, masks, foreground, background, mode=model.composite_mode,
                         radius=model.feather_radius, blur_sigma=model.blur_sigma,
                         inpaint_method=model.inpaint_method, fill_foreground=model.inpaint_foreground)


def _check_style(style: Any) -> None:
    if not isinstance(style, LayeredStyle):
        raise InputError(f"the segmented model needs a LayeredStyle (from prepare_style or prepare_layered_style); "
                         f"got {type(style).__name__}")


def segmented(
    *,
    device: str = "auto",
    base: str | StylizationModel = "arbitrary",
    base_options: dict[str, Any] | None = None,
    mask: str | MaskSource = "motion",
    mask_options: dict[str, Any] | None = None,
    composite: CompositeMode = "feather",
    feather_radius: int = DEFAULT_RADIUS,
    blur_sigma: float = DEFAULT_BLUR_SIGMA,
    stabilize: float = DEFAULT_STRENGTH,
    inpaint_method: InpaintMethod = "telea",
    temporal_inpaint: bool = True,
    inpaint_foreground: bool = False,
    crop_smoothing: float = DEFAULT_CROP_SMOOTHING,
) -> SegmentedStylizer:
    """Builds the segmented model.

    Args:
        device: for the base model and the deeplab mask source ("auto", "cpu", "cuda" …).
        base: a model of ``models.bases`` by name (built with ``device`` and ``base_options``) or a built model.
        mask: "motion", "deeplab" or "file:PATH" (built with ``mask_options``), or a ``MaskSource``.
        composite: how the layers meet, one of ``COMPOSITE_MODES`` ("hard", "feather", "blur",
            "resize", "inpaint"; ``segmentation.composite``).
        feather_radius: pixels of cross-fade on each side of the edge (feather, blur, resize,
            inpaint), >= 0; inpaint also grows the subject's hole in the background layer by it.
        blur_sigma: Gaussian sigma in pixels of the blurred layer in "blur" mode, > 0.
        stabilize: strength in [0, 1) of the temporal mask filter; 0 uses raw masks.
        inpaint_method: "inpaint" mode's classical inpainting, "telea" (OpenCV's fast marching,
            default) or "ns" (Navier–Stokes): where no other frame of the shot showed the
            background behind the subject (and the foreground's surroundings, if filled).
        temporal_inpaint: "inpaint" mode: fill the background layer's hole from what earlier
            frames of the shot showed there (a background plate that follows the camera; static
            or slowly moving shots), classically only where never seen. False: classical only.
        inpaint_foreground: "inpaint" mode: also stylize the foreground from the frame with the
            background region filled from the subject (classical). Off by default: harsher
            texture on the subject and more flicker there (``composite.composite_inpaint``).
        crop_smoothing: "resize" mode: how steady the crop boxes are along a shot, in [0, 1):
            the weight of the last box in an exponential filter of the box's centre and height
            (0.8: about 9 frames); 0 crops each frame on its own.
    """
    if composite not in COMPOSITE_MODES:
        raise InputError(f"unknown composite mode {composite!r}; use one of: {', '.join(COMPOSITE_MODES)}")
    if feather_radius < 0 or blur_sigma <= 0:
        raise InputError(f"feather_radius must be >= 0 and blur_sigma > 0; got {feather_radius}, {blur_sigma}")
    if inpaint_method not in INPAINT_METHODS:
        raise InputError(f"unknown inpaint_method {inpaint_method!r}; use one of: {', '.join(INPAINT_METHODS)}")
    if not 0.0 <= crop_smoothing < 1.0:
        raise InputError(f"crop_smoothing must be in [0, 1) (0: each frame's own box); got {crop_smoothing}")
    base_model = _base_model(base, device, base_options or {})
    source = _mask_source(mask, device, dict(mask_options or {}))
    mask_name = mask if isinstance(mask, str) else getattr(source, "name", type(source).__name__)
    return SegmentedStylizer(base_model, source, mask_name=mask_name, composite_mode=composite,
                             feather_radius=int(feather_radius), blur_sigma=float(blur_sigma),
                             stabilize=float(stabilize), inpaint_method=inpaint_method,
                             temporal_inpaint=bool(temporal_inpaint), inpaint_foreground=bool(inpaint_foreground),
                             crop_smoothing=float(crop_smoothing))


def _base_model(base: str | StylizationModel, device: str, options: dict[str, Any]) -> StylizationModel:
    if not isinstance(base, str):
        return base
    check_base(base)
    return BASE_MODELS.load(base, device=device, **options)


def _mask_source(mask: str | MaskSource, device: str, options: dict[str, Any]) -> MaskSource:
    if not isinstance(mask, str):
        return mask
    if mask == "deeplab":
        options.setdefault("device", device)
    return load_mask_source(mask, **options)
