"""Register reads. holdings_of / holders_of read the maintained positions; pledgeable_quantity reads
the log, because it asks about the end of a past day (seed 004 §十一: 前一交易日的日终)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Sum

from csdp.register.models import EventType, Position, RegistrationEvent, ShareNature
from csdp.securities.models import SecuritiesAccount, Security, SecurityCodeChange


@dataclass(frozen=True)
class Holding:
    security: Security
    share_nature: str
    lockup_end: dt.date | None
    quantity: int
    frozen: int
    pledged: int
    available: int  # quantity − frozen − pledged (restricted lots included; they are not pledgeable)

    @property
    def share_nature_label(self) -> str:
        return ShareNature(self.share_nature).label


def holdings_of(account: SecuritiesAccount) -> list[Holding]:
    rows = (
        Position.objects.filter(account=account, quantity__gt=0)
        .select_related("security")
        .order_by("security__code", "share_nature", "lockup_end")
    )
    return [
        Holding(p.security, p.share_nature, p.lockup_end, p.quantity, p.frozen, p.pledged, p.available) for p in rows
    ]


def _lineage(security: Security) -> list[int]:
    """The security and every code it was switched from. Summing the log over all of them gives a
    continuous history: the switch-out and switch-in events of a lot cancel on the same day."""
    ids, code, seen = [security.pk], security.code, {security.code}
    while True:
        old = SecurityCodeChange.objects.filter(new_code=code).values_list("old_code", flat=True).first()
        if old is None or old in seen:
            return ids
        seen.add(old)
        ids += list(Security.objects.filter(code=old).values_list("pk", flat=True))
        code = old


def pledgeable_quantity(*, account: SecuritiesAccount, security: Security, as_of: dt.date) -> int:
    """What the account could pledge at the end of ``as_of``: unrestricted shares minus frozen and
    already pledged ones (seed 004 §十: 司法冻结、已质押等权利限制的部分不得列入); 限售 lots excluded."""
    totals = RegistrationEvent.objects.filter(
        account=account,
        security_id__in=_lineage(security),
        share_nature=ShareNature.UNRESTRICTED,
        business_date__lte=as_of,
    ).aggregate(quantity=Sum("quantity_delta"), frozen=Sum("frozen_delta"), pledged=Sum("pledged_delta"))
    free = (totals["quantity"] or 0) - (totals["frozen"] or 0) - (totals["pledged"] or 0)
    return max(free, 0)


@dataclass(frozen=True)
class HoldingChange:
    """One event of the log, with the lot's balances after it."""

    business_date: dt.date
    event_type: str
    security_code: str
    account_number: str
    ymt_number: str
    holder_name: str
    share_nature: str
    lockup_end: dt.date | None
    quantity_delta: int
    frozen_delta: int
    pledged_delta: int
    quantity_after: int
    frozen_after: int
    pledged_after: int
    memo: str

    @property
    def event_label(self) -> str:
        return EventType(self.event_type).label

    @property
    def share_nature_label(self) -> str:
        return ShareNature(self.share_nature).label


@dataclass(frozen=True)
class HoldingChanges:
    rows: list[HoldingChange]
    truncated: bool  # more events matched than ``limit``: the caller says so and asks for a shorter period


CHANGES_LIMIT = 1_000
CHANGES_PAGE = 100  # rows of one page of an account's changes
_SWITCH = (EventType.CODE_SWITCH_OUT.value, EventType.CODE_SWITCH_IN.value)


def holding_changes(
    *,
    account: SecuritiesAccount | None = None,
    security: Security | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int = CHANGES_LIMIT,
    offset: int = 0,
) -> HoldingChanges:
    """What changed on an account (or, without one, on every account of ``security``), oldest first:
    each event with the balances of its lot (account × security × share nature × lock-up end) after it.

    One query: the running balances are window sums over the lot's whole log, so an event inside the
    period carries the balance built up before ``date_from``; the period and ``limit`` are applied after.
    Asked for a security, the log covers every code it was switched from (rules.md §5): its lots
    continue across the switch, and the switch-out / switch-in pair moves nothing within them.
    """
    if account is None and security is None:
        raise ValueError("holding_changes needs an account or a security")
    where, params = [], []
    if account is not None:
        where.append("e.account_id = %s")
        params.append(account.pk)
    lineage = _lineage(security) if security is not None else []
    if lineage:
        where.append(f"e.security_id IN ({', '.join(['%s'] * len(lineage))})")
        params += lineage
    continuous = len(lineage) > 1
    lot = "e.account_id, e.share_nature, e.lockup_end" + ("" if continuous else ", e.security_id")
    window = f"OVER (PARTITION BY {lot} ORDER BY e.business_date, e.id ROWS UNBOUNDED PRECEDING)"

    def running(column: str) -> str:
        if not continuous:
            return f"SUM(e.{column}) {window}"
        return f"SUM(CASE WHEN e.event_type IN (%s, %s) THEN 0 ELSE e.{column} END) {window}"

    sums = [running(c) for c in ("quantity_delta", "frozen_delta", "pledged_delta")]
    period, period_params = [], []
    if date_from is not None:
        period.append("h.business_date >= %s")
        period_params.append(date_from)
    if date_to is not None:
        period.append("h.business_date <= %s")
        period_params.append(date_to)
    sql = f"""
        WITH h AS (
            SELECT e.id, e.business_date, e.event_type, e.security_id, e.account_id, e.share_nature, e.lockup_end,
                   e.quantity_delta, e.frozen_delta, e.pledged_delta, e.memo,
                   {sums[0]} AS quantity_after, {sums[1]} AS frozen_after, {sums[2]} AS pledged_after
            FROM register_registrationevent e WHERE {" AND ".join(where)}
        )
        SELECT h.business_date, h.event_type, s.code, a.number, i.ymt_number, i.name, h.share_nature, h.lockup_end,
               h.quantity_delta, h.frozen_delta, h.pledged_delta, h.quantity_after, h.frozen_after, h.pledged_after,
               h.memo
        FROM h JOIN securities_security s ON s.id = h.security_id
        JOIN securities_securitiesaccount a ON a.id = h.account_id JOIN securities_investor i ON i.id = a.investor_id
        {"WHERE " + " AND ".join(period) if period else ""}
        ORDER BY h.business_date, h.id LIMIT %s OFFSET %s"""
    switch_params = list(_SWITCH) * 3 if continuous else []
    with connection.cursor() as cursor:
        cursor.execute(sql, [*switch_params, *params, *period_params, limit + 1, offset])
        fetched = cursor.fetchall()
    rows = [_holding_change(r) for r in fetched[:limit]]
    return HoldingChanges(rows=rows, truncated=len(fetched) > limit)


