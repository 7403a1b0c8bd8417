"""Styles over time: the prepared styles of a run and the schedule that applies them.

A ``StylePlan`` is what every chunk needs to know about style: one prepared
style per style id (an embedding, Gram targets …, whatever the model's
``prepare_style`` returns) and a ``StyleSchedule`` saying, per content frame,
which one or two styles apply and in which mix.

``stylize_scheduled`` turns that into pixels, choosing the mixing method the
model supports, best first:

1. a style space (``StyleEmbeddingModel`` with embedding styles): per-frame
   embeddings interpolated between the keyframes' (Ghiasi et al. show
   interpolation in this space gives a smooth walk between styles);
2. mixable styles (``StyleMixingModel``, e.g. Gatys' Gram targets): one mixed
   style per frame;
3. otherwise each active style stylizes the frames it touches and the outputs
   are blended with the schedule's weights.

A layered model (``LayeredStyleModel``: the segmented model's subject and
background) takes a ``LayeredStylePlan`` instead: one plan per layer, each
with its own styles, schedule and transitions (an image, several images, a
style video, or none to keep the layer's pixels). Each frame's style is built
from the two layers' styles at that frame, each mixed as its own schedule says.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from artify_core.errors import InputError
from artify_core.images import load_image
from artify_core.keyframes.keyframe_set import KeyframeSet
from artify_core.keyframes.schedule import (
    DEFAULT_TRANSITION_SECONDS,
    StyleSchedule,
    images_schedule,
    proportional_schedule,
    scenes_schedule,
    single_schedule,
)
from artify_core.video.timing import FrameTimes
from artify_core.models.base import (
    FrameSequenceStylizer,
    LayeredStyleModel,
    StyleImage,
    StyleEmbeddingModel,
    StyleMixingModel,
    StylizationModel,
    VideoStylizationModel,
)
from artify_core.settings import NO_STYLE, SCHEDULE_CHOICES, ScheduleChoice, ScheduleOptions


@dataclass(frozen=True)
class StylePlan:
    """``styles[i]``: the model's prepared style for style id i; ``names[i]``: where it came from."""

    styles: tuple[Any, ...]
    schedule: StyleSchedule
    names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.styles) < self.schedule.n_styles:
            raise ValueError(f"the schedule refers to {self.schedule.n_styles} styles; "
                             f"the plan prepared {len(self.styles)}")

    def constant_style_id(self, start: int, end: int) -> int | None:
        """The id of the one style used, unmixed, by every frame of ``[start, end)``; None when they differ."""
        a, b, mix = self.schedule.style_a[start:end], self.schedule.style_b[start:end], self.schedule.mix[start:end]
        if len(a) == 0:
            return self.schedule.runs[0]
        pure = np.where(mix >= 1.0, b, a)
        mixed = (a != b) & (mix > 0.0) & (mix < 1.0)
        if mixed.any() or (pure != pure[0]).any():
            return None
        return int(pure[0])


@dataclass(frozen=True)
class LayeredStylePlan:
    """A plan per layer of a ``LayeredStyleModel``, each with its own styles (the model's layer
    styles) and schedule; None keeps that layer's original pixels."""

    foreground: StylePlan | None
    background: StylePlan | None

    def __post_init__(self) -> None:
        layers = [plan for plan in (self.foreground, self.background) if plan is not None]
        if not layers:
            raise InputError("both 'none': give at least one layer a style",
                             fields=(("segmented.fg_style", None), ("segmented.bg_style", None)))
        if len({plan.schedule.frames for plan in layers}) > 1:
            raise ValueError(f"the layers' schedules cover different frame counts: "
                             f"{[plan.schedule.frames for plan in layers]}")

    @property
    def reference(self) -> StylePlan:
        """The foreground's plan, or the background's when the foreground is none: the layer whose
        styles evaluation measures against and whose schedule ``schedule`` gives."""
        return self.foreground if self.foreground is not None else self.background

    @property
    def schedule(self) -> StyleSchedule:
        """The reference layer's schedule (a plan's schedule table and per-frame evaluation use it)."""
        return self.reference.schedule

    @property
    def names(self) -> tuple[str, ...]:
        """For each style id of ``schedule``: the reference layer's style and what the other layer has."""
        if self.foreground is not None:
            other = _describe(self.background)
            return tuple(f"fg {name} / bg {other}" for name in _names(self.foreground))
        return tuple(f"fg {NO_STYLE} / bg {name}" for name in _names(self.background))


