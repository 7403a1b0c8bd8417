"""Registers Artify's deployments with the Prefect server at ``PREFECT_API_URL``.

* ``stylize-video``: on demand, one video (``flows/stylize_video.py``).
* ``stylize-folder``: on a cron schedule, every new video under a folder or
  ``s3://`` prefix (``flows/stylize_folder.py``).

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
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from artify_core.errors import InputError
from artify_core.foundation.environment import WatchEnvironment, variable
from artify_core.settings import FolderRequest, parse_request

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
    return DeploymentSpec(
        name="stylize-folder",
        entrypoint="flows/stylize_folder.py:stylize_folder",
        description=f"Stylize new videos under {params.source} into {params.destination}.",
        cron=watch.cron,
        timezone=watch.timezone,
        # The whole request, defaults included: the run form opens filled in with them.
        parameters={"request": params.model_dump(mode="json")},
        max_concurrent=1,
    )


SPECS = {"stylize-video": stylize_video_spec, "stylize-folder": stylize_folder_spec}


def deploy(spec: DeploymentSpec, work_pool: str = WORK_POOL) -> None:
    from prefect import Flow
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.schedules import Cron

    path = REPO / spec.entrypoint.partition(":")[0]
    if not path.is_file():
        raise SystemExit(f"{spec.name}: {path} does not exist in this checkout")
    concurrency = (ConcurrencyLimitConfig(limit=spec.max_concurrent,
                                          collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)
                   if spec.max_concurrent else None)
    # A local source: the worker runs the flow from this same directory (no image, no git pull).
    Flow.from_source(source=str(REPO), entrypoint=spec.entrypoint).deploy(
        name=spec.name,
        work_pool_name=work_pool,
        description=spec.description,
        schedules=[Cron(spec.cron, timezone=spec.timezone)] if spec.cron else None,
        parameters=spec.parameters,
        concurrency_limit=concurrency,
        tags=TAGS,
        build=False,
        push=False,
    )


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
