"""A small distribution world: issuer A's BSE stock 920001 held by five accounts at two participants —
one free holder, one with a restricted lot, one with frozen and pledged shares, one with no custodian,
one that will be closed — and the helpers to walk a plan through counter, four-eyes and the EOD."""

from __future__ import annotations

import datetime as dt

from csdp.approvals.models import Approval
from csdp.approvals.services import approval_approve
from csdp.clock.services import clock_set
from csdp.dividend.models import Distribution
from csdp.dividend.services import distribution_schedule
from csdp.dividend.runner import dividend_eod
from csdp.register.services import register_apply
from csdp.securities.models import CustodyUnit, Market
from csdp.securities.services import security_create
from tests.ipo.world import investor_account, participant

START = dt.date(2026, 6, 1)  # a Monday
R = dt.date(2026, 6, 5)  # Friday: funding deadline R−2 = 6/3, ex/pay R+1 = 6/8, list R+2 = 6/9
DEADLINE, PAY, LIST = dt.date(2026, 6, 3), dt.date(2026, 6, 8), dt.date(2026, 6, 9)
LOTS = [  # account, nature, lock-up end, quantity, frozen, pledged, custody unit
    ("0100000001", "00", None, 1_001, 0, 0, "710001"),
    ("0100000002", "00", None, 333, 0, 0, "710001"),
    ("0100000002", "05", dt.date(2027, 6, 30), 667, 0, 0, "710001"),
    ("0100000003", "00", None, 2_500, 700, 900, "720001"),
    ("0100000004", "00", None, 77, 0, 0, None),
    ("0100000005", "00", None, 10, 0, 0, "720001"),
]


TOTAL_QUANTITY = sum(lot[3] for lot in LOTS)


def declare(distribution, user, amount=None, ref="BANK-001"):
    """The issuer (or an operator) declares a payment: no money moves yet."""
    from csdp.dividend.funding import funding_declare

    amount = amount if amount is not None else TOTAL_QUANTITY * distribution.cash_micro // 100_000
    return funding_declare(distribution=distribution, bank_reference=ref, amount_fen=amount, by=user)


def fund(distribution, user, amount=None, ref="BANK-001"):
    """Declared by ``user`` and confirmed by the cast's reviewer (another person): the money is in."""
    from csdp.accounts.models import User
    from csdp.dividend.funding import funding_confirm

    declared = declare(distribution, user, amount, ref)
    return funding_confirm(funding=declared, by=User.objects.get(username="reviewer"))


def at(day: dt.date, hh: int = 10) -> None:
    clock_set(moment=dt.datetime(day.year, day.month, day.day, hh, 0), frozen=True)


def build(issuer):
    at(START)
    security = security_create(code="920001", name="甲股份", kind="stock", market=Market.BSE, issuer=issuer.institution)
    participant("P1", "710001", funds_fen=0)
    participant("P2", "720001", funds_fen=0)
    accounts, events = {}, []
    for n, (number, nature, end, q, f, p, unit) in enumerate(LOTS):
        if number not in accounts:
            account = investor_account(number, f"持有人{n}", id17=f"11010519850101{n:03d}")
            account.custody_unit = CustodyUnit.objects.filter(code=unit).first() if unit else None
            account.save(update_fields=["custody_unit"])
            accounts[number] = account
        base = {
            "security_id": security.pk,
            "account_id": accounts[number].pk,
            "share_nature": nature,
            "lockup_end": end,
            "business_date": START,
        }
        events.append({**base, "key": f"w:{n}:q", "event_type": "initial", "quantity_delta": q})
        if f:
            events.append({**base, "key": f"w:{n}:f", "event_type": "freeze", "frozen_delta": f})
        if p:
            events.append({**base, "key": f"w:{n}:p", "event_type": "pledge", "pledged_delta": p})
    register_apply(events=events)
    return security, accounts


def schedule(
    issuer, *, cash="1.234567", bonus="3", transfer="2", seed=7, method="precise", code="920001"
) -> Distribution:
    from csdp.dividend.engine import Rates

    rates = Rates.parse(cash, bonus, transfer)
    return distribution_schedule(
        payload={
            "application_id": None,
            "code": code,
            "issuer_id": issuer.institution_id,
            "cash_micro": rates.cash_micro,
            "bonus_micro": rates.bonus_micro,
            "transfer_micro": rates.transfer_micro,
            "record_date": R.isoformat(),
            "method": method,
            "seed": seed,
        }
    )


def eod(day: dt.date):
    at(day, 17)
    return dividend_eod(day)


def approve_latest(reviewer) -> Approval:
    return approval_approve(approval=Approval.objects.order_by("-pk").first(), by=reviewer)
