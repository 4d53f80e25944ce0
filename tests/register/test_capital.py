"""Issued capital moves with the issuing events only, and register_check (in every step, and
`csdp register check`) proves Σ positions = issued capital, available ≥ 0 and positions = the replay."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csdp.register.capital import RegisterInvariantError, register_check
from csdp.register.models import Position, RegistrationEvent
from csdp.register.services import register_apply, register_apply_bulk, security_code_switch
from csdp.securities.models import Security
from tests.register.conftest import event


def issued(world, name="stock"):
    return Security.objects.get(pk=world[name].pk).issued_shares


def test_a_security_has_no_capital_until_its_first_registration(world):
    assert issued(world) is None
    register_apply(events=[event(world, "i1", quantity=1_000)])
    assert issued(world) == 1_000


@pytest.mark.parametrize("path", ["one", "bulk"])
def test_issuing_events_move_the_capital_and_transfers_do_not(world, path):
    apply = (lambda rows: register_apply(events=rows)) if path == "one" else register_apply_bulk
    apply(
        [event(world, "i1", quantity=1_000), event(world, "n1", event_type="new_shares", quantity=500, account="other")]
    )
    apply(
        [
            event(world, "t:out", event_type="non_trade", quantity=-300),
            event(world, "t:in", event_type="non_trade", quantity=300, account="other"),
        ]
    )
    apply([event(world, "c1", event_type="cancellation", quantity=-100, account="other")])
    assert issued(world) == 1_400
    register_check(world["stock"])


@pytest.mark.parametrize("path", ["one", "bulk"])
def test_a_step_that_would_create_shares_outside_an_issue_is_refused_and_leaves_nothing(world, path):
    apply = (lambda rows: register_apply(events=rows)) if path == "one" else register_apply_bulk
    apply([event(world, "i1", quantity=1_000)])
    with pytest.raises(RegisterInvariantError, match="与登记股本 1,000 股不符") as refused:
        apply([event(world, "t:in", event_type="non_trade", quantity=300, account="other")])
    assert refused.value.code == "register.invariant"
    assert not RegistrationEvent.objects.filter(key="t:in").exists()
    assert Position.objects.filter(account=world["other"], quantity__gt=0).count() == 0
    assert issued(world) == 1_000


def test_a_replay_does_not_move_the_capital_twice(world):
    register_apply(events=[event(world, "i1", quantity=1_000)])
    register_apply_bulk([event(world, "i1", quantity=1_000)])
    register_apply(events=[event(world, "i1", quantity=1_000)])
    assert issued(world) == 1_000


def test_the_check_names_a_position_edited_behind_the_registers_back(world):
    register_apply(events=[event(world, "i1", quantity=1_000)])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE register_position SET quantity = 900")
    with pytest.raises(RegisterInvariantError) as refused:
        register_check()
    messages = [p.message for p in refused.value.problems]
    assert any("持有合计 900 股，与登记股本 1,000 股不符" in m for m in messages)
    assert any("持有明细与登记变动记录不符" in m and "数量 +100" in m for m in messages)


def test_the_code_switch_takes_the_capital_to_the_new_code(world):
    register_apply(events=[event(world, "n1", quantity=2_000, security="neeq")])
    security_code_switch(old_code="833819", new_code="920819", effective_date=dt.date(2025, 10, 9), actor=None)
    assert Security.objects.get(code="920819").issued_shares == 2_000
    register_check()


def test_the_command_reports_a_sound_register_and_fails_on_a_broken_one(world):
    register_apply(events=[event(world, "i1", quantity=1_000)])
    out = io.StringIO()
    call_command("register", "check", stdout=out)
    assert "登记簿核对通过" in out.getvalue()
    Security.objects.filter(pk=world["stock"].pk).update(issued_shares=999)
    out = io.StringIO()
    with pytest.raises(CommandError, match="登记簿校验未通过") as failed:
        call_command("register", "check", "--security", "920188", stdout=out)
    assert failed.value.returncode == 2
    assert "与登记股本 999 股不符" in out.getvalue()


LOCK = dt.date(2027, 3, 30)
business = st.tuples(
    st.sampled_from(["new_shares", "transfer", "restrict", "release", "cancel", "pledge"]),
    st.sampled_from(["account", "other"]),
    st.integers(1, 400),
    st.booleans(),
)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(business, min_size=1, max_size=12))
def test_the_capital_equals_the_positions_after_any_sequence_of_businesses(world, steps):
    """Random businesses, legal or not, one call or a bulk batch each: every accepted step leaves
    Σ positions = issued capital and the replay equal to the positions; a refused one leaves nothing."""
    from django.db import transaction

    from csdp.register.services import RegisterError

    with transaction.atomic():
        register_apply(
            events=[event(world, "seed", quantity=1_000), event(world, "seed2", quantity=500, account="other")]
        )
        for n, (kind, who, qty, bulk) in enumerate(steps):
            other = "other" if who == "account" else "account"
            rows = {
                "new_shares": [event(world, f"{n}", event_type="new_shares", quantity=qty, account=who)],
                "transfer": [
                    event(world, f"{n}:o", event_type="non_trade", quantity=-qty, account=who),
                    event(world, f"{n}:i", event_type="non_trade", quantity=qty, account=other),
                ],
                "restrict": [
                    event(world, f"{n}:o", event_type="restrict", quantity=-qty, account=who),
                    event(
                        world, f"{n}:i", event_type="restrict", quantity=qty, account=who, nature="05", lockup_end=LOCK
                    ),
                ],
                "release": [
                    event(
                        world, f"{n}:o", event_type="release", quantity=-qty, account=who, nature="05", lockup_end=LOCK
                    ),
                    event(world, f"{n}:i", event_type="release", quantity=qty, account=who),
                ],
                "cancel": [event(world, f"{n}", event_type="cancellation", quantity=-qty, account=who)],
                "pledge": [event(world, f"{n}", event_type="pledge", pledged=qty, account=who)],
            }[kind]
            before = list(Position.objects.order_by("pk").values_list("quantity", "frozen", "pledged"))
            capital = issued(world)
            try:
                with transaction.atomic():
                    register_apply_bulk(rows) if bulk else register_apply(events=rows)
            except (RegisterError, RegisterInvariantError):
                assert list(Position.objects.order_by("pk").values_list("quantity", "frozen", "pledged")) == before
                assert issued(world) == capital
            held = sum(Position.objects.filter(security=world["stock"]).values_list("quantity", flat=True))
            assert held == issued(world)
            register_check()
        transaction.set_rollback(True)
