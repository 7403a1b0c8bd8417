"""Prefect tasks: thin wrappers of ``artify_core`` that own caching, retries and artifacts."""

from artify_core.foundation.runtime import let_idle_threads_sleep

# Before anything loads torch, whose OpenMP reads its wait policy once (runtime's docstring).
let_idle_threads_sleep()


def _forward_library_warnings() -> None:
    """``artify_core`` logs with the standard ``logging`` module (it never imports Prefect); its
    warnings (a damaged store entry removed and computed again) belong in the run's logs too."""
    import logging

    from prefect.context import FlowRunContext, TaskRunContext
    from prefect.logging.handlers import APILogHandler

    library = logging.getLogger("artify_core")
    if not any(isinstance(handler, APILogHandler) for handler in library.handlers):
        handler = APILogHandler()
        # Outside a run (the CLI's checks, a test calling the library) there is no run to log to.
        handler.addFilter(lambda record: FlowRunContext.get() is not None or TaskRunContext.get() is not None)
        library.addHandler(handler)


_forward_library_warnings()