def _holding_change(r: tuple[Any, ...]) -> HoldingChange:
    """One row of the query above, in its column order."""
    quantity_delta, frozen_delta, pledged_delta, quantity_after, frozen_after, pledged_after = (int(v) for v in r[8:14])
    return HoldingChange(
        business_date=_as_date(r[0]),
        event_type=r[1],
        security_code=r[2],
        account_number=r[3],
        ymt_number=r[4],
        holder_name=r[5],
        share_nature=r[6],
        lockup_end=_as_date(r[7]) if r[7] else None,
        quantity_delta=quantity_delta,
        frozen_delta=frozen_delta,
        pledged_delta=pledged_delta,
        quantity_after=quantity_after,
        frozen_after=frozen_after,
        pledged_after=pledged_after,
        memo=r[14],
    )


def _as_date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


@dataclass(frozen=True)
class Holder:
    account: SecuritiesAccount
    share_nature: str
    lockup_end: dt.date | None
    quantity: int
    frozen: int
    pledged: int


def holders_of(security: Security) -> list[Holder]:
    rows = (
        Position.objects.filter(security=security, quantity__gt=0)
        .select_related("account__investor")
        .order_by("-quantity", "account__number")
    )
    return [Holder(p.account, p.share_nature, p.lockup_end, p.quantity, p.frozen, p.pledged) for p in rows]


@dataclass(frozen=True)
class Difference:
    lot: tuple[Any, ...]  # (account_id, security_id, share_nature, lockup_end)
    from_log: tuple[int, int, int]  # (quantity, frozen, pledged) summed from the events
    in_positions: tuple[int, int, int]


def register_rebuild_check() -> list[Difference]:
    """Recompute every position from the event log and list the lots where the two disagree."""
    lot_fields = ("account_id", "security_id", "share_nature", "lockup_end")
    from_log = {
        tuple(row[f] for f in lot_fields): (row["q"], row["f"], row["p"])
        for row in RegistrationEvent.objects.order_by()
        .values(*lot_fields)
        .annotate(q=Sum("quantity_delta"), f=Sum("frozen_delta"), p=Sum("pledged_delta"))
    }
    stored = {
        tuple(row[f] for f in lot_fields): (row["quantity"], row["frozen"], row["pledged"])
        for row in Position.objects.order_by().values(*lot_fields, "quantity", "frozen", "pledged")
    }
    zero = (0, 0, 0)
    return [
        Difference(lot, from_log.get(lot, zero), stored.get(lot, zero))
        for lot in sorted(from_log.keys() | stored.keys(), key=lambda x: (x[0], x[1], x[2], x[3] or dt.date.max))
        if from_log.get(lot, zero) != stored.get(lot, zero)
    ]


PAGE_SIZE = 50


@dataclass(frozen=True)
class HolderPage:
    rows: list[Holder]
    next_after: str | None  # the account number to continue after; None on the last page


def holders_page(security: Security, *, after: str | None = None, q: str = "", size: int = PAGE_SIZE) -> HolderPage:
    """One page of a security's lots in account-number order, continued after an account number (keyset:
    the same cost on page 1 and page 7 000). The accounts' unique index on the number gives the order: the
    database walks it from the cursor and probes the (security, account) index for each account, or, for a
    security with few holders, reads those and sorts them. ``q``: an account number prefix, or a holder's
    exact name."""
    rows = Position.objects.filter(security=security, quantity__gt=0)
    if q:
        rows = (
            rows.filter(account__number__startswith=q.upper())
            if q.isalnum() and q.isascii()
            else rows.filter(account__investor__name=q)
        )
    if after:
        rows = rows.filter(account__number__gt=after)
    page = list(
        rows.select_related("account__investor").order_by("account__number", "share_nature", "lockup_end")[: size + 1]
    )
    more = len(page) > size
    page = page[:size]
    # A page never splits an account's lots: the next page starts after the last whole account.
    next_after: str | None = None
    if more and page:
        last = page[-1].account.number
        whole = [p for p in page if p.account.number != last] or page
        page, next_after = whole, whole[-1].account.number
    # No COUNT(*) over the security's lots: at a million lots it alone would cost the page its budget.
    return HolderPage(
        [Holder(p.account, p.share_nature, p.lockup_end, p.quantity, p.frozen, p.pledged) for p in page], next_after
    )
