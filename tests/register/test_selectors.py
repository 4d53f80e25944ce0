"""holding_changes: what changed on an account, event by event, with the lot's balances after each."""

import datetime as dt

import pytest

from csdp.register.selectors import holding_changes, holdings_of
from csdp.register.services import register_apply, security_code_switch
from csdp.securities.models import Security
from tests.register.conftest import event

D1, D2, D3, D4 = dt.date(2025, 9, 1), dt.date(2025, 9, 15), dt.date(2025, 9, 30), dt.date(2025, 10, 20)
SWITCH = dt.date(2025, 10, 9)
LOCKUP = dt.date(2026, 6, 30)


def _lines(changes):
    return [
        (
            c.business_date,
            c.event_label,
            c.security_code,
            c.share_nature,
            c.quantity_delta,
            c.frozen_delta,
            c.pledged_delta,
            c.quantity_after,
            c.frozen_after,
            c.pledged_after,
        )
        for c in changes.rows
    ]


@pytest.fixture
def history(world):
    register_apply(
        events=[
            event(world, "a", quantity=10_000, day=D1, security="neeq"),
            event(world, "f", "freeze", frozen=1_000, day=D2, security="neeq"),
            event(world, "p", "pledge", pledged=2_000, day=D2, security="neeq"),
            event(world, "r", quantity=3_000, day=D3, security="neeq", nature="05", lockup_end=LOCKUP),
            event(world, "o", quantity=500, day=D1, security="neeq", account="other"),
            event(world, "s", quantity=700, day=D1, security="stock"),
        ]
    )
    return world


def test_an_accounts_changes_list_each_event_in_chinese_with_the_balances_after_it(history):
    changes = holding_changes(account=history["account"], security=history["neeq"])
    assert _lines(changes) == [
        (D1, "股份初始登记", "833819", "00", 10_000, 0, 0, 10_000, 0, 0),
        (D2, "司法冻结", "833819", "00", 0, 1_000, 0, 10_000, 1_000, 0),
        (D2, "质押登记", "833819", "00", 0, 0, 2_000, 10_000, 1_000, 2_000),
        (D3, "股份初始登记", "833819", "05", 3_000, 0, 0, 3_000, 0, 0),  # the restricted lot has its own balance
    ]
    assert not changes.truncated
    assert changes.rows[0].holder_name == "张明" and changes.rows[0].share_nature_label == "无限售流通股"


def test_a_period_shows_only_its_events_but_balances_carry_what_came_before(history):
    changes = holding_changes(account=history["account"], security=history["neeq"], date_from=D2, date_to=D2)
    assert [(c.event_label, c.quantity_after, c.frozen_after, c.pledged_after) for c in changes.rows] == [
        ("司法冻结", 10_000, 1_000, 0),
        ("质押登记", 10_000, 1_000, 2_000),
    ]


def test_without_a_security_every_code_of_the_account_is_listed_each_with_its_own_balance(history):
    changes = holding_changes(account=history["account"])
    assert {(c.security_code, c.quantity_after) for c in changes.rows if c.event_type == "initial"} == {
        ("833819", 10_000),
        ("833819", 3_000),
        ("920188", 700),
    }


def test_without_an_account_every_holder_of_the_security_is_listed(history):
    changes = holding_changes(security=history["neeq"], date_to=D1)
    assert [(c.account_number, c.quantity_after) for c in changes.rows] == [("0180000001", 10_000), ("0180000002", 500)]


def test_after_a_code_switch_the_920_codes_history_continues_the_old_codes_with_freezes_and_pledges(history, cast):
    security_code_switch(old_code="833819", new_code="920819", effective_date=SWITCH, actor=cast.operator)
    register_apply(
        events=[
            event(history, "pr", "pledge_release", pledged=-2_000, day=D4, security="neeq")
            | {"security": Security.objects.get(code="920819")}
        ]
    )
    changes = holding_changes(account=history["account"], security=Security.objects.get(code="920819"))
    unrestricted = [line for line in _lines(changes) if line[3] == "00"]
    assert unrestricted == [
        (D1, "股份初始登记", "833819", "00", 10_000, 0, 0, 10_000, 0, 0),
        (D2, "司法冻结", "833819", "00", 0, 1_000, 0, 10_000, 1_000, 0),
        (D2, "质押登记", "833819", "00", 0, 0, 2_000, 10_000, 1_000, 2_000),
        # the switch moves nothing within the lot: no dip to zero between the two codes
        (SWITCH, "代码转换转出", "833819", "00", -10_000, -1_000, -2_000, 10_000, 1_000, 2_000),
        (SWITCH, "代码转换转入", "920819", "00", 10_000, 1_000, 2_000, 10_000, 1_000, 2_000),
        (D4, "解除质押", "920819", "00", 0, 0, -2_000, 10_000, 1_000, 0),
    ]
    final = {
        (h.share_nature, h.quantity, h.frozen, h.pledged)
        for h in holdings_of(history["account"])
        if h.security.code == "920819"
    }
    assert final == {("00", 10_000, 1_000, 0), ("05", 3_000, 0, 0)}  # the last balances are the positions


def test_the_old_code_alone_ends_at_zero_on_the_switch(history, cast):
    security_code_switch(old_code="833819", new_code="920819", effective_date=SWITCH, actor=cast.operator)
    changes = holding_changes(account=history["account"], security=history["neeq"])
    assert [(c.event_label, c.quantity_after) for c in changes.rows if c.share_nature == "00"][-1] == (
        "代码转换转出",
        0,
    )


def test_a_long_history_is_capped_and_says_so(history):
    changes = holding_changes(account=history["account"], limit=2)
    assert len(changes.rows) == 2 and changes.truncated


def test_the_changes_of_an_account_take_one_query(history, django_assert_num_queries):
    with django_assert_num_queries(1):
        holding_changes(account=history["account"], date_from=D1)
