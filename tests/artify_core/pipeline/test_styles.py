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
    with pytest.raises(InputError, match="style paintings.mp4: a style video must be the only style"):
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


class LayeredColourModel(FlatColourModel):
    """A layered model over flat colours: the left half of a frame is its foreground, the right half its
    background; a frame's style is (foreground colour, background colour), None keeping that half."""

    name = "layered"
    version = "layered-1"

    def prepare_layer_style(self, images):
        return self.prepare_style(images)

    def mix_layer_styles(self, styles, weights):
        return sum(w * s for s, w in zip(styles, weights))

    def layered_style(self, foreground, background):
        return (foreground, background)

    def stylize(self, frames, style, *, strength=1.0):
        out, half = frames.copy(), frames.shape[2] // 2
        for colour, columns in zip(style, (slice(0, half), slice(half, None))):
            if colour is not None:
                out[:, :, columns] = np.rint(colour).astype(np.uint8)
        return out


GREEN, WHITE = np.array([0, 200.0, 0], np.float32), np.array([200.0, 200.0, 200.0], np.float32)


def test_each_layer_follows_its_own_schedule_even_through_overlapping_transitions():
    from artify_core.pipeline.styles import LayeredStylePlan

    foreground = two_style_plan()  # red to blue, the ramp over frames 20-30
    background = StylePlan((GREEN, WHITE, RED), images_schedule(3, 50, FPS, transition_seconds=0.4))
    plan, model = LayeredStylePlan(foreground, background), LayeredColourModel()
    frames = np.zeros((50, 4, 6, 3), np.uint8)
    out = np.concatenate([stylize_scheduled(model, frames[s:s + 8], plan, s) for s in range(0, 50, 8)])
    np.testing.assert_allclose(out[:, 0, 0], expected_colours(foreground), atol=1.0)
    np.testing.assert_allclose(out[:, 0, -1], expected_colours(background), atol=1.0)
    # Both layers are mid-transition, with different mixes, on some frames: no single schedule says that.
    fg_mix, bg_mix = foreground.schedule.mix, background.schedule.mix
    both = (fg_mix > 0) & (fg_mix < 1) & (bg_mix > 0) & (bg_mix < 1) & (fg_mix != bg_mix)
    assert both.sum() >= 2
    # What the schedule table and evaluation see: the foreground's schedule and names.
    assert plan.schedule is foreground.schedule
    assert plan.names == ("fg red / bg 3 scheduled styles (0, 1, 2)", "fg blue / bg 3 scheduled styles (0, 1, 2)")


def test_a_layer_may_keep_its_pixels_and_the_opening_style_is_the_first_frames():
    from artify_core.pipeline.styles import LayeredStylePlan, opening_style

    background = StylePlan((GREEN, WHITE), images_schedule(2, 50, FPS, transition_seconds=0))
    plan, model = LayeredStylePlan(None, background), LayeredColourModel()
    frames = np.full((4, 4, 6, 3), 7, np.uint8)
    out = stylize_scheduled(model, frames, plan, 46)
    assert np.all(out[:, :, :3] == 7) and np.all(out[:, :, 3:] == 200)
    assert plan.schedule is background.schedule and plan.names[0].startswith("fg none / bg ")
    fg, bg = opening_style(model, plan, 0)
    assert fg is None and bg is GREEN
    assert opening_style(model, two_style_plan(), 45) is BLUE
    with pytest.raises(InputError, match="both 'none'"):
        LayeredStylePlan(None, None)
    with pytest.raises(InputError, match="needs a model with layers"):
        stylize_scheduled(FlatColourModel(), frames, plan, 0)


def test_layered_plans_are_built_with_each_layers_own_schedule(tmp_path):
    from PIL import Image

    from artify_core.pipeline.styles import StyleInput, StyleSources, build_layered_plan
    from artify_core.settings import ScheduleOptions

    paths = []
    for name, colour in (("red", RED), ("blue", BLUE), ("green", GREEN)):
        paths.append(str(tmp_path / f"{name}.png"))
        Image.fromarray(np.full((8, 8, 3), colour, np.uint8)).save(paths[-1])
    foreground = StyleInput(StyleSources(images=tuple(paths[:2])), (1.0, 1.0),
                            schedule=ScheduleOptions(schedule="proportional", transition=0.2))
    background = StyleInput(StyleSources(images=(paths[2],)), (1.0,))
    plan = build_layered_plan(LayeredColourModel(), foreground, background, ScheduleOptions(), 50, FPS)
    assert plan.foreground.schedule.runs == (0, 1) and plan.foreground.schedule.transitions[0].width == 5.0
    assert plan.background.schedule.runs == (0,)
    np.testing.assert_allclose(plan.background.styles[0], GREEN)
    # Without its own schedule the foreground follows the run's: two images mix into one style.
    mixed = build_layered_plan(LayeredColourModel(), StyleInput(foreground.sources, foreground.weights), None,
                               ScheduleOptions(), 50, FPS)
    assert len(mixed.foreground.styles) == 1 and mixed.background is None
    with pytest.raises(InputError, match="both 'none'"):
        build_layered_plan(LayeredColourModel(), None, None, ScheduleOptions(), 50, FPS)


def test_each_layer_takes_its_own_schedule_where_given():
    from artify_core.settings import ScheduleOptions, SegmentedOptions

    run = ScheduleOptions(schedule="scenes", transition=0.5)
    layers = SegmentedOptions(fg_schedule="proportional", bg_transition=2.0)
    assert layers.layer_schedule("fg", run) == ScheduleOptions(schedule="proportional", transition=0.5)
    assert layers.layer_schedule("bg", run) == ScheduleOptions(schedule="scenes", transition=2.0)
    assert SegmentedOptions().layer_schedule("fg", run) == run
