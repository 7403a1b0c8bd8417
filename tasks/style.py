"""Styles: keyframes from a style video, the content's cuts, the prepared style plan."""

from __future__ import annotations

import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Any

from prefect import task

from artify_core.keyframes import KeyframeSet, detect_video_cuts, extract_keyframes, save_keyframes
from artify_core.keyframes.schedule import single_schedule
from artify_core.models.base import StyleImage
from artify_core.pipeline.styles import (
    ScheduleChoice,
    StylePlan,
    StyleSources,
    images_style_schedule,
    keyframes_schedule,
    style_references,
)
from artify_core.storage import open_store
from tasks.models import ModelSpec, get_model

# Bumped when keyframe extraction or cut detection change what they return.
KEYFRAMES_VERSION = "keyframes-1"
CUTS_VERSION = "cuts-1"


def _keyed(prefix: str):
    def cache_key(context, parameters: dict[str, Any]) -> str:
        return f"{prefix}-{parameters['key']}"
    return cache_key


@task(cache_key_fn=_keyed("cuts"), persist_result=True)
def detect_cuts(content: str, key: str) -> list[int]:
    """Scene cuts of the content; ``key`` hashes its bytes and ``CUTS_VERSION``."""
    return detect_video_cuts(content)


@task(cache_key_fn=_keyed("keyframes"), persist_result=True)
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


@task(cache_key_fn=_keyed("plan"), persist_result=True)
def prepare_style_plan(
    sources: StyleSources,
    weights: list[float],
    keyframes: KeyframeSet | None,
    spec: ModelSpec,
    choice: ScheduleChoice,
    frames: int,
    fps: Fraction,
    cuts: list[int],
    transition_seconds: float,
    key: str,
) -> StylePlan:
    """The model's prepared styles and their schedule over the content's frames.

    ``key`` hashes the style inputs' bytes, the weights, the model version and
    every argument that shapes the schedule.
    """
    model = get_model(spec)
    if keyframes is not None:
        schedule = keyframes_schedule(keyframes, choice, frames, fps, cuts=cuts,
                                      transition_seconds=transition_seconds)
        styles = tuple(model.prepare_style([StyleImage(s.pixels, name=s.image)]) for s in keyframes.styles)
        return StylePlan(styles, schedule, tuple(s.image for s in keyframes.styles))
    images = style_references(sources, weights)
    schedule = images_style_schedule(len(images), choice, frames, fps, cuts=cuts,
                                     transition_seconds=transition_seconds)
    if schedule is None:
        return StylePlan((model.prepare_style(images),), single_schedule(0, frames, fps), ("+".join(sources.images),))
    return StylePlan(tuple(model.prepare_style([image]) for image in images), schedule, sources.images)


@task
def model_version(spec: ModelSpec) -> str:
    return get_model(spec).version
