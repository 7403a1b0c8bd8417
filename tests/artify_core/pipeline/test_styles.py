"""Style plans: where styles come from, and how scheduled styles reach the pixels."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from artify_core.errors import InputError
from artify_core.keyframes.keyframe_set import KeyframeSet, KeyframeStyle, StyleSegment
from artify_core.keyframes.schedule import images_schedule, proportional_schedule, single_schedule
from artify_core.pipeline.styles import (
    StylePlan,
    classify_style_sources,
    images_style_schedule,
    keyframes_schedule,
    stylize_scheduled,
)

FPS = Fraction(25)


class FlatColourModel:
    """Paints every frame in its style's colour: a style is an RGB float triple.

    Blending outputs and mixing styles then give exactly predictable pixels.
    """

    name = "flat"
    version = "flat-1"

    def __init__(self):
        self.calls: list[int] = []

    def prepare_style(self, images):
        return np.asarray(images[0].pixels.reshape(-1, 3).mean(axis=0), np.float32)

    def stylize(self, frames, style, *, strength=1.0):
        self.calls.append(len(frames))
        return np.broadcast_to(np.rint(style).astype(np.uint8), frames.shape).copy()


class MixingColourModel(FlatColourModel):
    def mix_styles(self, styles, weights):
        return sum(w * s for s, w in zip(styles, weights))


class EmbeddingColourModel(FlatColourModel):
    """Its style space is the colour itself: interpolated embeddings are mixed colours."""

    embedding_dim = 3

    def embed_style(self, images):
        return np.stack([self.prepare_style([type("S", (), {"pixels": i})]) for i in images])

    def stylize_with_embeddings(self, frames, embeddings, *, strength=1.0):
        self.calls.append(-len(frames))
        return np.rint(np.broadcast_to(embeddings[:, None, None, :], frames.shape)).astype(np.uint8)


RED, BLUE = np.array([200.0, 0, 0], np.float32), np.array([0, 0, 200.0], np.float32)


def two_style_plan(frames: int = 50, transition_seconds: float = 0.4) -> StylePlan:
    segments = [StyleSegment(0, 10, 0), StyleSegment(10, 20, 1)]
    schedule = proportional_schedule(segments, frames, FPS, transition_seconds=transition_seconds)
    return StylePlan((RED, BLUE), schedule, ("red", "blue"))


def expected_colours(plan: StylePlan) -> np.ndarray:
    weights = plan.schedule.blend_weights_for(0, plan.schedule.frames)
    return weights @ np.stack(plan.styles)


@pytest.mark.parametrize("model_class", [FlatColourModel, MixingColourModel, EmbeddingColourModel],
                         ids=["blend-outputs", "mix-styles", "interpolate-embeddings"])
def test_every_mixing_method_gives_the_scheduled_mix(model_class):
    plan, model = two_style_plan(), model_class()
    frames = np.zeros((50, 4, 6, 3), np.uint8)
    out = np.concatenate([stylize_scheduled(model, frames[s:s + 8], plan, s) for s in range(0, 50, 8)])
    colours = out[:, 0, 0].astype(float)
    np.testing.assert_allclose(colours, expected_colours(plan), atol=1.0)
    ramp = (plan.schedule.mix > 0) & (plan.schedule.mix < 1)
    assert ramp.sum() == 10  # 0.4 s at 25 fps: truly intermediate frames exist
    assert np.all(np.diff(colours[ramp, 2]) > 0) and np.all(np.diff(colours[ramp, 0]) < 0)


def test_constant_runs_take_the_single_style_path():
    plan, model = two_style_plan(), EmbeddingColourModel()
    stylize_scheduled(model, np.zeros((8, 4, 6, 3), np.uint8), plan, 0)  # frames 0-7: red only
    assert model.calls == [8]
    assert plan.constant_style_id(0, 8) == 0
    assert plan.constant_style_id(20, 28) is None  # the ramp is centred on frame 25
    assert plan.constant_style_id(42, 50) == 1


def test_sequence_models_must_mix_styles_to_follow_a_schedule():
    class Sequence:
        def stylize(self, frames, styles=None):
            return frames

    with pytest.raises(ValueError, match="cannot mix styles"):
        stylize_scheduled(FlatColourModel(), np.zeros((8, 4, 6, 3), np.uint8), two_style_plan(), 20,
                          sequence=Sequence())


def test_plan_needs_every_scheduled_style():
    with pytest.raises(ValueError, match="refers to 2 styles"):
        StylePlan((RED,), images_schedule(2, 10, FPS))


def test_classify_style_sources():
    assert classify_style_sources(["a.jpg", "b.PNG"]).images == ("a.jpg", "b.PNG")
    assert classify_style_sources(["paintings.mp4"]).video == "paintings.mp4"
    with pytest.raises(InputError, match="must be the only --style"):
        classify_style_sources(["paintings.mp4", "a.jpg"])
    with pytest.raises(InputError, match="no style given"):
        classify_style_sources([])


def keyframe_set() -> KeyframeSet:
    pixels = np.zeros((8, 8, 3), np.uint8)
    styles = tuple(KeyframeStyle(i, 5 + 10 * i, f"style_{i:03d}.png", pixels, np.zeros(3, np.float32))
                   for i in range(2))
    # Style 1 shows for 20 frames in all, style 0 for 10.
    segments = (StyleSegment(0, 10, 0), StyleSegment(10, 20, 1), StyleSegment(20, 30, 1))
    return KeyframeSet("style.mp4", FPS, 30, segments, styles)


def test_keyframes_schedules():
    keyframes = keyframe_set()
    proportional = keyframes_schedule(keyframes, "auto", 60, FPS, transition_seconds=0)
    assert proportional.runs == (0, 1) and proportional.transitions[0].at == 20.0
    scenes = keyframes_schedule(keyframes, "scenes", 60, FPS, cuts=[15, 40])
    assert scenes.runs == (0, 1, 0)
    single = keyframes_schedule(keyframes, "single", 60, FPS)
    assert single.runs == (1,) and single.n_styles == 2  # the style shown longest
    with pytest.raises(InputError):
        keyframes_schedule(keyframes, "mix", 60, FPS)


def test_images_schedules():
    assert images_style_schedule(3, "auto", 60, FPS) is None  # several images mix by default
    assert images_style_schedule(1, "proportional", 60, FPS) is None
    assert images_style_schedule(3, "proportional", 60, FPS).runs == (0, 1, 2)
    assert images_style_schedule(2, "scenes", 60, FPS, cuts=[30]).runs == (0, 1)
    assert images_style_schedule(2, "single", 60, FPS) == single_schedule(0, 60, FPS, n_styles=2)


def test_layer_plans_combine_with_one_changing_layer():
    from artify_core.pipeline.styles import combine_layer_plans

    scheduled = StylePlan(("a", "b"), images_schedule(2, 50, FPS), ("a.jpg", "b.jpg"))
    fixed = StylePlan(("c",), single_schedule(0, 50, FPS), ("c.jpg",))
    combined = combine_layer_plans(lambda fg, bg: (fg, bg), scheduled, fixed)
    assert combined.styles == (("a", "c"), ("b", "c")) and combined.schedule is scheduled.schedule
    kept = combine_layer_plans(lambda fg, bg: (fg, bg), None, scheduled)
    assert kept.styles == ((None, "a"), (None, "b"))
    with pytest.raises(InputError, match="only one layer"):
        combine_layer_plans(lambda fg, bg: (fg, bg), scheduled, scheduled)
    with pytest.raises(InputError, match="both 'none'"):
        combine_layer_plans(lambda fg, bg: (fg, bg), None, None)
