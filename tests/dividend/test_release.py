"""Held cash follows the freeze (孳息随冻结): when the account's shares are no longer frozen, the cash held
for them is paid to its custodian participant through the ledger, once, with an audit event."""

from __future__ import annotations

import datetime as dt

from csdp.audit.models import AuditEvent
from django.db.models import Sum

from csdp.dividend.models import Entitlement, HeldCash
from csdp.dividend.release import release_eod
from csdp.ledger.models import LedgerAccount
from csdp.register.services import register_apply
from tests.dividend.world import DEADLINE, PAY, R, at, eod, fund, schedule

AFTER = dt.date(2026, 6, 10)


def _balance(number: str) -> int:
    a = LedgerAccount.objects.get(number=number)
    return a.credits_posted - a.debits_posted


def _unfreeze(security, account, quantity: int, key: str) -> None:
    at(AFTER, 11)
    event = {"security_id": security.pk, "account_id": account.pk, "business_date": AFTER, "key": key}
    register_apply(events=[{**event, "event_type": "unfreeze", "frozen_delta": -quantity}])


def _paid(cast):
    d = schedule(cast.issuer_a)
    fund(d, cast.issuer_a)
    for day in (DEADLINE, R, PAY):
        eod(day)
    return d


def test_cash_held_on_frozen_shares_is_paid_to_the_participant_once_the_freeze_lifts(world, cast):
    security, accounts = world
    d = _paid(cast)
    held = HeldCash.objects.get(distribution=d, reason="frozen")
    reserve_before, held_before = _balance("R-P2"), _balance(f"DIV-{d.pk}-HELD")
    assert release_eod(AFTER) == []  # still frozen: nothing moves
    _unfreeze(security, accounts["0100000003"], 700, "lift")
    lines = release_eod(AFTER)
    assert len(lines) == 1 and "已派发至结算参与人" in lines[0].text
    held.refresh_from_db()
    assert held.released_on == AFTER and held.released_to.name and held.released_transfer.amount_fen == held.amount_fen
    assert _balance("R-P2") == reserve_before + held.amount_fen
    assert _balance(f"DIV-{d.pk}-HELD") == held_before - held.amount_fen
    assert AuditEvent.objects.filter(action="dividend.held_release").count() == 1
    # a second run pays nothing more
    assert release_eod(AFTER) == [] and _balance("R-P2") == reserve_before + held.amount_fen


def test_cash_stays_held_while_part_of_the_freeze_remains_and_for_an_account_without_custodian(world, cast):
    security, accounts = world
    d = _paid(cast)
    _unfreeze(security, accounts["0100000003"], 300, "partial")  # 400 still frozen
    assert release_eod(AFTER) == []
    assert not HeldCash.objects.filter(distribution=d, released_on__isnull=False).exists()
    assert HeldCash.objects.get(distribution=d, reason="no_custodian").released_on is None


def test_a_court_freeze_placed_after_r_holds_the_cash_until_it_expires_then_pays_it_the_same_evening(world, cast):
    from csdp.approvals.services import approval_approve
    from csdp.restrictions.services_freeze import FreezeData, freeze_prepare, freezes_expire

    security, accounts = world
    d = schedule(cast.issuer_a)
    fund(d, cast.issuer_a)
    for day in (DEADLINE, R):
        eod(day)
    at(PAY, 9)
    notice = FreezeData(
        court="某某区人民法院",
        document_number="（2026）执123号",
        account_number="0100000001",
        security_code=security.code,
        whole_holding=False,
        quantity_shares=100,
        start_date=PAY,
        end_date=AFTER,
    )
    approval_approve(approval=freeze_prepare(by=cast.operator, data=notice), by=cast.reviewer)
    eod(PAY)
    held = HeldCash.objects.get(distribution=d, account_id=accounts["0100000001"].pk)
    entitled = Entitlement.objects.filter(distribution_id=d.pk, account_id=held.account_id).aggregate(s=Sum("cash_fen"))
    assert held.reason == "frozen_later" and held.amount_fen == entitled["s"]  # the whole account's cash
    at(AFTER, 17)
    assert release_eod(AFTER) == []  # the court's freeze is live
    freezes_expire(day=AFTER)  # csdp/restrictions' end of day (order 40) releases it at the end of its period
    before = _balance("R-P1")
    assert release_eod(AFTER)  # dividend_release (order 45), the same evening
    held.refresh_from_db()
    assert held.released_on == AFTER and _balance("R-P1") == before + held.amount_fen
