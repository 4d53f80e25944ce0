"""Share-changing business is suspended from a plan's approval until R's end of day (csdp.dividend.guards):
the register refuses to issue or cancel shares of the security, with the reason and the date it can go on;
transfers, freezes and other securities go on; R's end of day, or a withdrawal, lifts it. Without it an
issuer fully funded at the deadline found its cash part cancelled at R for a few shares issued between."""

from __future__ import annotations

import datetime as dt

import pytest

from csdp.dividend.models import CashStatus, Status
from csdp.dividend.services import DividendError, distribution_schedule, distribution_withdraw
from csdp.register.capital import register_check
from csdp.register.models import Position, RegistrationEvent
from csdp.register.services import RegisterError, register_apply
from csdp.securities.models import Market, Security
from csdp.securities.services import security_create
from tests.dividend.world import DEADLINE, PAY, R, at, eod, fund, schedule


def _new_shares(security, account, key: str, quantity: int = 100, day: dt.date = DEADLINE) -> None:
    register_apply(
        events=[
            {
                "key": key,
                "security_id": security.pk,
                "account_id": account.pk,
                "event_type": "new_shares",
                "quantity_delta": quantity,
                "business_date": day,
            }
        ]
    )


def test_new_shares_between_approval_and_r_are_refused_with_the_reason_and_leave_nothing(world, cast):
    security, accounts = world
    schedule(cast.issuer_a)
    before = Security.objects.get(pk=security.pk).issued_shares
    at(DEADLINE)
    with pytest.raises(RegisterError) as refused:
        _new_shares(security, accounts["0100000001"], "guard:1")
    assert refused.value.code == "register.capital_suspended"
    assert "正在实施权益分派" in refused.value.message and str(R) in refused.value.message
    assert Security.objects.get(pk=security.pk).issued_shares == before
    assert not RegistrationEvent.objects.filter(key="guard:1").exists()
    register_check(security)


def test_a_fully_funded_plan_keeps_its_cash_part_at_r_because_the_capital_cannot_change(world, cast):
    security, accounts = world
    d = schedule(cast.issuer_a)
    fund(d, cast.issuer_a)
    eod(DEADLINE)
    with pytest.raises(RegisterError):
        _new_shares(security, accounts["0100000001"], "guard:2", day=R)
    eod(R)
    d.refresh_from_db()
    assert d.status == Status.ENTITLED and d.cash_status == CashStatus.FUNDED


def test_transfers_freezes_and_other_securities_go_on_during_the_suspension(world, cast):
    security, accounts = world
    schedule(cast.issuer_a)
    at(DEADLINE)
    one, two = accounts["0100000001"], accounts["0100000002"]
    register_apply(
        events=[
            {
                "key": f"guard:t:{n}",
                "security_id": security.pk,
                "account_id": account.pk,
                "event_type": "non_trade",
                "quantity_delta": quantity,
                "business_date": DEADLINE,
            }
            for n, (account, quantity) in enumerate([(one, -10), (two, 10)])
        ]
    )
    other = security_create(
        code="920002", name="乙股份", kind="stock", market=Market.BSE, issuer=cast.issuer_a.institution
    )
    _new_shares(other, one, "guard:other", quantity=500)
    assert Position.objects.get(account=two, security=security, share_nature="00").quantity == 343
    assert Security.objects.get(pk=other.pk).issued_shares == 500


@pytest.mark.parametrize("lifted_by", ["r_end_of_day", "withdrawal"])
def test_rs_end_of_day_or_a_withdrawal_lifts_the_suspension(world, cast, lifted_by):
    security, accounts = world
    d = schedule(cast.issuer_a, cash="0", bonus="1", transfer="0")
    before = Security.objects.get(pk=security.pk).issued_shares
    if lifted_by == "withdrawal":
        distribution_withdraw(distribution_id=d.pk, reason="股东大会撤回")
        day = DEADLINE
    else:
        eod(R)
        day = PAY
    at(day)
    _new_shares(security, accounts["0100000001"], "guard:after", day=day)
    assert Security.objects.get(pk=security.pk).issued_shares == before + 100
    register_check(security)


def test_a_second_plan_is_refused_until_the_first_ones_bonus_shares_are_registered(world, cast):
    # approved while the first waits for its list date, it would suspend issuing the first one's bonus shares
    first = schedule(cast.issuer_a, cash="0", bonus="1", transfer="0")
    for day in (R, PAY):
        eod(day)
    first.refresh_from_db()
    assert first.status == Status.PAID
    later = {"application_id": None, "code": "920001", "issuer_id": cast.issuer_a.institution_id, "seed": 1}
    later |= {"cash_micro": 0, "bonus_micro": 1_000_000, "transfer_micro": 0, "record_date": "2026-06-26"}
    with pytest.raises(DividendError) as refused:
        distribution_schedule(payload=later)
    assert refused.value.code == "dividend.clash" and str(R) in refused.value.message
