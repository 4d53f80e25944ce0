"""Random offerings through the production code paths (csdp ipo simulate) keep every invariant of
issue 5's Correctness list, and a step interrupted half-way leaves nothing behind."""

import hashlib
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from csdp.ipo.eod import t1_day
from csdp.ipo.eod.day import eod_run
from csdp.ipo.models import OfferingStatus, ParticipantFile
from csdp.ipo.sim import simulate
from csdp.ledger.models import LedgerAccount


@pytest.mark.django_db(transaction=True)
@hsettings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    orders=st.integers(min_value=50, max_value=1500),
    participants=st.integers(min_value=1, max_value=9),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_every_invariant_holds_on_random_offerings(orders, participants, seed):
    result = simulate(orders=orders, participants=participants, seed=seed)
    assert result["invariants_ok"], result["invariants"]
    assert result["allocated_shares"] + result["unsubscribed_shares"] == result["online_shares"]
    assert result["valid_orders"] + result["invalid_orders"] == orders


@pytest.mark.django_db(transaction=True)
def test_the_simulate_command_prints_the_summary_as_json(capsys):
    call_command("ipo", "simulate", "--subscriptions", "300", "--participants", "3", "--seed", "1")
    printed = json.loads(capsys.readouterr().out)
    assert printed["subscriptions"] == 300
    assert printed["invariants_ok"] is True
    assert {step["name"] for step in printed["steps"]} >= {"t_load", "t_eod", "t1_eod"}
    assert set(printed) >= {
        "eod_seconds",
        "online_shares",
        "valid_orders",
        "valid_shares",
        "invalid_orders",
        "ratio",
        "allocated_accounts",
        "allocated_shares",
        "unsubscribed_shares",
    }


def _state(offering_code: str) -> tuple[dict, dict]:
    files = {
        f.path: hashlib.sha256((Path(settings.CSDP_FILES_DIR) / f.path).read_bytes()).hexdigest()
        for f in ParticipantFile.objects.filter(offering__code=offering_code)
    }
    balances = dict(LedgerAccount.objects.values_list("number", "debits_posted"))
    return files, balances


@pytest.mark.django_db(transaction=True)
def test_a_t1_step_interrupted_half_way_leaves_nothing_and_reruns_to_the_same_result(monkeypatch):
    from tests.ipo.test_eod_pipeline import T1  # the small world's T+1
    from tests.ipo import world
    from csdp.ipo.eod.t_day import offering_subscriptions_load
    from csdp.ipo.services import reserve_deposit
    import tempfile

    p1 = world.participant("K001", "300001", funds_fen=0)
    offering = world.offering(online_shares=1_000, initial=100_000)
    world.at(world.T, 10)
    with tempfile.TemporaryDirectory() as tmp:
        path = world.subscription_file(
            Path(tmp), [(1, "0300000001", "K001", "300001", 1_000), (2, "0300000002", "K001", "300001", 2_000)]
        )
        offering_subscriptions_load(offering=offering, path=path)
    world.at(world.T, 17)
    eod_run()
    world.at(T1, 11)
    reserve_deposit(institution=p1.institution, amount_fen=3_000 * 1404, reference="k1", actor=None)
    world.at(T1, 17)

    real_holds = t1_day.holds_create_bulk
    calls = []

    def dies_after_the_holds_are_written(*args, **kwargs):
        real_holds(*args, **kwargs)
        calls.append(1)
        raise KeyboardInterrupt("killed")  # what a kill looks like to the transaction: it never commits

    monkeypatch.setattr(t1_day, "holds_create_bulk", dies_after_the_holds_are_written)
    with pytest.raises(KeyboardInterrupt):
        eod_run()
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.CLEARED
    assert LedgerAccount.objects.get(number="R-K001").debits_pending == 0  # the hold was rolled back
    monkeypatch.setattr(t1_day, "holds_create_bulk", real_holds)
    eod_run()
    first = _state(offering.code)
    eod_run()
    assert _state(offering.code) == first
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.SETTLED
