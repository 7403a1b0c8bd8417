"""evaluate_video on generated videos (random backbone), and end to end on bikes.mp4 with the arbitrary model."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from artify_core.errors import InputError
from artify_core.metrics.figures import LABEL_HEIGHT
from artify_core.metrics.report import ContactSampler, evaluate_video
from artify_core.video import VideoWriter, read_frames

pytest.importorskip("cv2")

MEDIA = Path(__file__).resolve().parents[3] / ".." / "shared" / "media"
SUMMARY_KEYS = {"frames", "warping_error", "warping_error_content", "warping_error_ratio", "style_distance", "ssim"}


def write_video(path: Path, frames: np.ndarray) -> Path:
    with VideoWriter(path, width=frames.shape[2], height=frames.shape[1], fps=Fraction(25), crf=0,
                     preset="ultrafast") as writer:
        writer.write(frames)
    return path


@pytest.fixture(scope="module")
def videos(tmp_path_factory, make_texture):
    directory = tmp_path_factory.mktemp("evaluate")
    canvas = make_texture(64, 96 + 2 * 12)
    content = np.stack([canvas[:, 2 * t:2 * t + 96] for t in range(12)])
    flicker = np.random.default_rng(0).normal(0, 20, (12, 1, 1, 3))
    stylized = np.clip(255 - content.astype(float) + flicker, 0, 255).astype(np.uint8)
    return write_video(directory / "content.mp4", content), write_video(directory / "stylized.mp4", stylized)


def test_json_has_every_summary_number_and_per_frame_arrays(videos, backbone, make_texture, tmp_path):
    content, stylized = videos
    result = evaluate_video(stylized, content, [make_texture(64, 64, seed=4)], backbone=backbone,
                            batch_frames=5, report_dir=tmp_path / "report")
    data = json.loads(result.to_json())
    assert SUMMARY_KEYS <= data.keys()
    for key in SUMMARY_KEYS:
        assert isinstance(data[key], (int, float)), key
    assert data["frames"] == 12 and data["warping_error_ratio"] > 3  # flicker is less stable than the source
    for key in ("warping_error", "warping_error_content", "ssim", "style_distance"):
        assert len(data["per_frame"][key]) == 12
    assert data["per_frame"]["warping_error"][0] is None  # frame 0 has no predecessor
    assert data["seconds_per_frame"] > 0


def test_report_directory_holds_the_plot_sheet_and_markdown(videos, backbone, make_texture, tmp_path):
    content, stylized = videos
    result = evaluate_video(stylized, content, [make_texture(64, 64, seed=4)], backbone=backbone,
                            report_dir=tmp_path / "report", contact_frames=3)
    files = result.report
    assert json.loads(files.json.read_text())["frames"] == 12
    with Image.open(files.plot) as plot, Image.open(files.contact_sheet) as sheet:
        assert plot.format == "PNG" and plot.width > 400
        assert sheet.size == (960, 3 * (320 + LABEL_HEIGHT))  # three rows of content | stylized at 480 px
    markdown = files.markdown.read_text()
    assert "per_frame.png" in markdown and "contact_sheet.png" in markdown and "warping-error ratio" in markdown


def test_identical_videos_have_ratio_one_and_ssim_one(videos, backbone, make_texture):
    content, _ = videos
    result = evaluate_video(content, content, [make_texture(64, 64, seed=4)], backbone=backbone)
    assert result.warping_error_ratio == pytest.approx(1.0)
    assert result.ssim == pytest.approx(1.0)


def test_videos_of_different_lengths_are_rejected(videos, backbone, make_texture, tmp_path):
    content, stylized = videos
    short = write_video(tmp_path / "short.mp4", np.zeros((5, 64, 96, 3), np.uint8))
    with pytest.raises(InputError, match="has 5 frames but"):
        evaluate_video(short, content, [make_texture(64, 64)], backbone=backbone)


def test_contact_sampler_keeps_only_the_sampled_frames():
    sampler = ContactSampler(frames=10, count=3)
    for start in range(0, 10, 4):
        values = np.arange(start, min(start + 4, 10), dtype=np.uint8)
        batch = values[:, None, None, None] * np.ones((1, 2, 2, 3), np.uint8)
        sampler.offer(batch, batch)
    assert [s.frame for s in sampler.samples] == [0, 4, 9]
    assert [int(s.content[0, 0, 0]) for s in sampler.samples] == [0, 4, 9]


@pytest.mark.slow
def test_end_to_end_on_bikes_with_the_arbitrary_model(tmp_path):
    from artify_core.errors import WeightsUnavailableError
    from artify_core.images import load_image
    from artify_core.models import StyleImage, load_model
    from artify_core.temporal.smoothing import smooth_frames
    from artify_core.video import read_frames

    bikes, starry = MEDIA / "content" / "bikes.mp4", MEDIA / "style" / "starrynight.jpg"
    if not bikes.exists() or not starry.exists():
        pytest.skip(f"shared media not found under {MEDIA.resolve()}")
    try:
        model = load_model("arbitrary", device="cpu")
    except WeightsUnavailableError as exc:
        pytest.skip(str(exc))
    content = read_frames(bikes, end=10)
    stylized = model.stylize(content, model.prepare_style([StyleImage(load_image(starry))]))
    smoothed = smooth_frames(content, stylized)
    clip = write_video(tmp_path / "content.mp4", content)
    raw = evaluate_video(write_video(tmp_path / "raw.mp4", stylized), clip, [starry], report_dir=tmp_path / "raw")
    smooth = evaluate_video(write_video(tmp_path / "smooth.mp4", smoothed), clip, [starry])
    assert raw.frames == 10 and raw.warping_error_ratio > 3  # per-frame stylization flickers
    assert smooth.warping_error_ratio < 0.6 * raw.warping_error_ratio
    assert smooth.style_distance < 1.1 * raw.style_distance and smooth.ssim > raw.ssim - 0.01
    assert raw.style_distance_embedding is not None and raw.report.contact_sheet.exists()


def test_an_excerpt_is_evaluated_against_its_part_of_the_content(videos, backbone, make_texture, tmp_path):
    content, _ = videos
    frames = read_frames(content)
    excerpt = write_video(tmp_path / "excerpt.mp4", frames[4:])
    result = evaluate_video(excerpt, content, [make_texture(64, 64, seed=4)], backbone=backbone, content_start=4)
    assert result.frames == len(frames) - 4 and result.ssim > 0.9  # matched with frames 4.., not 0..
    np.testing.assert_allclose(result.per_frame.seconds, np.arange(result.frames) / 25)
    with pytest.raises(InputError, match="after frame 2"):
        evaluate_video(excerpt, content, [make_texture(64, 64)], backbone=backbone, content_start=2)
