"""Prefect tasks: thin wrappers of ``artify_core`` that own caching, retries and artifacts."""

from artify_core.foundation.runtime import let_idle_threads_sleep

# Before anything loads torch, whose OpenMP reads its wait policy once (runtime's docstring).
let_idle_threads_sleep()
