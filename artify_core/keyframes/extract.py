"""Keyframe extraction from a style video: scenes -> styles -> one keyframe per style.

Three passes over the video, each through ``artify_core.video`` (one decoder):

1. scene detection on frames downscaled to ``detect_height`` rows (only small
   per-frame features are kept, so any length streams in bounded memory);
2. the sampled frames of every scene at ``sample_height`` rows, the size the
   style model embeds at (the arbitrary model crops the centre square and
   resizes it to 256 px, so 256 rows avoid a second resampling);
3. each style's keyframe at full resolution (a seek per keyframe), embedded
   again so the stored embedding is exactly that of the stored PNG.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from artify_core.errors import VideoError
from artify_core.keyframes.clustering import ClusterConfig, Embed, SegmentSamples, cluster_styles, sample_positions
from artify_core.keyframes.keyframe_set import KeyframeSet, KeyframeStyle, StyleSegment
from artify_core.keyframes.scenes import SceneConfig, SceneDetection, detect_scenes
from artify_core.video import VideoInfo, iter_frames, probe_video, read_frames


def extract_keyframes(
    video_path: str | Path,
    embed: Embed,
    *,
    detect_height: int = 144,
    sample_height: int = 256,
    samples_per_segment: int = 5,
    scene_config: SceneConfig = SceneConfig(),
    cluster_config: ClusterConfig = ClusterConfig(),
    batch_frames: int = 32,
) -> KeyframeSet:
    """Styles of the video at ``video_path``. ``embed``: RGB uint8 (N, H, W, 3) ->
    float32 (N, D), normally ``load_model("arbitrary").embed_style``."""
    info = probe_video(video_path)
    if info.frames == 0:
        raise VideoError(f"{video_path}: the video has no frames to take styles from")
    detection = detect_scenes(
        iter_frames(video_path, batch_frames=batch_frames, height=_at_most(detect_height, info), info=info),
        config=scene_config,
    )
    samples = sample_segments(video_path, info, detection, samples_per_segment,
                              height=_at_most(sample_height, info), batch_frames=batch_frames)
    clustering = cluster_styles(samples, embed, config=cluster_config)
    keyframes = [read_frames(video_path, start=s.keyframe, end=s.keyframe + 1, info=info)[0]
                 for s in clustering.styles]
    embeddings = np.asarray(embed(np.stack(keyframes)), np.float32)
    styles = tuple(
        KeyframeStyle(s.id, s.keyframe, style_image_name(s.id), pixels, embedding)
        for s, pixels, embedding in zip(clustering.styles, keyframes, embeddings)
    )
    segments = tuple(StyleSegment(seg.start, seg.end, style)
                     for seg, style in zip(detection.segments, clustering.segment_styles))
    return KeyframeSet(str(video_path), info.fps, info.frames, segments, styles)


def detect_video_cuts(video_path: str | Path, info: VideoInfo | None = None, *, detect_height: int = 144,
                      scene_config: SceneConfig = SceneConfig(), batch_frames: int = 32) -> list[int]:
    """Frames that start a new shot of the video (hard cuts; middles of dissolves), in order.

    For a *content* video: temporal smoothing and sequence models restart
    there, and ``scenes`` schedules change style there.
    """
    info = info or probe_video(video_path)
    if info.frames == 0:
        return []
    detection = detect_scenes(
        iter_frames(video_path, batch_frames=batch_frames, height=_at_most(detect_height, info), info=info),
        config=scene_config,
    )
    return detection.cut_frames


def style_image_name(style_id: int) -> str:
    return f"style_{style_id:03d}.png"


def sample_segments(video_path: str | Path, info: VideoInfo, detection: SceneDetection, per_segment: int, *,
                    height: int | None, batch_frames: int = 32) -> list[SegmentSamples]:
    """Frames spread over each scene's stable part (transition frames excluded),
    decoded at ``height`` rows in one sequential pass."""
    positions = [sample_positions(seg.stable_start, seg.stable_end, per_segment) for seg in detection.segments]
    wanted = np.unique(np.concatenate(positions))
    first, last = int(wanted[0]), int(wanted[-1]) + 1
    picked: dict[int, np.ndarray] = {}
    frame = first
    for batch in iter_frames(video_path, batch_frames=batch_frames, height=height, start=first, end=last, info=info):
        hits = wanted[(wanted >= frame) & (wanted < frame + len(batch))]
        picked.update((int(i), batch[i - frame].copy()) for i in hits)
        frame += len(batch)
    return [SegmentSamples(k, pos, np.stack([picked[int(i)] for i in pos])) for k, pos in enumerate(positions)]


def _at_most(height: int | None, info: VideoInfo) -> int | None:
    # Downscale only: decoding a small video at a larger size would just interpolate.
    return None if height is None or height >= info.height else height
