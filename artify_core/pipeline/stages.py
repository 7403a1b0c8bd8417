"""The stages of a run, timed: where the time went (the result's facts) and where a failed run
stopped (its failure report)."""

from __future__ import annotations

import time


class StageClock:
    """Wall-clock seconds per stage, stages entered one after another with ``begin``."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.current: str | None = None
        self._since = time.monotonic()

    def begin(self, stage: str) -> None:
        """Ends the stage under way (if any) and starts ``stage`` (a stage entered twice adds up)."""
        now = time.monotonic()
        self._close(now)
        self.current, self._since = stage, now

    def end(self) -> None:
        """Ends the stage under way: nothing is under way until the next ``begin``."""
        self._close(time.monotonic())

    def _close(self, now: float) -> None:
        if self.current is not None:
            self.seconds[self.current] = self.seconds.get(self.current, 0.0) + now - self._since
            self.current = None

    @property
    def total(self) -> float:
        return sum(self.seconds.values())

    def describe(self) -> str:
        """``check 0.4 s, stylize 81.2 s, assemble 1.1 s``: finished stages in the order entered."""
        return ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in self.seconds.items())
