"""File masks: a folder of PNGs and a mask video, read in order from any start frame."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from artify_core.errors import InputError
from artify_core.segmentation.masks import load_mask_source
from artify_core.segmentation.masks.file import FileMasks
from tests.artify_core.segmentation.conftest import moving_subject


@pytest.fixture(scope="module")
def truth() -> np.ndarray:
    return moving_subject(count=10, height=48, width=64, side=12)[1]


@pytest.fixture(scope="module")
def png_folder(tmp_path_factory, truth) -> Path:
    folder = tmp_path_factory.mktemp("masks_png")
    for i, mask in enumerate(truth):
        Image.fromarray(mask.astype(np.uint8) * 255).save(folder / f"mask_{i:04d}.png")
    return folder


@pytest.fixture(scope="module")
def mask_video(tmp_path_factory, truth) -> Path:
    from artify_core.video import VideoWriter

    path = tmp_path_factory.mktemp("masks_video") / "masks.mp4"
    grey = np.repeat(truth[..., None].astype(np.uint8) * 255, 3, axis=-1)
    with VideoWriter(path, width=64, height=48, fps=Fraction(25), crf=0, preset="ultrafast") as writer:
        writer.write(grey)
    return path


def _frames(count: int, height: int = 48, width: int = 64) -> np.ndarray:
    return np.zeros((count, height, width, 3), np.uint8)


def test_png_folder_masks_come_back_exactly_in_order(png_folder, truth):
    source = load_mask_source(f"file:{png_folder}")
    assert isinstance(source, FileMasks) and source.frames == 10
    masks = np.concatenate([source.masks(_frames(4)), source.masks(_frames(6))])
    np.testing.assert_array_equal(masks, truth.astype(np.float32))


def test_reset_seeks_to_the_start_frame(png_folder, mask_video, truth):
    for path in (png_folder, mask_video):
        source = load_mask_source(f"file:{path}")
        source.masks(_frames(3))
        source.reset(start_frame=6)
        masks = source.masks(_frames(3))
        assert np.abs(masks - truth[6:9]).mean() < 0.02, path


def test_mask_video_matches_the_truth_within_codec_error(mask_video, truth):
    masks = load_mask_source(f"file:{mask_video}").masks(_frames(10))
    assert masks.dtype == np.float32 and masks.shape == truth.shape
    assert np.array_equal(masks >= 0.5, truth)


def test_masks_of_another_size_are_resized_to_the_frames(png_folder, truth):
    masks = load_mask_source(f"file:{png_folder}").masks(_frames(2, 96, 128))
    assert masks.shape == (2, 96, 128)
    assert masks[0, 2 * 26 + 4:2 * 38 - 4, 2 * 4 + 4:2 * 16 - 4].min() == 1.0


def test_alpha_channel_is_the_mask_when_it_is_not_opaque(tmp_path, truth):
    rgba = np.zeros((48, 64, 4), np.uint8)
    rgba[..., :3] = 255  # white everywhere: only the alpha says where the subject is
    rgba[..., 3] = truth[0] * 255
    Image.fromarray(rgba, "RGBA").save(tmp_path / "0.png")
    np.testing.assert_array_equal(load_mask_source(f"file:{tmp_path}").masks(_frames(1))[0], truth[0])


def test_too_few_masks_is_an_error_naming_the_path(png_folder):
    source = load_mask_source(f"file:{png_folder}")
    with pytest.raises(InputError, match="holds 10 masks.*up to 11"):
        source.masks(_frames(12))


def test_missing_path_and_empty_folder_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        load_mask_source(f"file:{tmp_path / 'nope'}")
    with pytest.raises(InputError, match="no .png files"):
        load_mask_source(f"file:{tmp_path}")
    with pytest.raises(InputError, match="file:PATH"):
        load_mask_source("file")
    with pytest.raises(InputError, match="unknown mask source 'magic'"):
        load_mask_source("magic")
