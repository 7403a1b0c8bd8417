"""The segmented model: layers, 'none', per-frame styles, sequences with cuts and warm-up, and bigbuckbunny.

Most tests use a solid-colour base model (a real ``StylizationModel``, whose
output is trivially predictable) and masks from a source that serves known
masks, so each checks the segmented model's own mechanics.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pytest

from artify_core.errors import InputError
from artify_core.models import MODELS, load_model
from artify_core.models.base import StyleImage, StyleMixingModel, VideoStylizationModel
from artify_core.models.segmented.model import LayeredStyle, SegmentedStylizer, segmented
from tests.artify_core.segmentation.conftest import iou, moving_subject


class SolidColour:
    """Paints every frame in the mean colour of the style images; a style is that colour, uint8 (3,)."""

    name = "solid"
    version = "solid-1"

    def prepare_style(self, images: Sequence[StyleImage]) -> np.ndarray:
        return np.mean([image.pixels.reshape(-1, 3).mean(0) for image in images], axis=0).round().astype(np.uint8)

    def stylize(self, frames: np.ndarray, style: np.ndarray, *, strength: float = 1.0) -> np.ndarray:
        return np.broadcast_to(np.asarray(style, np.uint8), frames.shape).copy()


class KnownMasks:
    """Serves ``truth[frame]`` for each frame it is fed; records resets (a ``MaskSource``)."""

    name = "known"

    def __init__(self, truth: np.ndarray):
        self.truth, self.resets, self.fed = truth.astype(np.float32), [], []
        self.reset()

    def reset(self, start_frame: int = 0) -> None:
        self.position = start_frame
        self.resets = [*self.resets, start_frame]  # rebinds: a copy's resets stay its own

    def masks(self, frames: np.ndarray) -> np.ndarray:
        self.fed = [*self.fed, *range(self.position, self.position + len(frames))]
        out = self.truth[self.position:self.position + len(frames)]
        self.position += len(frames)
        return out


def _style(colour: tuple[int, int, int]) -> list[StyleImage]:
    return [StyleImage(np.full((8, 8, 3), colour, np.uint8))]


RED, BLUE = (250, 10, 10), (10, 10, 250)


@pytest.fixture(scope="module")
def scene() -> tuple[np.ndarray, np.ndarray]:
    return moving_subject(count=12, width=120)


def _model(truth: np.ndarray, **kwargs) -> SegmentedStylizer:
    kwargs.setdefault("composite", "hard")
    kwargs.setdefault("stabilize", 0.0)
    return segmented(base=SolidColour(), mask=KnownMasks(truth), **kwargs)


def test_registered_and_implements_the_protocols(scene):
    model = load_model("segmented", base=SolidColour(), mask=KnownMasks(scene[1]), composite="blur")
    assert "segmented" in MODELS
    assert isinstance(model, VideoStylizationModel) and isinstance(model, StyleMixingModel)
    assert model.version.startswith("segmented-") and "solid-1" in model.version and "blur" in model.version


def test_foreground_styled_background_none_keeps_original_pixels(scene):
    frames, truth = scene
    model = _model(truth)
    out = model.stylize(frames, model.prepare_layered_style(_style(RED), None))
    assert np.all(out[truth] == RED)
    np.testing.assert_array_equal(out[~truth], frames[~truth])


def test_prepare_style_styles_both_layers_alike(scene):
    frames, truth = scene
    model = _model(truth)
    style = model.prepare_style(_style(BLUE))
    assert isinstance(style, LayeredStyle) and style.foreground is style.background
    assert np.all(model.stylize(frames, style) == BLUE)


def test_two_styles_meet_at_the_mask_edge(scene):
    frames, truth = scene
    model = _model(truth, composite="feather", feather_radius=2)
    out = model.stylize(frames, model.prepare_layered_style(_style(RED), _style(BLUE)))
    assert np.all(out[5, 30:42, 24:36] == RED) and np.all(out[5, 0:10] == BLUE)
    edge = out[5, 36, 4 + 15 + 18:4 + 15 + 22]  # across the square's right edge at frame 5
    assert len({tuple(p) for p in edge}) > 2  # intermediate colours between RED and BLUE


def test_per_frame_styles_and_none_per_frame(scene):
    frames, truth = scene
    model = _model(truth)
    red, blue = model.prepare_layered_style(_style(RED), None), model.prepare_layered_style(_style(BLUE), None)
    keep = LayeredStyle(None, red.foreground)
    styles = [red, blue, keep, red]
    out = model.open_sequence(red).stylize(frames[:4], styles)
    assert np.all(out[0][truth[0]] == RED) and np.all(out[1][truth[1]] == BLUE)
    np.testing.assert_array_equal(out[2][truth[2]], frames[2][truth[2]])
    assert np.all(out[2][~truth[2]] == RED)


def test_sequence_resets_masks_at_cuts_and_keeps_state_across_batches(scene):
    frames, truth = scene
    model = _model(truth)
    sequence = model.open_sequence(model.prepare_style(_style(RED)), start_frame=2, cuts=[5, 9])
    for begin in (2, 6):
        sequence.stylize(frames[begin:begin + 4])
    assert sequence.source.resets == [0, 2, 5, 9]  # built, opened at 2, then the two cuts
    assert sequence.source.fed == list(range(2, 10)) and sequence.frame == 10
    assert model.mask_source.resets == [0]  # the configured source is untouched: sequences own copies


def test_warm_up_feeds_masks_only_and_starts_at_the_last_cut(scene):
    frames, truth = scene
    model = _model(truth)
    sequence = model.open_sequence(model.prepare_style(_style(RED)), start_frame=8, cuts=[6])
    sequence.warm_up(frames[4:8])
    assert sequence.source.fed == [6, 7] and sequence.source.resets[-1] == 6
    out = sequence.stylize(frames[8:10])
    assert sequence.source.fed == [6, 7, 8, 9] and out.shape == (2, *frames.shape[1:])
    with pytest.raises(InputError, match="warm_up must come before"):
        sequence.warm_up(frames[:2])


def test_mix_styles_mixes_each_layer_and_refuses_none_with_a_style(scene):
    model = _model(scene[1])
    a = LayeredStyle(np.array([0, 0, 0], np.uint8), None)
    b = LayeredStyle(np.array([200, 100, 0], np.uint8), None)
    mixed = model.mix_styles([a, b], [0.5, 0.5])
    np.testing.assert_allclose(mixed.foreground, [100, 50, 0])
    assert mixed.background is None
    with pytest.raises(InputError, match="cannot mix a foreground style with 'none'"):
        model.mix_styles([a, LayeredStyle(None, None)], [0.5, 0.5])


def test_bad_arguments_are_input_errors(scene):
    frames, truth = scene
    model = _model(truth)
    with pytest.raises(InputError, match="needs a LayeredStyle"):
        model.stylize(frames, np.zeros(3, np.uint8))
    with pytest.raises(InputError, match="both layers are 'none'"):
        model.prepare_layered_style(None, None)
    with pytest.raises(InputError, match="unknown composite mode"):
        segmented(base=SolidColour(), mask=KnownMasks(truth), composite="cutout")
    with pytest.raises(InputError, match="cannot be its own base"):
        segmented(base="segmented")
    with pytest.raises(InputError, match="one LayeredStyle per frame"):
        model.open_sequence(model.prepare_style(_style(RED))).stylize(frames[:3], [model.prepare_style(_style(RED))])


def test_embedding_styles_per_frame_match_stylizing_frame_by_frame(stylizer, media_pixels):
    frames, truth = moving_subject(count=3, height=64, width=96, side=24)
    model = segmented(base=stylizer, mask=KnownMasks(truth), composite="hard", stabilize=0.0)
    wave = model.prepare_layered_style([StyleImage(media_pixels("style/wave.jpg"))], None)
    udnie = model.prepare_layered_style([StyleImage(media_pixels("style/udnie.jpg"))], None)
    styles = [wave, udnie, wave]
    together = model.open_sequence(wave).stylize(frames, styles)
    for i, style in enumerate(styles):
        alone = stylizer.stylize(frames[i:i + 1], style.foreground)[0]
        # A batch of 3 and a batch of 1 may round one pixel differently (float sums in another order).
        assert np.abs(together[i][truth[i]].astype(int) - alone[truth[i]]).max() <= 1
        np.testing.assert_array_equal(together[i][~truth[i]], frames[i][~truth[i]])


@pytest.mark.slow
def test_bigbuckbunny_motion_masks_find_the_character(bunny, stylizer, media_pixels):
    from artify_core.video import read_frames

    frames = read_frames(bunny, end=48, height=144)  # 256x144
    model = segmented(base=stylizer, mask="motion", composite="feather", feather_radius=3)
    style = model.prepare_layered_style([StyleImage(media_pixels("style/wave.jpg"))], None)
    sequence = model.open_sequence(style)
    masks = []
    for begin in range(0, 48, 8):
        out = sequence.stylize(frames[begin:begin + 8])
        masks.append(sequence.last_masks)
    masks = np.concatenate(masks) >= 0.5
    # From frame 25 to 47 the character (ears and arms included) stays within x 6–60 %, y 0–90 % of
    # the frame (boxes drawn by eye on frames 25 and 40); the rest is grass, rocks and sky.
    character = np.zeros(masks.shape[1:], bool)
    character[:round(0.9 * 144), round(0.06 * 256):round(0.6 * 256)] = True
    for mask in masks[25:]:
        assert 0.03 < mask.mean() < 0.45
        assert (mask & character).sum() / mask.sum() > 0.85
    assert np.mean([iou(a, b) for a, b in zip(masks[26:], masks[25:-1])]) > 0.85
    last = masks[-1]
    assert np.abs(out[-1].astype(int) - frames[-1].astype(int))[last].mean() > 10  # the character is stylized
    far = ~_grow(last, 3)  # background beyond the 3-pixel feather: the original pixels ('none')
    np.testing.assert_array_equal(out[-1][far], frames[-1][far])


def _grow(mask: np.ndarray, pixels: int) -> np.ndarray:
    import cv2

    return cv2.dilate(mask.astype(np.uint8), np.ones((2 * pixels + 1, 2 * pixels + 1), np.uint8)) > 0


class Negative:
    """Inverts every frame: an output that depends on each input pixel, so what a layer was shown shows."""

    name = "negative"
    version = "negative-1"

    def prepare_style(self, images: Sequence[StyleImage]) -> np.ndarray:
        return np.zeros(3, np.float32)

    def stylize(self, frames: np.ndarray, style: np.ndarray, *, strength: float = 1.0) -> np.ndarray:
        return 255 - frames


class Grid(Negative):
    """Draws black lines every 6 pixels: a pattern of fixed size, so a crop's zoom shows in the output."""

    name = "grid"

    def stylize(self, frames: np.ndarray, style: np.ndarray, *, strength: float = 1.0) -> np.ndarray:
        out = frames.copy()
        out[:, ::6] = 0
        out[:, :, ::6] = 0
        return out


