"""Registers Artify's deployments with the Prefect server at ``PREFECT_API_URL``.

* ``stylize-video``: on demand, one video (``flows/stylize_video.py``).
* ``stylize-folder``: on a cron schedule, every new video under a folder or
  ``s3://`` prefix (``flows/stylize_folder.py``).

Runs from the UI or the API stay inside their bounds: every location field of
the run form admits ``s3://`` URIs and local paths only under
``ARTIFY_ALLOWED_ROOTS`` (comma-separated; unset: object storage only), so the
server refuses (HTTP 409) a run that names a file elsewhere on a worker, and the
flows check again when they start.

Both run on the process work pool ``artify-gpu``; a worker started from the
same checkout (``prefect worker start --pool artify-gpu``) picks them up. The
deployments point at this checkout's absolute path, so register them where the
worker runs (in Docker: ``docker compose run --rm worker python -m
deployments.deploy``)::

    python -m deployments.deploy                  # both
    python -m deployments.deploy stylize-video    # only the on-demand one

The scheduled deployment takes its fixed parameters from the environment:
``ARTIFY_WATCH_SOURCE``, ``ARTIFY_WATCH_DESTINATION``, ``ARTIFY_WATCH_STYLE``
(comma-separated) and optionally ``ARTIFY_WATCH_CRON`` (default every 15
minutes) and ``ARTIFY_WATCH_TIMEZONE`` (default UTC).
"""

from __future__ import annotations

import argparse
import copy
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from artify_core.errors import InputError
from artify_core.foundation.environment import WatchEnvironment, environment, variable
from artify_core.pipeline.locations import LOCATION_FIELDS, MASK_FIELD, MASK_FILE, check_confined, location_regex
from artify_core.segmentation.masks import MASK_SOURCES
from artify_core.settings import NO_STYLE, FolderRequest, parse_request

REPO = Path(__file__).resolve().parents[1]
WORK_POOL = "artify-gpu"
# Runs add the model and the device they actually use (model:gatys, device:cuda).
TAGS = ["artify"]


@dataclass(frozen=True)
class DeploymentSpec:
    """One deployment, as data: what runs, when, and with which fixed parameters."""

    name: str
    entrypoint: str  # "<path relative to the repository>:<flow function>"
    description: str
    cron: str | None = None
    timezone: str = "UTC"
    parameters: dict[str, Any] = field(default_factory=dict)
    # Runs of one deployment allowed at once; extra scheduled runs are cancelled.
    max_concurrent: int | None = None


def stylize_video_spec() -> DeploymentSpec:
    return DeploymentSpec(
        name="stylize-video",
        entrypoint="flows/stylize_video.py:stylize_video",
        description="Stylize one video on demand: content and style as local paths or s3:// URIs.",
    )


def stylize_folder_spec(watch: WatchEnvironment | None = None) -> DeploymentSpec:
    """The scheduled scan (``ARTIFY_WATCH_*``, ``artify_core.foundation.environment``); its parameters
    are validated here, at registration, so a typo fails now rather than at 3 a.m."""
    watch = watch or WatchEnvironment()
    missing = [variable(name, WatchEnvironment) for name in ("source", "destination", "style")
               if not getattr(watch, name)]
    if missing:
        raise SystemExit(f"stylize-folder: set {', '.join(missing)} (the folder or s3:// prefix to "
                         "watch, where to publish, comma-separated style images), or deploy only "
                         "stylize-video")
    params = parse_request(FolderRequest, {"source": watch.source, "destination": watch.destination,
                                           "style": watch.styles})
    check_confined(params, environment().roots)  # its scheduled runs are deployment runs too
    return DeploymentSpec(
        name="stylize-folder",
        entrypoint="flows/stylize_folder.py:stylize_folder",
        description=f"Stylize new videos under {params.source} into {params.destination}.",
        cron=watch.cron,
        timezone=watch.timezone,
        # The whole request, defaults included: the run form opens filled in with them. Empty
        # optional values are left out: the schema describes them as plain optional numbers
        # (settings.py), which Prefect's check of a new deployment's parameters takes as not null.
        parameters={"request": params.model_dump(mode="json", exclude_none=True)},
        max_concurrent=1,
    )


SPECS = {"stylize-video": stylize_video_spec, "stylize-folder": stylize_folder_spec}


