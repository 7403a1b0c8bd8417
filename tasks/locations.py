"""The first step of every flow: the request's locations, checked before anything is read."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from artify_core.foundation.environment import environment
from artify_core.pipeline.locations import check_confined, check_schemes


@task(cache_policy=NO_CACHE, task_run_name="check locations")
def check_locations(request: Any) -> None:
    """Refuses URL schemes Artify does not read; in a run from a deployment, also every local path
    outside ``ARTIFY_ALLOWED_ROOTS``: the deployment's parameter schema already makes the server
    refuse them, this holds where a deployment was registered without it."""
    from prefect.runtime import deployment

    check_schemes(request)
    if deployment.id:
        check_confined(request, environment().roots)
