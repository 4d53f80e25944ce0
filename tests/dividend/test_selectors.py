"""R's register read from the positions (R's own end of day) is the register replayed from the log."""

from __future__ import annotations

from csdp.dividend.selectors import register_as_of, register_now
from tests.dividend.world import R, at


def test_the_positions_on_r_give_the_same_lots_and_capital_as_the_log_replayed_to_r(world):
    security, _ = world
    at(R, 17)
    lots_now, capital_now = register_now(security.pk)
    lots_log, capital_log = register_as_of(security.pk, R)
    assert lots_now.equals(lots_log) and capital_now == capital_log == 4_588
