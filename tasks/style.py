"""Preparing a style once per (style images, model version)."""

from __future__ import annotations

from typing import Any

from prefect import task

from artify_core.images import load_image
from artify_core.models.base import StyleImage
from tasks.models import ModelSpec, get_model


def _style_cache_key(context, parameters: dict[str, Any]) -> str:
    return f"style-{parameters['style_key']}"


@task(cache_key_fn=_style_cache_key, persist_result=True)
def prepare_style(style_paths: list[str], weights: list[float], spec: ModelSpec, style_key: str) -> Any:
    """The model's style representation; ``style_key`` hashes the images' bytes,
    the weights and the model version."""
    images = [StyleImage(load_image(p), w, name=p) for p, w in zip(style_paths, weights)]
    return get_model(spec).prepare_style(images)


@task
def model_version(spec: ModelSpec) -> str:
    return get_model(spec).version
