"""Styles from a style video: scene detection, style clustering, keyframes, and
schedules that spread styles over a content video's frames."""

from artify_core.keyframes.clustering import ClusterConfig, SegmentSamples, Style, StyleClustering, cluster_styles
from artify_core.keyframes.extract import detect_video_cuts, extract_keyframes
from artify_core.keyframes.io import load_keyframes, save_keyframes
from artify_core.keyframes.keyframe_set import KeyframeSet, KeyframeStyle, StyleSegment
from artify_core.keyframes.scenes import SceneConfig, SceneCut, SceneDetection, Segment, detect_scenes
from artify_core.keyframes.schedule import (
    StyleSchedule,
    StyleTransition,
    images_schedule,
    proportional_schedule,
    scenes_schedule,
    single_schedule,
)

__all__ = [
    "ClusterConfig", "KeyframeSet", "KeyframeStyle", "SceneConfig", "SceneCut", "SceneDetection", "Segment",
    "SegmentSamples", "Style", "StyleClustering", "StyleSchedule", "StyleSegment", "StyleTransition",
    "cluster_styles", "detect_scenes", "detect_video_cuts", "extract_keyframes", "images_schedule", "load_keyframes",
    "proportional_schedule", "save_keyframes", "scenes_schedule", "single_schedule",
]
