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


def test_the_cash_figures_add_up_to_the_declared_total_from_r_on_with_truncation(world, cast):
    from django.db.models import Sum

    from csdp.dividend.models import HeldCash, ParticipantPayment
    from csdp.dividend.selectors import cash_figures
    from tests.dividend.world import PAY, TOTAL_QUANTITY

    d = schedule(cast.issuer_a, cash="0.999999", method="truncate")
    estimate = cash_figures(d)
    assert (estimate.stage, estimate.declared_fen) == ("estimate", TOTAL_QUANTITY * 999_999 // 100_000)
    fund(d, cast.issuer_a)
    for day, stage in ((DEADLINE, "estimate"), (R, "expected"), (PAY, "paid")):
        eod(day)
        d.refresh_from_db()
        figures = cash_figures(d)
        assert figures.stage == stage
        if stage != "estimate":
            assert figures.paid_fen + figures.held_fen + figures.residue_fen == figures.declared_fen
    held = HeldCash.objects.filter(distribution=d).aggregate(s=Sum("amount_fen"))["s"]
    paid = ParticipantPayment.objects.filter(distribution=d).aggregate(s=Sum("paid_fen"))["s"]
    assert (figures.paid_fen, figures.held_fen) == (paid, held) and figures.residue_fen > 0
