"""The stylize_video flow end to end on clipped shared media, against the session's Prefect server."""

from __future__ import annotations

import numpy as np
import pytest

from artify_core.settings import VideoRequest
from artify_core.video import probe_video, read_frames
from flows.stylize_video import stylize_video

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def prefect_harness(prefect_api):
    """Flows run against the session's Prefect server."""


def test_stylize_then_rerun_from_cache(tmp_path, bikes_clip, starrynight):
    out = tmp_path / "out.mp4"
    run = VideoRequest(content=str(bikes_clip), style=[str(starrynight)], output=str(out),
                       execution={"device": "cpu", "chunk_frames": 15, "store": str(tmp_path / "store")},
                       encoding={"preset": "ultrafast"})
    first = stylize_video(run)
    assert (first.frames, first.chunks, first.chunks_cached) == (30, 2, 0)
    info, source = probe_video(out), probe_video(bikes_clip)
    assert (info.frames, info.width, info.height, info.fps) == (30, 640, 272, source.fps)
    stylized, content = read_frames(out), read_frames(bikes_clip)
    assert np.abs(stylized.astype(int) - content).mean() > 20  # it really changed the look
    first_bytes = out.read_bytes()

    out.unlink()
    second = stylize_video(run)
    assert second.chunks_cached == second.chunks == 2
    assert out.read_bytes() == first_bytes

    third = stylize_video(run.model_copy(update={"strength": 0.5}))
    assert third.chunks_cached == 0  # parameters are part of the key

    import shutil

    shutil.rmtree(tmp_path / "store")  # the store is the cache: nothing is found any more
    fourth = stylize_video(run)
    assert fourth.chunks_cached == 0
    assert probe_video(out).frames == 30


def test_keeps_audio_and_duration(tmp_path, bunny_clip, starrynight):
    out = tmp_path / "bunny.mp4"
    stylize_video(VideoRequest(content=str(bunny_clip), style=[str(starrynight)], output=str(out), height=144,
                               execution={"device": "cpu", "store": str(tmp_path / "store")},
                               encoding={"preset": "ultrafast"}))
    source, result = probe_video(bunny_clip), probe_video(out)
    assert result.has_audio and result.frames == source.frames
    assert (result.width, result.height) == (256, 144)
    assert abs(result.duration - source.duration) <= 1 / float(source.fps)


@pytest.fixture(scope="module")
def two_style_video(tmp_path_factory):
    """Frames 55-95 of paintings4.mp4 at 144 rows: starrynight, a hard cut at 20, then wave."""
    from tests.conftest import shared_media

    from artify_core.video import VideoWriter

    source = shared_media("style_video/paintings4.mp4")
    info = probe_video(source)
    path = tmp_path_factory.mktemp("style") / "two_styles.mp4"
    frames = read_frames(source, start=55, end=95, height=144)
    with VideoWriter(path, width=frames.shape[2], height=144, fps=info.fps, preset="ultrafast") as writer:
        writer.write(frames)
    return path


def test_style_video_schedule_smoothing_and_evaluation(tmp_path, bikes_clip, two_style_video):
    out = tmp_path / "scheduled.mp4"
    result = stylize_video(VideoRequest(
        content=str(bikes_clip), style=[str(two_style_video)], output=str(out), evaluate=True,
        report=str(tmp_path / "report"), schedule={"transition": 0.4},
        execution={"device": "cpu", "chunk_frames": 15, "store": str(tmp_path / "store")},
        encoding={"preset": "ultrafast"}))
    assert probe_video(out).frames == 30
    metrics = result.metrics
    assert set(metrics) >= {"frames", "warping_error", "warping_error_content", "warping_error_ratio",
                            "style_distance", "ssim"}
    report = tmp_path / "report"
    assert all((report / name).stat().st_size > 0
               for name in ("metrics.json", "per_frame.png", "contact_sheet.png", "report.md"))
    import json

    by_style = np.array(json.loads((report / "metrics.json").read_text())["per_frame"]["style_distance_by_style"])
    assert by_style.shape == (30, 2)
    # Proportional: the first frames were given style 0, the last style 1, and look like it.
    assert by_style[:8, 0].mean() < by_style[:8, 1].mean()
    assert by_style[-8:, 1].mean() < by_style[-8:, 0].mean()
    keyframe_sets = list((tmp_path / "store" / "keyframes").glob("*/keyframes.json"))
    assert len(keyframe_sets) == 1 and len(json.loads(keyframe_sets[0].read_text())["styles"]) == 2