def _names(plan: StylePlan) -> tuple[str, ...]:
    return plan.names or tuple(str(k) for k in range(len(plan.styles)))


def _describe(plan: StylePlan | None) -> str:
    if plan is None:
        return NO_STYLE
    names, used = _names(plan), sorted(set(plan.schedule.runs))
    if len(used) > 1:
        return f"{len(used)} scheduled styles ({', '.join(names[k] for k in used)})"
    return names[used[0]]


def stylize_scheduled(
    model: StylizationModel,
    frames: np.ndarray,
    plan: StylePlan | LayeredStylePlan,
    start: int,
    *,
    strength: float = 1.0,
    sequence: FrameSequenceStylizer | None = None,
) -> np.ndarray:
    """Stylizes RGB uint8 (n, H, W, 3) frames ``[start, start + n)`` of the content as ``plan`` says.

    ``sequence``: the open sequence of a model with state across frames; it
    receives every frame, in order.
    """
    if isinstance(plan, LayeredStylePlan):
        return _stylize_layered(model, frames, plan, start, strength, sequence)
    end = start + len(frames)
    constant = plan.constant_style_id(start, end)
    if constant is not None:
        if sequence is not None:
            return sequence.stylize(frames, [plan.styles[constant]] * len(frames))
        return model.stylize(frames, plan.styles[constant], strength=strength)
    if sequence is None and isinstance(model, StyleEmbeddingModel) and _all_arrays(plan.styles):
        embeddings = plan.schedule.embeddings_for(start, end, np.stack(plan.styles))
        return model.stylize_with_embeddings(frames, embeddings, strength=strength)
    if isinstance(model, StyleMixingModel):
        per_frame = _mixed_styles(model, plan, start, end)
        if sequence is not None:
            return sequence.stylize(frames, per_frame)
        return np.concatenate([model.stylize(frames[i:i + 1], style, strength=strength)
                               for i, style in enumerate(per_frame)])
    if sequence is not None:
        raise ValueError(f"model {model.name!r} carries state across frames but cannot mix styles; "
                         "give it one style or implement mix_styles")
    return _blend_outputs(model, frames, plan, start, end, strength)


def _mixed_styles(model: StyleMixingModel, plan: StylePlan, start: int, end: int,
                  mix_styles: Callable[[list[Any], list[float]], Any] | None = None) -> list[Any]:
    """One style per frame of ``[start, end)``, mixed by ``mix_styles`` (default ``model.mix_styles``);
    frames with the same mix share one object."""
    schedule = plan.schedule
    mix_styles = mix_styles or model.mix_styles
    cache: dict[tuple[int, int, float], Any] = {}
    styles = []
    for a, b, mix in zip(schedule.style_a[start:end], schedule.style_b[start:end], schedule.mix[start:end]):
        key = (int(a), int(b), round(float(mix), 4))
        if key not in cache:
            cache[key] = (plan.styles[key[0]] if key[2] == 0.0 or key[0] == key[1]
                          else mix_styles([plan.styles[key[0]], plan.styles[key[1]]], [1 - key[2], key[2]]))
        styles.append(cache[key])
    return styles


def layered_styles_for(model: LayeredStyleModel, plan: LayeredStylePlan, start: int, end: int) -> list[Any]:
    """The model's style for each frame of ``[start, end)``: each layer's style at that frame (mixed
    in its own transitions), combined by ``model.layered_style``."""
    foreground = _layer_styles(model, plan.foreground, start, end)
    background = _layer_styles(model, plan.background, start, end)
    return [model.layered_style(fg, bg) for fg, bg in zip(foreground, background)]


def _layer_styles(model: LayeredStyleModel, plan: StylePlan | None, start: int, end: int) -> list[Any]:
    if plan is None:
        return [None] * (end - start)
    constant = plan.constant_style_id(start, end)
    if constant is not None:
        return [plan.styles[constant]] * (end - start)
    return _mixed_styles(model, plan, start, end, model.mix_layer_styles)


