"""Frame progress from tasks to whoever listens (the CLI's progress bar).

Tasks run in the flow's process under the default runner, so a process-local
listener is enough for the CLI; remote workers simply have none.
"""

from __future__ import annotations

from typing import Callable

_listeners: list[Callable[[int], None]] = []


def add_listener(listener: Callable[[int], None]) -> Callable[[], None]:
    """Registers ``listener(frames_done)``; returns a function that removes it."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener)


def report_frames(count: int) -> None:
    for listener in list(_listeners):
        listener(count)
