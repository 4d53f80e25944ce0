"""`csdp dividend simulate` sets its register up in slices of accounts (bounded memory at ten million
holders); the slices must add up to the register one batch would have made."""

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
