"""Which failures a task retries: transient ones only.

A bad input (``InputError``: a corrupt video, a missing style) fails the same way
every time, and an unreachable store has already been retried by the storage
client (``StorageUnavailableError``): retrying either only delays the one line
the user needs.
"""

from __future__ import annotations

from typing import Any

from artify_core.errors import InputError
from artify_core.storage import StorageUnavailableError


def transient_only(task: Any, task_run: Any, state: Any) -> bool:
    try:
        state.result()
    except (InputError, StorageUnavailableError):
        return False
    except Exception:
        return True
    return False
