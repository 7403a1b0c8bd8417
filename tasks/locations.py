"""The first step of every flow: the request's locations, checked before anything is read."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext

from artify_core.foundation.environment import environment
from artify_core.pipeline.locations import check_confined, check_schemes


@task(cache_policy=NO_CACHE, task_run_name="check locations")
def check_locations(request: Any) -> None:
    """Refuses URL schemes Artify does not read; in the run of a deployment, also every local path
    outside ``ARTIFY_ALLOWED_ROOTS``: the deployment's parameter schema already makes the server
    refuse them, this holds where a deployment was registered without it. Subflows (a folder's
    videos) are not the deployment's run: their requests are made by the code from a checked one,
    with scratch folders of its own."""
    check_schemes(request)
    context = FlowRunContext.get()
    if context is not None and context.flow_run is not None and context.flow_run.deployment_id is not None:
        check_confined(request, environment().roots)