def confined_schema(schema: dict[str, Any], roots: Sequence[str | Path]) -> dict[str, Any]:
    """A flow's parameter schema (Prefect's, with ``definitions``) with every location field of
    its request (``artify_core.pipeline.locations``) admitting only ``s3://`` URIs and absolute
    paths under ``roots`` without '..' (no roots: object storage only). Registered with
    ``enforce_parameter_schema``, the server refuses a run naming anything else (Prefect 3.9 answers
    HTTP 409: "Validation failed for field 'request.output'")."""
    schema = copy.deepcopy(schema)
    location = location_regex(roots)
    masks = "|".join(name for name in MASK_SOURCES if name != "file")
    for parameter in schema.get("properties", {}):
        for path in (*LOCATION_FIELDS, MASK_FIELD):
            field = _property(schema, parameter, path)
            if field is None:
                continue
            if path == MASK_FIELD:  # mask files are read on the worker only
                field["pattern"] = f"^(?:{masks}|{MASK_FILE}{location_regex(roots, s3=False)})$"
            elif field.get("type") == "array":
                field["items"]["pattern"] = f"^(?:{location}|{NO_STYLE})$"
            else:
                field["pattern"] = f"^{location}$" if field.get("default") != "" else f"^(?:{location})?$"
    return schema


def _property(schema: dict[str, Any], parameter: str, path: str) -> dict[str, Any] | None:
    """The schema of field ``path`` ("group.field") of ``parameter``'s model, through ``$ref``s."""
    node: dict[str, Any] | None = schema["properties"][parameter]
    for part in path.split("."):
        node = _resolve(schema, node)
        node = (node or {}).get("properties", {}).get(part)
    return node


def _resolve(schema: dict[str, Any], node: dict[str, Any] | None) -> dict[str, Any] | None:
    while node is not None and ("$ref" in node or "allOf" in node):
        reference = node["$ref"] if "$ref" in node else node["allOf"][0].get("$ref", "")
        node = schema.get("definitions", {}).get(reference.rsplit("/", 1)[-1])
    return node


def deploy(spec: DeploymentSpec, work_pool: str = WORK_POOL, roots: Sequence[str | Path] | None = None) -> None:
    """Registers ``spec``; runs may name local paths only under ``roots`` (default: ``ARTIFY_ALLOWED_ROOTS``)."""
    from prefect import Flow
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.deployments.runner import deploy as register
    from prefect.schedules import Cron
    from prefect.utilities.callables import ParameterSchema

    path = REPO / spec.entrypoint.partition(":")[0]
    if not path.is_file():
        raise SystemExit(f"{spec.name}: {path} does not exist in this checkout")
    concurrency = (ConcurrencyLimitConfig(limit=spec.max_concurrent,
                                          collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)
                   if spec.max_concurrent else None)
    # A local source: the worker runs the flow from this same directory (no image, no git pull).
    deployment = Flow.from_source(source=str(REPO), entrypoint=spec.entrypoint).to_deployment(
        name=spec.name,
        description=spec.description,
        schedules=[Cron(spec.cron, timezone=spec.timezone)] if spec.cron else None,
        parameters=spec.parameters,
        concurrency_limit=concurrency,
        tags=TAGS,
        enforce_parameter_schema=True,
    )
    # Prefect derives the schema from the flow's signature and offers no argument to refine it.
    schema = deployment._parameter_openapi_schema.model_dump(exclude_none=True)
    deployment._parameter_openapi_schema = ParameterSchema(
        **confined_schema(schema, environment().roots if roots is None else roots))
    register(deployment, work_pool_name=work_pool, build=False, push=False, print_next_steps_message=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deployments.deploy", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"deployments to register (default: all of {', '.join(SPECS)})")
    parser.add_argument("--pool", default=WORK_POOL, help=f"work pool (default {WORK_POOL})")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(SPECS))
    if unknown:
        parser.error(f"unknown deployment {', '.join(unknown)}; choose from {', '.join(SPECS)}")
    try:
        specs = [SPECS[name]() for name in args.names or SPECS]
    except InputError as error:
        raise SystemExit(f"stylize-folder: {error}") from None
    for spec in specs:
        deploy(spec, work_pool=args.pool)
    return 0


if __name__ == "__main__":
    sys.exit(main())
