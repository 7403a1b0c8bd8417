"""Styles: keyframes from a style video, the content's cuts, the prepared style plan.

Each is kept in the artifact store under a key of its inputs' identities
(``artify_core.pipeline.keys``) and found there by any later run.
"""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from artify_core.errors import InputError
from artify_core.foundation.publish import scratch_directory
from artify_core.keyframes import KeyframeSet, detect_video_cuts, extract_keyframes, load_keyframes, save_keyframes
from artify_core.keyframes.io import KEYFRAMES_JSON
from artify_core.models.base import LayeredStyleModel
from artify_core.pipeline.keys import cuts_object, keyframes_prefix, plan_object
from artify_core.pipeline.stored import cuts_codec, plan_codec
from artify_core.pipeline.styles import LayeredStylePlan, StyleInput, StylePlan, build_layered_plan, build_style_plan
from artify_core.settings import ScheduleOptions
from artify_core.storage import open_store
from artify_core.storage.memo import remembered, remembered_folder
from artify_core.video import VideoInfo
from tasks.models import ModelSpec, get_model


@task(cache_policy=NO_CACHE, task_run_name="detect content cuts")
def detect_cuts(content: str, store_uri: str, key: str) -> list[int]:
    """Scene cuts of the content; ``key`` hashes its bytes and the detector's version."""
    memo = remembered(open_store(store_uri), cuts_object(key), lambda: detect_video_cuts(content),
                      cuts_codec())
    _log_hit(memo.cached, "content cuts")
    return memo.value


@task(cache_policy=NO_CACHE, task_run_name="extract style keyframes")
def extract_style_keyframes(video: str, device: str, store_uri: str, key: str) -> KeyframeSet:
    """Styles of a style video, clustered on the arbitrary model's style embeddings.

    The set (JSON, keyframe PNGs, contact sheet) lives in the store under
    ``keyframes/<key>/``, for later runs and for people to look at.
    """
    def extract(folder: Path) -> KeyframeSet:
        keyframes = extract_keyframes(video, get_model(ModelSpec.create("arbitrary", device)).embed_style)
        save_keyframes(keyframes, folder)
        return keyframes

    with scratch_directory("keyframes") as scratch:
        memo = remembered_folder(open_store(store_uri), keyframes_prefix(key), KEYFRAMES_JSON, scratch, extract,
                                 load_keyframes)
    _log_hit(memo.cached, "style keyframes")
    return memo.value


@task(cache_policy=NO_CACHE, task_run_name="prepare style plan")
def prepare_style_plan(layers: dict[str, StyleInput | None], spec: ModelSpec, schedule: ScheduleOptions,
                       info: VideoInfo, cuts: list[int], store_uri: str, key: str) -> StylePlan | LayeredStylePlan:
    """The model's prepared styles and their schedule over the content's frames (its real timeline:
    transitions last their seconds at a variable rate too).

    ``layers``: ``{"style": ...}`` for one style everywhere, or ``{"fg": ..., "bg": ...}``
    for a layered model (None keeps a layer's pixels; each layer may carry its own schedule).
    """
    def prepare() -> StylePlan | LayeredStylePlan:
        model = get_model(spec)
        if "style" in layers:
            layer = layers["style"]
            return build_style_plan(model.prepare_style, layer.sources, layer.weights, layer.keyframes,
                                    schedule.schedule, info.frames, info.fps, cuts=cuts,
                                    transition_seconds=schedule.transition, times=info.times)
        if not isinstance(model, LayeredStyleModel):
            raise InputError(f"foreground/background styles need a model with layers (segmented); "
                             f"{spec.name} has none")
        return build_layered_plan(model, layers["fg"], layers["bg"], schedule, info.frames, info.fps, cuts=cuts,
                                  times=info.times)

    memo = remembered(open_store(store_uri), plan_object(key), prepare, plan_codec())
    _log_hit(memo.cached, "style plan")
    return memo.value


def _log_hit(cached: bool, what: str) -> None:
    if cached:
        get_run_logger().info("%s from the artifact store", what)