def _run(model: SegmentedStylizer, frames: np.ndarray, start: int = 0, warm: int | None = None,
         batch: int = 4) -> np.ndarray:
    """Frames ``start ..`` through one sequence in batches, after ``warm`` context frames (all before ``start``)."""
    style = model.prepare_style([StyleImage(np.zeros((4, 4, 3), np.uint8))])
    sequence = model.open_sequence(style, start_frame=start)
    if warm is not None:
        context = frames[start - warm:start]
        sequence.warm_up_stream([context[i:i + batch] for i in range(0, len(context), batch)], start - warm)
    return np.concatenate([sequence.stylize(frames[i:i + batch]) for i in range(start, len(frames), batch)])


@pytest.mark.parametrize("mode", ["inpaint", "resize"])
def test_stateful_modes_resume_from_warm_up_context_as_one_pass_would(mode):
    frames, truth = moving_subject(count=20, width=120, step=3)
    # A subject that grows: the steady crop box lags it, a box started cold does not.
    for t in range(20):
        truth[t, 26:26 + 20 + t, 4 + 3 * t:4 + 3 * t + 20 + t] = True
    truth = truth.astype(np.float32)
    base = Negative() if mode == "inpaint" else Grid()
    model = segmented(base=base, mask=KnownMasks(truth), composite=mode, stabilize=0.0, feather_radius=2)
    whole = _run(model, frames)
    resumed = _run(model, frames, start=10, warm=10)
    cold = _run(model, frames, start=10)
    np.testing.assert_array_equal(resumed, whole[10:])
    assert np.abs(cold.astype(int) - whole[10:]).max() > 20  # the state matters: without context it differs


