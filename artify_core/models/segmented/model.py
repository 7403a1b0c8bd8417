"""The segmented model: a subject and its background stylized independently, merged without seams.

A mask source (``artify_core.segmentation.masks``) splits each frame into
foreground and background; masks are stabilized along the optical flow
(``segmentation.stabilize``) so the edge does not boil; each layer is
stylized by a base model (the fast ``arbitrary`` one by default) with its
own style, or kept as the original pixels; ``segmentation.composite`` merges
the layers in one of four modes.

Masks depend on earlier frames (the motion source's background model, the
stabilizer's previous mask), so this is a ``VideoStylizationModel``: the
pipeline opens one sequence per chunk and feeds it the chunk's batches in
order; the sequence restarts both at scene cuts. A chunk starting mid-video
gets a background from the temporal median of its first batch (see
``masks.motion``); ``SegmentedSequence.warm_up`` also accepts the frames
just before the chunk, which only the mask source and the stabilizer see
(about 20 ms a frame at 720p, against seconds to stylize one).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np

from artify_core.errors import InputError
from artify_core.models.base import StyleEmbeddingModel, StyleImage, StyleMixingModel, StylizationModel
from artify_core.segmentation.composite import (
    COMPOSITE_MODES,
    DEFAULT_BLUR_SIGMA,
    DEFAULT_RADIUS,
    CompositeMode,
    Stylize,
    composite,
)
from artify_core.segmentation.masks import MaskSource, load_mask_source
from artify_core.segmentation.masks.base import check_frames, check_masks
from artify_core.segmentation.stabilize import DEFAULT_STRENGTH, MaskStabilizer

# Bump when the same base model, masks and settings would give different pixels.
CODE_VERSION = "1"


@dataclass(frozen=True)
class LayeredStyle:
    """One prepared style of the base model per layer; None keeps that layer's original pixels."""

    foreground: Any | None
    background: Any | None


class SegmentedStylizer:
    """``VideoStylizationModel`` and ``StyleMixingModel`` over a base model; build it with ``segmented()``."""

    name = "segmented"

    def __init__(self, base: StylizationModel, mask_source: MaskSource, *, mask_name: str,
                 composite_mode: CompositeMode, feather_radius: int, blur_sigma: float, stabilize: float):
        self.base, self.mask_source, self.mask_name = base, mask_source, mask_name
        self.composite_mode, self.feather_radius, self.blur_sigma = composite_mode, feather_radius, blur_sigma
        self.stabilize_strength = stabilize

    @property
    def version(self) -> str:
        """Base model, mask source and compositing: all change the pixels."""
        return _version(self.base.version, self.mask_name, self.composite_mode, self.feather_radius,
                        self.blur_sigma, self.stabilize_strength)

    def prepare_style(self, images: Sequence[StyleImage]) -> LayeredStyle:
        """The same base style for both layers."""
        style = self.base.prepare_style(images)
        return LayeredStyle(style, style)

    def prepare_layered_style(self, foreground: Sequence[StyleImage] | None,
                              background: Sequence[StyleImage] | None) -> LayeredStyle:
        """A style per layer from its images; None (the CLI's ``none``) keeps the layer's original pixels."""
        if foreground is None and background is None:
            raise InputError("both layers are 'none': give a style for the foreground, the background or both")
        return LayeredStyle(None if foreground is None else self.base.prepare_style(foreground),
                            None if background is None else self.base.prepare_style(background))

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
    """

    def __init__(self, model: SegmentedStylizer, style: LayeredStyle, source: MaskSource,
                 stabilizer: MaskStabilizer, *, strength: float, start_frame: int, cuts: Sequence[int]):
        self.model, self.style, self.source, self.stabilizer = model, style, source, stabilizer
        self.strength, self.frame, self.cuts = strength, start_frame, frozenset(int(c) for c in cuts)
        self.last_masks: np.ndarray | None = None
        self._started = False

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
        self.source.reset(first_frame)
        for batch in batches:
            check_frames(batch, "warm-up frames")
            if len(batch):
                self.stabilizer.stabilize(batch, check_masks(self.source.masks(batch), batch, "source masks"))

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
                self.source.reset(self.frame + begin)
                self.stabilizer.reset()
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

    def _composite(self, frames: np.ndarray, masks: np.ndarray, styles: Sequence[LayeredStyle]) -> np.ndarray:
        model = self.model
        foreground = model.layer_stylizer([s.foreground for s in styles], self.strength)
        background = model.layer_stylizer([s.background for s in styles], self.strength)
        return composite(frames, masks, foreground, background, mode=model.composite_mode,
                         radius=model.feather_radius, blur_sigma=model.blur_sigma)


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
) -> SegmentedStylizer:
    """Builds the segmented model.

    Args:
        device: for the base model and the deeplab mask source ("auto", "cpu", "cuda" …).
        base: a registered model name (built with ``device`` and ``base_options``) or a built model.
        mask: "motion", "deeplab" or "file:PATH" (built with ``mask_options``), or a ``MaskSource``.
        composite: "hard", "feather", "blur" or "resize" (``segmentation.composite``).
        feather_radius: pixels of cross-fade on each side of the edge (feather, blur, resize).
        blur_sigma: Gaussian sigma in pixels of the blurred layer in "blur" mode.
        stabilize: strength in [0, 1) of the temporal mask filter; 0 uses raw masks.
    """
    if composite not in COMPOSITE_MODES:
        raise InputError(f"unknown composite mode {composite!r}; use one of: {', '.join(COMPOSITE_MODES)}")
    if feather_radius < 0 or blur_sigma <= 0:
        raise InputError(f"feather_radius must be >= 0 and blur_sigma > 0; got {feather_radius}, {blur_sigma}")
    base_model = _base_model(base, device, base_options or {})
    source = _mask_source(mask, device, dict(mask_options or {}))
    mask_name = mask if isinstance(mask, str) else getattr(source, "name", type(source).__name__)
    return SegmentedStylizer(base_model, source, mask_name=mask_name, composite_mode=composite,
                             feather_radius=int(feather_radius), blur_sigma=float(blur_sigma),
                             stabilize=float(stabilize))


def model_version(*, device: str = "auto", base: str = "arbitrary", base_options: dict[str, Any] | None = None,
                  mask: str = "motion", composite: CompositeMode = "feather", feather_radius: int = DEFAULT_RADIUS,
                  blur_sigma: float = DEFAULT_BLUR_SIGMA, stabilize: float = DEFAULT_STRENGTH, **_: object) -> str:
    """The version ``segmented(...)`` with these arguments would report, without loading any weights."""
    from artify_core.models import model_version as registered_version

    return _version(registered_version(base, device=device, **(base_options or {})), mask, composite,
                    feather_radius, blur_sigma, stabilize)


def _version(base_version: str, mask: str, composite: str, radius: int, blur_sigma: float, stabilize: float) -> str:
    return f"segmented-{CODE_VERSION}+{base_version}+mask={mask}+{composite}+r{radius}+b{blur_sigma:g}+s{stabilize:g}"


def _base_model(base: str | StylizationModel, device: str, options: dict[str, Any]) -> StylizationModel:
    if not isinstance(base, str):
        return base
    if base == "segmented":
        raise InputError("the segmented model cannot be its own base; use e.g. base='arbitrary'")
    from artify_core.models import load_model

    return load_model(base, device=device, **options)


def _mask_source(mask: str | MaskSource, device: str, options: dict[str, Any]) -> MaskSource:
    if not isinstance(mask, str):
        return mask
    if mask == "deeplab":
        options.setdefault("device", device)
    return load_mask_source(mask, **options)
