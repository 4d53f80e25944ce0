"""Reads of the greenshoe: what counts against the limit and what each agreement is still owed."""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum

from csdp.clock.services import trading_day_offset
from csdp.greenshoe.models import OPEN_STATUSES, FilingKind, FilingRow, GreenshoeFiling, GreenshoeOption


def committed_shares(option: GreenshoeOption) -> int:
    """Shares of filings submitted or registered, (a) and (b) together: never above the limit (002 §2.2)."""
    return option.filings.filter(status__in=OPEN_STATUSES).aggregate(n=Sum("total_shares"))["n"] or 0


def owed_by_account(option: GreenshoeOption) -> dict[int, int]:
    """account id → agreement shares not yet covered by a submitted or registered filing."""
    owed = {a.account_id: a.shares for a in option.agreements.all()}
    taken = (
        FilingRow.objects.filter(filing__option=option, filing__status__in=OPEN_STATUSES)
        .values("account_id")
        .annotate(n=Sum("shares"))
    )
    for row in taken:
        owed[row["account_id"]] = owed.get(row["account_id"], 0) - row["n"]
    return owed


def window(option: GreenshoeOption, kind: str) -> tuple[dt.date, dt.date]:
    """The first and last business day on which a filing of ``kind`` is accepted.

    (a) 002 §2.2.1: within the three trading days after the exercise period expires.
    (b) 002 §2.2.2: within three trading days of the period's end, or of the day the purchases reached
    the limit when that came first.
    """
    if kind == FilingKind.ISSUANCE:
        return trading_day_offset(option.exercise_end, 1), trading_day_offset(option.exercise_end, 3)
    trigger = option.exercise_end
    if option.limit_reached_on and option.limit_reached_on < trigger:
        trigger = option.limit_reached_on
    return trigger, trading_day_offset(trigger, 3)


def filings_of(option: GreenshoeOption):
    return GreenshoeFiling.objects.filter(option=option).select_related("filed_by", "fee_notice")


def offering_greenshoe(offering) -> dict | None:
    """What the IPO offering page shows of the option: limit, (a) and (b) registered, committed, windows."""
    option = GreenshoeOption.objects.filter(offering=offering).first()
    if option is None:
        return None
    registered = dict(option.filings.filter(status="registered").values_list("kind").annotate(n=Sum("total_shares")))
    return {
        "option": option,
        "limit": option.limit_shares,
        "committed": committed_shares(option),
        "issued": registered.get(FilingKind.ISSUANCE, 0),
        "transferred": registered.get(FilingKind.TRANSFER, 0),
        "agreed": option.agreements.aggregate(n=Sum("shares"))["n"] or 0,
        "issuance_window": window(option, FilingKind.ISSUANCE),
        "transfer_window": window(option, FilingKind.TRANSFER),
    }
