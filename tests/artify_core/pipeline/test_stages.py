"""Stage clocks: seconds per stage in the order entered, and the stage under way."""

from __future__ import annotations

from artify_core.pipeline import stages as module
from artify_core.pipeline.stages import StageClock


def test_stages_add_up_in_order_and_the_current_one_is_known(monkeypatch):
    now = iter([0.0, 1.0, 3.5, 4.0, 10.0])
    monkeypatch.setattr(module.time, "monotonic", lambda: next(now))
    clock = StageClock()  # 0.0
    clock.begin("check")  # 1.0
    clock.begin("stylize")  # 3.5: check took 2.5 s
    assert clock.current == "stylize"
    clock.begin("check")  # 4.0: stylize 0.5 s; check entered again
    clock.end()  # 10.0: check 6 s more
    assert clock.current is None and clock.seconds == {"check": 8.5, "stylize": 0.5}
    assert clock.describe() == "check 8.5 s, stylize 0.5 s" and clock.total == 9.0
