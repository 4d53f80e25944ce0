import datetime as dt

import pytest

from csdp.register.models import Position, RegistrationEvent
from csdp.register.selectors import holdings_of, pledgeable_quantity, register_rebuild_check
from csdp.register.services import RegisterError, register_apply
from tests.register.conftest import DAY, event


def test_applied_events_move_the_position_and_match_the_log(world):
    register_apply(
        events=[
            event(world, "a", quantity=10_000),
            event(world, "b", "freeze", frozen=2_000),
            event(world, "c", "pledge", pledged=3_000),
        ]
    )
    [holding] = holdings_of(world["account"])
    assert (holding.quantity, holding.frozen, holding.pledged, holding.available) == (10_000, 2_000, 3_000, 5_000)
    assert register_rebuild_check() == []


def test_it_refuses_to_pledge_more_than_is_free(world):
    register_apply(events=[event(world, "a", quantity=1_000), event(world, "b", "freeze", frozen=600)])
    with pytest.raises(RegisterError, match="冻结与质押合计 1,001 股超过持有数量 1,000 股"):
        register_apply(events=[event(world, "c", "pledge", pledged=401)])
    assert not RegistrationEvent.objects.filter(key="c").exists()


def test_it_refuses_a_negative_holding(world):
    with pytest.raises(RegisterError, match="持有数量不足"):
        register_apply(events=[event(world, "a", "cancellation", quantity=-1)])
    assert not Position.objects.filter(quantity__lt=0).exists()


def test_a_failing_event_leaves_nothing_of_its_batch(world):
    with pytest.raises(RegisterError):
        register_apply(events=[event(world, "a", quantity=100), event(world, "b", "cancellation", quantity=-101)])
    assert RegistrationEvent.objects.count() == 0
    assert register_rebuild_check() == []


def test_restricted_shares_need_a_lockup_end_and_unrestricted_ones_refuse_it(world):
    with pytest.raises(RegisterError, match="限售截止日"):
        register_apply(events=[event(world, "a", "strategic", quantity=100, nature="06")])
    with pytest.raises(RegisterError, match="限售截止日"):
        register_apply(events=[event(world, "a", quantity=100, lockup_end=dt.date(2026, 9, 30))])


def test_replay_by_key_is_a_no_op_and_a_conflicting_replay_is_refused(world):
    register_apply(events=[event(world, "a", quantity=100)])
    register_apply(events=[event(world, "a", quantity=100)])
    assert holdings_of(world["account"])[0].quantity == 100
    with pytest.raises(RegisterError, match="拒绝重放"):
        register_apply(events=[event(world, "a", quantity=200)])


def test_pledgeable_quantity_excludes_frozen_pledged_and_restricted_shares(world):
    register_apply(
        events=[
            event(world, "a", quantity=10_000),
            event(world, "r", "strategic", quantity=5_000, nature="06", lockup_end=dt.date(2026, 9, 30)),
            event(world, "f", "freeze", frozen=1_000),
            event(world, "p", "pledge", pledged=2_000),
        ]
    )
    assert pledgeable_quantity(account=world["account"], security=world["stock"], as_of=DAY) == 7_000


def test_pledgeable_quantity_reads_the_end_of_the_given_day_not_today(world):
    register_apply(
        events=[
            event(world, "a", quantity=10_000, day=DAY),
            event(world, "f", "freeze", frozen=4_000, day=DAY + dt.timedelta(days=1)),
        ]
    )
    assert pledgeable_quantity(account=world["account"], security=world["stock"], as_of=DAY - dt.timedelta(days=1)) == 0
    assert pledgeable_quantity(account=world["account"], security=world["stock"], as_of=DAY) == 10_000
    assert (
        pledgeable_quantity(account=world["account"], security=world["stock"], as_of=DAY + dt.timedelta(days=1))
        == 6_000
    )


def test_dates_given_as_iso_strings_land_on_the_same_lot_as_dates(world):
    register_apply(events=[event(world, "a", "strategic", quantity=100, nature="06", lockup_end=dt.date(2026, 9, 30))])
    register_apply(
        events=[event(world, "b", "strategic", quantity=50, nature="06", lockup_end="2026-09-30", day=DAY.isoformat())]
    )
    [holding] = holdings_of(world["account"])
    assert holding.quantity == 150
