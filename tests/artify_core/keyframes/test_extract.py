"""Keyframe extraction end to end: a generated clip (fast) and the shared media (slow)."""

import time
from fractions import Fraction
from pathlib import Path

import ffmpeg
import numpy as np
import pytest

from artify_core.keyframes import extract_keyframes, load_keyframes, save_keyframes
from artify_core.keyframes.clustering import ClusterConfig
from artify_core.keyframes.features import hsv_histograms
from artify_core.video import VideoWriter, iter_frames, probe_video
from artify_core.keyframes.scenes import detect_scenes
from tests.artify_core.keyframes.synthetic import crossfade, look, shot
from tests.media import run

MEDIA = Path(__file__).resolve().parents[3] / ".." / "shared" / "media"
# Visually checked (frames either side of each cut saved and looked at): every one is a
# change of shot; frames 96-108, a vehicle crossing the frame, are not a cut.
BIKES_CUTS = [30, 76, 137, 187, 242]


def colour_embed(images: np.ndarray) -> np.ndarray:
    """Colour make-up as a stand-in style embedding (different looks are ~6 apart)."""
    return hsv_histograms(images) * 10.0


COLOUR_CONFIG = ClusterConfig(embedding_scale=5.9)


def media(relative: str) -> Path:
    path = MEDIA / relative
    if not path.exists():
        pytest.skip(f"shared test media not found: {path}")
    return path


@pytest.fixture(scope="module")
def style_embedding():
    """(embed, config, which): the arbitrary model's embedding when it loads, else colour features."""
    try:
        from artify_core.models import load_model

        model = load_model("arbitrary", device="cpu")
        return model.embed_style, ClusterConfig(), "arbitrary model"
    except Exception as exc:  # weights or the model package missing here
        return colour_embed, COLOUR_CONFIG, f"colour features (arbitrary model unavailable: {exc})"


@pytest.fixture(scope="module")
def aba_video(tmp_path_factory) -> Path:
    """A (60 frames) | hard cut | B | 16-frame cross-fade to A, framed differently: 190 frames."""
    a1 = shot(look(1), 60, zoom=0.3, seed=1)
    b = shot(look(2), 76, zoom=0.2, pan=0.3, seed=2)
    a2 = shot(look(1), 70, zoom=0.3, pan=0.4, seed=3)
    frames = np.concatenate([a1, crossfade(b, a2, 60, 16)])  # mixed frames [120, 136)
    path = tmp_path_factory.mktemp("kf") / "aba.mp4"
    with VideoWriter(path, width=128, height=72, fps=Fraction(25), crf=12, preset="ultrafast") as writer:
        writer.write(frames)
    return path


def test_extract_a_b_a(aba_video, tmp_path):
    keyframes = extract_keyframes(aba_video, colour_embed, cluster_config=COLOUR_CONFIG)
    assert keyframes.frames == 190 and keyframes.fps == Fraction(25)
    assert [(s.start_frame, s.end_frame, s.style) for s in keyframes.segments] == [
        (0, 60, 0), (60, 128, 1), (128, 190, 0)]
    assert keyframes.ranges(0) == [(0, 60), (128, 190)] and keyframes.style_order() == [0, 1, 0]
    a, b = keyframes.styles
    assert 0 <= a.keyframe_frame < 60 or 136 <= a.keyframe_frame < 190  # never a cross-fade frame
    assert 60 <= b.keyframe_frame < 120
    assert a.pixels.shape == (72, 128, 3) and a.embedding.shape == (32,)
    np.testing.assert_allclose(a.embedding, colour_embed(a.pixels[None])[0], rtol=1e-6)
    save_keyframes(keyframes, tmp_path / "kf")
    assert load_keyframes(tmp_path / "kf").segments == keyframes.segments


@pytest.mark.slow
def test_paintings4(style_embedding, tmp_path):
    embed, config, which = style_embedding
    path = media("style_video/paintings4.mp4")
    started = time.perf_counter()
    keyframes = extract_keyframes(path, embed, cluster_config=config)
    seconds = time.perf_counter() - started
    print(f"\npaintings4.mp4 with {which}: {seconds:.2f} s; "
          f"segments {[(s.start_frame, s.end_frame, s.style) for s in keyframes.segments]}; "
          f"keyframes {[s.keyframe_frame for s in keyframes.styles]}")
    assert len(keyframes.segments) == 4
    cuts = [s.start_frame for s in keyframes.segments[1:]]
    assert all(abs(cut - truth) <= 2 for cut, truth in zip(cuts, [75, 150, 225]))
    assert [s.style for s in keyframes.segments] == [0, 1, 2, 3]
    for segment, style in zip(keyframes.segments, keyframes.styles):
        assert segment.start_frame <= style.keyframe_frame < segment.end_frame
    save_keyframes(keyframes, tmp_path / "paintings4")
    assert len(load_keyframes(tmp_path / "paintings4").styles) == 4


@pytest.mark.slow
def test_paintings4_with_cross_fades(style_embedding, tmp_path):
    """The same paintings joined by 1 s cross-fades (ffmpeg xfade): transitions [50, 75),
    [100, 125), [150, 175), middles at 62.5, 112.5, 162.5; no fade becomes a style."""
    embed, config, _ = style_embedding
    faded = tmp_path / "paintings4_xfade.mp4"
    parts = ffmpeg.input(str(media("style_video/paintings4.mp4"))).video.split()
    clips = [parts[k].trim(start=3 * k, end=3 * k + 3).setpts("PTS-STARTPTS") for k in range(4)]
    joined = clips[0]
    for k, offset in ((1, 2), (2, 4), (3, 6)):
        joined = ffmpeg.filter([joined, clips[k]], "xfade", transition="fade", duration=1, offset=offset)
    run(joined.filter("format", "yuv420p").output(str(faded), vcodec="libx264", crf=20))
    keyframes = extract_keyframes(faded, embed, cluster_config=config)
    middles = [s.start_frame for s in keyframes.segments[1:]]
    assert len(middles) == 3 and all(abs(m - t) <= 2 for m, t in zip(middles, [62.5, 112.5, 162.5]))
    assert [s.style for s in keyframes.segments] == [0, 1, 2, 3]
    fades = [(50, 75), (100, 125), (150, 175)]
    assert not any(lo - 1 <= s.keyframe_frame <= hi for s in keyframes.styles for lo, hi in fades)


@pytest.mark.slow
def test_bikes_hard_cuts():
    path = media("content/bikes.mp4")
    info = probe_video(path)
    detection = detect_scenes(iter_frames(path, height=144, info=info))
    print(f"\nbikes.mp4 cuts: {[(c.frame, c.kind, round(c.score, 3)) for c in detection.cuts]}")
    assert detection.cut_frames == BIKES_CUTS
    assert all(c.kind == "cut" for c in detection.cuts)


@pytest.mark.slow
def test_bikes_as_a_style_video(style_embedding):
    embed, config, which = style_embedding
    keyframes = extract_keyframes(media("content/bikes.mp4"), embed, cluster_config=config)
    print(f"\nbikes.mp4 styles with {which}: {[(s.start_frame, s.end_frame, s.style) for s in keyframes.segments]}")
    assert [s.start_frame for s in keyframes.segments[1:]] == BIKES_CUTS
    assert 1 < len(keyframes.styles) <= len(keyframes.segments)
