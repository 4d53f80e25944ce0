"""R's register read from the positions (R's own end of day) is the register replayed from the log."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from csdp.dividend.selectors import file_rows, register_as_of, register_now
from tests.dividend.world import DEADLINE, R, at, eod, fund, schedule


def test_the_positions_on_r_give_the_same_lots_and_capital_as_the_log_replayed_to_r(world):
    security, _ = world
    at(R, 17)
    lots_now, capital_now = register_now(security.pk)
    lots_log, capital_log = register_as_of(security.pk, R)
    assert lots_now.equals(lots_log) and capital_now == capital_log == 4_588


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parts on their own connections")
@pytest.mark.django_db(transaction=True)
def test_the_parts_read_at_once_are_the_lots_read_in_one_statement(world, cast):
    security, _ = world
    d = schedule(cast.issuer_a)
    fund(d, cast.issuer_a)
    for day in (DEADLINE, R):
        eod(day)
    with transaction.atomic():  # outermost: each part on its own connection
        lots_at_once, capital = register_now(security.pk)
        rows_at_once = file_rows(d.pk)
        with transaction.atomic():  # inside it: one statement here
            lots_here, _ = register_now(security.pk)
            rows_here = file_rows(d.pk)
    assert lots_at_once.equals(lots_here) and lots_at_once.get_column("quantity").sum() == capital == 4_588
    order = ["JSCY", "GDDM", "GFXZ", "XSRQ"]
    assert rows_at_once.height > 0 and rows_at_once.sort(order, nulls_last=True).equals(
        rows_here.sort(order, nulls_last=True)
    )
