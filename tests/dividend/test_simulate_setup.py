"""`csdp dividend simulate` sets its register up in slices of accounts (bounded memory at ten million
holders); the slices must add up to the register one batch would have made."""

import pytest
from django.db import connection
from django.db.models import Sum

from csdp.dividend import simulate
from csdp.register.capital import register_check
from csdp.register.models import Position, RegistrationEvent


def test_the_register_set_up_in_slices_holds_every_lot_and_adds_up(db, monkeypatch):
    monkeypatch.setattr(simulate, "SETUP_CHUNK_ACCOUNTS", 7)
    steps: list[dict] = []
    security, _ = simulate._setup(40, 2, 5, steps)
    lots = simulate.draw_register(40, 5)
    held = Position.objects.filter(security=security).aggregate(s=Sum("quantity"))["s"]
    assert held == lots["quantity"].sum()
    assert Position.objects.filter(security=security).count() == lots.height
    registered = next(s for s in steps if s["name"] == "setup_register")["rows"]
    assert registered == RegistrationEvent.objects.filter(security=security).count() > lots.height
    security.refresh_from_db()
    assert security.issued_shares == held
    register_check(security)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's statistics are PostgreSQL's")
def test_the_register_set_up_on_postgresql_has_the_planners_statistics(db):
    steps: list[dict] = []
    simulate._setup(30, 2, 5, steps)
    assert [s["name"] for s in steps][-1] == "setup_analyze"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT tablename FROM pg_stats WHERE tablename = ANY(%s)", [list(simulate.SETUP_ANALYZED[:3])]
        )
        analysed = {name for (name,) in cursor.fetchall()}
    assert analysed == set(simulate.SETUP_ANALYZED[:3])  # the planner knows the register's size