def _stylize_layered(model: StylizationModel, frames: np.ndarray, plan: LayeredStylePlan, start: int,
                     strength: float, sequence: FrameSequenceStylizer | None) -> np.ndarray:
    if not isinstance(model, LayeredStyleModel):
        raise InputError(f"a style per layer needs a model with layers (segmented); model {model.name!r} has none",
                         fields=(("segmented.fg_style", None), ("segmented.bg_style", None)))
    styles = layered_styles_for(model, plan, start, start + len(frames))
    if sequence is None and isinstance(model, VideoStylizationModel):
        sequence = model.open_sequence(styles[0], strength=strength, start_frame=start)
    if sequence is not None:
        return sequence.stylize(frames, styles)
    return np.concatenate([model.stylize(frames[i:i + 1], style, strength=strength) for i, style in enumerate(styles)])


def opening_style(model: StylizationModel, plan: StylePlan | LayeredStylePlan, frame: int) -> Any:
    """The model's style at content frame ``frame`` (for opening a sequence there)."""
    if isinstance(plan, LayeredStylePlan):
        return layered_styles_for(model, plan, frame, frame + 1)[0]
    return plan.styles[plan.constant_style_id(frame, frame + 1) or 0]


def _blend_outputs(model: StylizationModel, frames: np.ndarray, plan: StylePlan, start: int, end: int,
                   strength: float) -> np.ndarray:
    weights = plan.schedule.blend_weights_for(start, end)
    blended = np.zeros(frames.shape, np.float32)
    for style_id in np.flatnonzero(weights.any(axis=0)):
        rows = np.flatnonzero(weights[:, style_id] > 0)
        output = model.stylize(frames[rows], plan.styles[style_id], strength=strength)
        blended[rows] += weights[rows, style_id, None, None, None] * output
    return np.clip(np.rint(blended), 0, 255).astype(np.uint8)


def _all_arrays(styles: Sequence[Any]) -> bool:
    return all(isinstance(s, np.ndarray) for s in styles)


# --- Where styles come from, and which schedule applies them -------------------------------------

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif"})


@dataclass(frozen=True)
class StyleSources:
    """The user's ``--style`` arguments sorted out: still images, or one style video."""

    images: tuple[str, ...] = ()
    video: str | None = None


def classify_style_sources(paths: Sequence[str]) -> StyleSources:
    """Images by suffix, anything else is taken for a video; one video at most, never mixed with images."""
    if not paths:
        raise InputError("no style given; give a style image (several to mix) or a style video",
                         fields=(("style", None),))
    videos = [p for p in paths if Path(p).suffix.lower() not in IMAGE_SUFFIXES]
    if not videos:
        return StyleSources(images=tuple(paths))
    if len(paths) > 1:
        raise InputError(f"a style video must be the only style (got {len(paths)} styles); to combine "
                         "paintings give only images", fields=(("style", videos[0]),))
    return StyleSources(video=videos[0])


def localized(sources: StyleSources, local_paths: Sequence[str]) -> StyleSources:
    """The same sources with each path replaced by its local copy (``local_paths`` in ``--style`` order)."""
    if sources.video is not None:
        return StyleSources(video=local_paths[0])
    return StyleSources(images=tuple(local_paths))


def style_references(sources: StyleSources, weights: Sequence[float],
                     keyframes: KeyframeSet | None = None) -> list[StyleImage]:
    """The pictures a run's style is measured against: the keyframes of a style
    video (one per style id), else the style images with their weights."""
    if keyframes is not None:
        return [StyleImage(s.pixels, name=s.image) for s in keyframes.styles]
    return [StyleImage(load_image(p), w, name=p) for p, w in zip(sources.images, weights)]


def keyframes_schedule(keyframes: KeyframeSet, choice: ScheduleChoice, frames: int, fps: Fraction, *,
                       cuts: Sequence[int] = (), transition_seconds: float = DEFAULT_TRANSITION_SECONDS,
                       times: FrameTimes | None = None) -> StyleSchedule:
    """How a style video's styles spread over ``frames`` content frames.

    ``auto``/``proportional``: the style video's timeline stretched over the
    content's; ``scenes``: the style video's styles in order of appearance,
    the next one at each content cut; ``single``: the style shown longest.
    ``times``: the content's frame times when its rate varies (``info.frame_times``).
    """
    n = len(keyframes.styles)
    if choice in ("auto", "proportional"):
        return proportional_schedule(keyframes.segments, frames, fps, transition_seconds=transition_seconds,
                                     n_styles=n, times=times)
    if choice == "scenes":
        return scenes_schedule(keyframes.style_order(), cuts, frames, fps, n_styles=n, times=times)
    if choice == "single":
        shown = [sum(end - start for start, end in keyframes.ranges(s.id)) for s in keyframes.styles]
        return single_schedule(int(np.argmax(shown)), frames, fps, n_styles=n)
    raise InputError("a style video is scheduled by auto, proportional, scenes or single",
                     fields=(("schedule.schedule", choice),))


