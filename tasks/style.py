"""Styles: keyframes from a style video, the content's cuts, the prepared style plan."""

from __future__ import annotations

import tempfile
from fractions import Fraction
from pathlib import Path

from prefect import task

from artify_core.keyframes import KeyframeSet, detect_video_cuts, extract_keyframes, save_keyframes
from artify_core.errors import InputError
from artify_core.models.base import LayeredStyleModel, VideoStylizationModel
from artify_core.pipeline.styles import (
    LayeredStylePlan,
    ScheduleChoice,
    ScheduleSettings,
    StyleInput,
    StylePlan,
    build_layered_plan,
    build_style_plan,
)
from artify_core.storage import open_store
from tasks.models import ModelSpec, get_model
from tasks.results import keyed_policy

# Bumped when keyframe extraction or cut detection change what they return.
KEYFRAMES_VERSION = "keyframes-1"
CUTS_VERSION = "cuts-1"


@task(cache_policy=keyed_policy("cuts"), persist_result=True)
def detect_cuts(content: str, key: str) -> list[int]:
    """Scene cuts of the content; ``key`` hashes its bytes and ``CUTS_VERSION``."""
    return detect_video_cuts(content)


@task(cache_policy=keyed_policy("keyframes"), persist_result=True)
def extract_style_keyframes(video: str, device: str, store_uri: str, key: str) -> KeyframeSet:
    """Styles of a style video, clustered on the arbitrary model's style embeddings.

    ``key`` hashes the video's bytes, the embedding model's version and
    ``KEYFRAMES_VERSION``. The set (JSON, keyframe PNGs, contact sheet) is
    also published to the store under ``keyframes/<key>/`` for people to look at.
    """
    embedder = get_model(ModelSpec("arbitrary", device))
    keyframes = extract_keyframes(video, embedder.embed_style)
    store = open_store(store_uri)
    with tempfile.TemporaryDirectory(prefix="artify-keyframes-") as scratch:
        directory = save_keyframes(keyframes, Path(scratch) / "keyframes").parent
        for path in sorted(directory.iterdir()):
            store.put_file(f"keyframes/{key}/{path.name}", path)
    return keyframes


@task(cache_policy=keyed_policy("plan"), persist_result=True)
def prepare_style_plan(
    layers: dict[str, StyleInput | None],
    spec: ModelSpec,
    choice: ScheduleChoice,
    frames: int,
    fps: Fraction,
    cuts: list[int],
    transition_seconds: float,
    key: str,
) -> StylePlan | LayeredStylePlan:
    """The model's prepared styles and their schedule over the content's frames.

    ``layers``: ``{"style": ...}`` for one style everywhere, or ``{"fg": ..., "bg": ...}``
    for a layered model (None keeps a layer's pixels; a layer's own ``schedule``
    overrides ``choice`` and ``transition_seconds``). ``key`` hashes the style
    inputs' identities, the weights, the model version and every argument that
    shapes the schedules.
    """
    model = get_model(spec)
    if "style" in layers:
        layer = layers["style"]
        return build_style_plan(model.prepare_style, layer.sources, layer.weights, layer.keyframes, choice, frames,
                                fps, cuts=cuts, transition_seconds=transition_seconds)
    if not isinstance(model, LayeredStyleModel):
        raise InputError(f"--fg-style/--bg-style need a model with layers (segmented); {spec.name} has none")
    return build_layered_plan(model, layers["fg"], layers["bg"], ScheduleSettings(choice, transition_seconds),
                              frames, fps, cuts=cuts)


@task
def model_version(spec: ModelSpec) -> str:
    return get_model(spec).version


@task
def carries_state(spec: ModelSpec) -> bool:
    """Whether the model's output for a frame depends on earlier frames (it then restarts at cuts)."""
    return isinstance(get_model(spec), VideoStylizationModel)