class RecordingNegative(Negative):
    def __init__(self):
        self.inputs: list[np.ndarray] = []

    def stylize(self, frames: np.ndarray, style: np.ndarray, *, strength: float = 1.0) -> np.ndarray:
        self.inputs.append(frames.copy())
        return super().stylize(frames, style)


def test_inpaint_background_layer_sees_the_plate_and_restarts_at_cuts(scene):
    from tests.artify_core.segmentation.conftest import texture

    frames, truth = scene
    base = RecordingNegative()
    model = segmented(base=base, mask=KnownMasks(truth), composite="inpaint", stabilize=0.0, feather_radius=0)
    style = LayeredStyle(None, np.zeros(3, np.float32))  # only the background is stylized
    sequence = model.open_sequence(style, cuts=[8])
    out = np.concatenate([sequence.stylize(frames[i:i + 4]) for i in range(0, 8, 4)])
    np.testing.assert_array_equal(out[~truth[:8]], 255 - frames[:8][~truth[:8]])
    np.testing.assert_array_equal(out[truth[:8]], frames[:8][truth[:8]])  # the foreground keeps its pixels
    # Frame 7's subject hides background the earlier frames showed: the layer was given that background.
    given, background = base.inputs[-1][-1], texture(*frames.shape[1:3])
    seen = truth[7] & sequence.plate.seen
    assert seen.sum() > 0.5 * truth[7].sum()
    np.testing.assert_array_equal(given[seen], background[seen])
    sequence.stylize(frames[8:12])
    fresh = model.open_sequence(style, start_frame=8, cuts=[8])
    fresh.stylize(frames[8:12])
    np.testing.assert_array_equal(fresh.plate.seen, sequence.plate.seen)  # the cut restarted the plate