def images_style_schedule(n_images: int, choice: ScheduleChoice, frames: int, fps: Fraction, *,
                          cuts: Sequence[int] = (), transition_seconds: float = DEFAULT_TRANSITION_SECONDS,
                          times: FrameTimes | None = None) -> StyleSchedule | None:
    """How several style images spread over the content; None for ``auto``/``mix`` (one mixed style)."""
    if choice in ("auto", "mix") or n_images == 1:
        return None
    if choice == "proportional":
        return images_schedule(n_images, frames, fps, transition_seconds=transition_seconds, times=times)
    if choice == "scenes":
        return scenes_schedule(list(range(n_images)), cuts, frames, fps, n_styles=n_images, times=times)
    if choice == "single":
        return single_schedule(0, frames, fps, n_styles=n_images)
    raise InputError(f"choose from {', '.join(SCHEDULE_CHOICES)}", fields=(("schedule.schedule", choice),))


# --- Building plans --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StyleInput:
    """One layer's style as the user gave it, with its local files and, for a style video, its keyframes."""

    sources: StyleSources
    weights: tuple[float, ...]
    keyframes: KeyframeSet | None = None
    # This layer's own schedule; None follows the run's.
    schedule: ScheduleOptions | None = None

    @property
    def references(self) -> list[StyleImage]:
        return style_references(self.sources, self.weights, self.keyframes)


def build_style_plan(prepare: Callable[[list[StyleImage]], Any], sources: StyleSources, weights: Sequence[float],
                     keyframes: KeyframeSet | None, choice: ScheduleChoice, frames: int, fps: Fraction, *,
                     cuts: Sequence[int] = (), transition_seconds: float = DEFAULT_TRANSITION_SECONDS,
                     times: FrameTimes | None = None) -> StylePlan:
    """Prepared styles (``prepare(images)`` per style id) and their schedule over ``frames`` content frames
    (``times``: the content's frame times when its rate varies, so transitions last real seconds)."""
    if keyframes is not None:
        schedule = keyframes_schedule(keyframes, choice, frames, fps, cuts=cuts, transition_seconds=transition_seconds,
                                      times=times)
        styles = tuple(prepare([StyleImage(s.pixels, name=s.image)]) for s in keyframes.styles)
        return StylePlan(styles, schedule, tuple(s.image for s in keyframes.styles))
    images = style_references(sources, weights)
    schedule = images_style_schedule(len(images), choice, frames, fps, cuts=cuts, transition_seconds=transition_seconds,
                                     times=times)
    if schedule is None:
        return StylePlan((prepare(images),), single_schedule(0, frames, fps), ("+".join(sources.images),))
    return StylePlan(tuple(prepare([image]) for image in images), schedule, sources.images)


def build_layered_plan(model: LayeredStyleModel, foreground: StyleInput | None, background: StyleInput | None,
                       schedule: ScheduleOptions, frames: int, fps: Fraction, *,
                       cuts: Sequence[int] = (), times: FrameTimes | None = None) -> LayeredStylePlan:
    """A plan per layer (None: the layer keeps its original pixels), each following its own
    ``StyleInput.schedule``, or ``schedule`` when it has none; styles from ``model.prepare_layer_style``."""
    if foreground is None and background is None:
        raise InputError("both 'none': give at least one layer a style",
                         fields=(("segmented.fg_style", None), ("segmented.bg_style", None)))

    def plan(layer: StyleInput | None) -> StylePlan | None:
        if layer is None:
            return None
        settings = layer.schedule or schedule
        return build_style_plan(model.prepare_layer_style, layer.sources, layer.weights, layer.keyframes,
                                settings.schedule, frames, fps, cuts=cuts, transition_seconds=settings.transition,
                                times=times)

    return LayeredStylePlan(plan(foreground), plan(background))