def test_the_flow_adds_nothing_to_the_core_pipeline(tmp_path, bikes_clip, starrynight):
    """Settings → flow → tasks changes no pixel: the flow's output equals the core chunk pipeline
    called directly with the model's and the smoother's own defaults."""
    from artify_core.images import load_image
    from artify_core.keyframes.schedule import single_schedule
    from artify_core.keyframes import detect_video_cuts
    from artify_core.models import load_model
    from artify_core.models.base import StyleImage
    from artify_core.pipeline.chunks import plan_chunks
    from artify_core.pipeline.recipe import ChunkRecipe
    from artify_core.pipeline.styles import StylePlan
    from artify_core.pipeline.stylize import stylize_chunk
    from artify_core.temporal.smoothing import SmoothingSettings

    via_flow = tmp_path / "flow.mp4"
    stylize_video(VideoRequest(content=str(bikes_clip), style=[str(starrynight)], output=str(via_flow),
                               execution={"device": "cpu", "store": str(tmp_path / "store")}))
    info = probe_video(bikes_clip)
    model = load_model("arbitrary", device="cpu")
    plan = StylePlan((model.prepare_style([StyleImage(load_image(starrynight))]),),
                     single_schedule(0, info.frames, info.fps))
    direct = stylize_chunk(info, plan_chunks(info.frames, 100)[0], model, plan, tmp_path / "direct.mp4",
                           ChunkRecipe(smoothing=SmoothingSettings(), cuts=detect_video_cuts(str(bikes_clip))))
    assert np.array_equal(read_frames(via_flow), read_frames(direct.path))


def test_feature_smoothing_reaches_the_model(tmp_path, bikes_clip, starrynight):
    """``arbitrary.feature_smoothing`` (``--feature-smoothing``) builds the feature-smoothed model, which
    carries state, so the flow finds the cuts and keys the output apart from the plain model's."""
    from artify_core.images import load_image
    from artify_core.keyframes import detect_video_cuts
    from artify_core.keyframes.schedule import single_schedule
    from artify_core.models import load_model
    from artify_core.models.base import StyleImage
    from artify_core.pipeline.chunks import plan_chunks
    from artify_core.pipeline.recipe import ChunkRecipe
    from artify_core.pipeline.styles import StylePlan
    from artify_core.pipeline.stylize import stylize_chunk

    request = VideoRequest(content=str(bikes_clip), style=[str(starrynight)], output=str(tmp_path / "flow.mp4"),
                           arbitrary={"feature_smoothing": 0.5}, smoothing={"smooth": False},
                           execution={"device": "cpu", "store": str(tmp_path / "store")})
    stylize_video(request)
    plain = stylize_video(request.model_copy(update={"arbitrary": request.arbitrary.model_copy(
        update={"feature_smoothing": 0.0}), "output": str(tmp_path / "plain.mp4")}))
    assert plain.chunks_cached == 0  # another model version, another key

    info = probe_video(bikes_clip)
    model = load_model("arbitrary", device="cpu", feature_smoothing=0.5)
    plan = StylePlan((model.prepare_style([StyleImage(load_image(starrynight))]),),
                     single_schedule(0, info.frames, info.fps))
    direct = stylize_chunk(info, plan_chunks(info.frames, 100)[0], model, plan, tmp_path / "direct.mp4",
                           ChunkRecipe(smoothing=None, cuts=detect_video_cuts(str(bikes_clip))))
    smoothed = read_frames(tmp_path / "flow.mp4")
    assert np.array_equal(smoothed, read_frames(direct.path))
    assert np.abs(smoothed.astype(int) - read_frames(tmp_path / "plain.mp4")).mean() > 1.0