def test_new_options_are_validated_and_change_the_version(scene):
    truth = scene[1]
    base = dict(base=SolidColour(), mask=KnownMasks(truth))
    with pytest.raises(InputError, match="unknown inpaint_method"):
        segmented(**base, inpaint_method="fast")
    with pytest.raises(InputError, match="crop_smoothing must be in"):
        segmented(**base, crop_smoothing=1.0)
    versions = {segmented(**base, composite="inpaint").version, segmented(**base, composite="inpaint",
                temporal_inpaint=False).version, segmented(**base, composite="inpaint", inpaint_method="ns").version,
                segmented(**base, composite="inpaint", inpaint_foreground=True).version,
                segmented(**base, composite="resize", crop_smoothing=0.0).version}
    assert len(versions) == 5


def test_layer_styles_prepare_mix_and_combine(scene):
    from artify_core.models.base import LayeredStyleModel

    model = _model(scene[1])
    assert isinstance(model, LayeredStyleModel)
    red, blue = model.prepare_layer_style(_style(RED)), model.prepare_layer_style(_style(BLUE))
    np.testing.assert_array_equal(red, RED)
    style = model.layered_style(model.mix_layer_styles([red, blue], [0.5, 0.5]), None)
    assert isinstance(style, LayeredStyle) and style.background is None
    np.testing.assert_allclose(style.foreground, [130, 10, 130])
