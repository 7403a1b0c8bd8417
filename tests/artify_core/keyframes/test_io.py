import json
from fractions import Fraction

import numpy as np
import pytest
from PIL import Image

from artify_core.errors import InputError
from artify_core.keyframes import io as keyframes_io
from artify_core.keyframes.io import load_keyframes, save_keyframes
from artify_core.keyframes.keyframe_set import KeyframeSet, KeyframeStyle, StyleSegment


def make_set(n_styles: int = 2) -> KeyframeSet:
    rng = np.random.default_rng(0)
    styles = tuple(
        KeyframeStyle(i, 10 + 40 * i, f"style_{i:03d}.png", rng.integers(0, 256, (36, 64, 3), dtype=np.uint8),
                      rng.normal(size=100).astype(np.float32))
        for i in range(n_styles)
    )
    segments = (StyleSegment(0, 25, 0), StyleSegment(25, 60, 1 % n_styles), StyleSegment(60, 100, 0))
    return KeyframeSet("style.mp4", Fraction(25), 100, segments, styles)


def test_round_trip(tmp_path):
    original = make_set()
    json_path = save_keyframes(original, tmp_path / "kf")
    assert json_path == tmp_path / "kf" / "keyframes.json"
    loaded = load_keyframes(tmp_path / "kf")
    assert (loaded.video, loaded.fps, loaded.frames, loaded.segments) == (
        original.video, original.fps, original.frames, original.segments)
    for a, b in zip(loaded.styles, original.styles):
        assert (a.id, a.keyframe_frame, a.image) == (b.id, b.keyframe_frame, b.image)
        np.testing.assert_array_equal(a.pixels, b.pixels)
        np.testing.assert_array_equal(a.embedding, b.embedding)  # float32 survives JSON exactly
    assert loaded.ranges(0) == [(0, 25), (60, 100)]


def test_json_follows_the_contract(tmp_path):
    save_keyframes(make_set(), tmp_path / "kf")
    data = json.loads((tmp_path / "kf" / "keyframes.json").read_text())
    assert list(data) == ["video", "fps", "frames", "segments", "styles"]
    assert data["fps"] == "25/1" and data["frames"] == 100
    assert data["segments"][1] == {"start_frame": 25, "end_frame": 60, "start": 1.0, "end": 2.4, "style": 1}
    style = data["styles"][0]
    assert list(style) == ["id", "keyframe_frame", "image", "embedding"]
    assert style["image"] == "style_000.png" and len(style["embedding"]) == 100
    files = sorted(p.name for p in (tmp_path / "kf").iterdir())
    assert files == ["contact_sheet.png", "keyframes.json", "style_000.png", "style_001.png"]
    with Image.open(tmp_path / "kf" / "contact_sheet.png") as sheet:
        assert sheet.width >= 2 * 240 and sheet.height > 36


def test_failure_leaves_no_half_written_set(tmp_path, monkeypatch):
    save_keyframes(make_set(2), tmp_path / "kf")
    before = (tmp_path / "kf" / "keyframes.json").read_text()

    def broken(_):
        raise RuntimeError("disk full while drawing")

    monkeypatch.setattr(keyframes_io, "render_contact_sheet", broken)
    with pytest.raises(RuntimeError):
        save_keyframes(make_set(), tmp_path / "kf")
    with pytest.raises(RuntimeError):
        save_keyframes(make_set(), tmp_path / "fresh")
    assert (tmp_path / "kf" / "keyframes.json").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kf"]  # no staging directories left


def test_replacing_a_set(tmp_path):
    save_keyframes(make_set(2), tmp_path / "kf")
    smaller = KeyframeSet("other.mp4", Fraction(30), 10, (StyleSegment(0, 10, 0),), make_set(1).styles)
    save_keyframes(smaller, tmp_path / "kf")
    assert load_keyframes(tmp_path / "kf").video == "other.mp4"
    assert not (tmp_path / "kf" / "style_001.png").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kf"]


def test_load_errors_name_the_file(tmp_path):
    with pytest.raises(InputError, match="no keyframe set here"):
        load_keyframes(tmp_path)
    (tmp_path / "keyframes.json").write_text('{"video": "x"}')
    with pytest.raises(InputError, match="keyframes.json format"):
        load_keyframes(tmp_path)


def test_keyframe_set_checks_its_segments():
    styles = make_set(1).styles
    with pytest.raises(ValueError, match="tile"):
        KeyframeSet("v", Fraction(25), 10, (StyleSegment(0, 4, 0), StyleSegment(5, 10, 0)), styles)
    with pytest.raises(ValueError, match="the video has 10 frames"):
        KeyframeSet("v", Fraction(25), 10, (StyleSegment(0, 8, 0),), styles)
    with pytest.raises(ValueError, match="names style 1"):
        KeyframeSet("v", Fraction(25), 10, (StyleSegment(0, 10, 1),), styles)
