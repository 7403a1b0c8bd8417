"""A flow run's stages, and the report of a failed run in Prefect's UI.

A flow marks each stage with ``run_stages().begin(...)``; the stage times go into the result,
and when the run fails its ``on_failure`` hook (``publish_failure``) reads the stage it stopped
in. The hook gets the flow run, not the flow's variables, so the clocks are kept here by flow run.
"""

from __future__ import annotations

import threading
from pathlib import PurePosixPath
from typing import Any

from prefect.artifacts import MarkdownArtifact

from artify_core.batch import BatchFailedError, failure_reason
from artify_core.errors import UNEXPECTED_ADVICE, advice_for
from artify_core.pipeline.stages import StageClock
from tasks.artifacts import artifact_key, location

# Where a run that has not reached its first stage stopped: Prefect refused its parameters.
BEFORE_FIRST_STAGE = "parameters (the request was refused before the run started)"
# Failed videos of a batch whose inputs the failure report links to, at most.
MAX_LINKED_INPUTS = 20

_clocks: dict[str, StageClock] = {}
_lock = threading.Lock()  # folder runs run their videos' flows in threads


def run_stages() -> StageClock:
    """The running flow run's stage clock (one per flow run)."""
    from prefect.runtime import flow_run

    with _lock:
        return _clocks.setdefault(str(flow_run.id), StageClock())


def forget_stages(flow: Any, flow_run: Any, state: Any) -> None:
    """``on_completion`` hook: the run's clock is no longer needed."""
    with _lock:
        _clocks.pop(str(flow_run.id), None)


def publish_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """``on_failure`` hook: a markdown artifact with the stage the run stopped in, the one line the
    CLI would print, what to do about it, and where the input is."""
    with _lock:
        clock = _clocks.pop(str(flow_run.id), None)
    error = state.result(raise_on_failure=False)
    error = error if isinstance(error, BaseException) else None
    request = (flow_run.parameters or {}).get("request") or {}
    source = str(request.get("content") or request.get("source") or "") if isinstance(request, dict) else ""
    stage = clock.current if clock is not None and clock.current else BEFORE_FIRST_STAGE
    reason = failure_reason(error) if error is not None else (state.message or state.name)
    lines = [f"## {flow.name} failed", "",
             f"- **stage**: {stage}",
             f"- **reason**: {reason}",
             f"- **what to do**: {advice_for(error) if error is not None else UNEXPECTED_ADVICE}",
             f"- **input**: {_where(source) if source else 'not given'}"]
    if isinstance(error, BatchFailedError):
        failed = error.result.failed
        lines += ["", "### Failed videos", "",
                  *(f"- {_where(outcome.input_uri)}: {outcome.reason}" for outcome in failed[:MAX_LINKED_INPUTS])]
        if len(failed) > MAX_LINKED_INPUTS:
            lines.append(f"- … and {len(failed) - MAX_LINKED_INPUTS} more in the summary table")
    name = PurePosixPath(source.rstrip("/")).name or flow.name
    MarkdownArtifact(markdown="\n".join(lines), key=artifact_key(name, source or flow.name, "failure"),
                     description=f"why {flow_run.name} failed", flow_run_id=flow_run.id).create()


def _where(uri: str) -> str:
    try:
        return location(uri)
    except Exception:  # no credentials to sign a link with: the failure report still says where
        return f"`{uri}`"
