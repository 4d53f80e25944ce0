"""Bonus shares on frozen or pledged shares follow the court freeze or the pledge (rules.md §12: "on
pledged or frozen shares they are pledged or frozen too"; 孳息随冻结).

R's entitlements split each lot's bonus over its frozen, pledged and free quantities (engine). On the list
date the register's encumbrances must stay owned: a frozen share belongs to a court's freeze and a pledged
one to a pledge (csdp.restrictions), whose release lets go exactly what the record holds. So, inside each
part's transaction (steps_bonus):

- the bonus shares on a frozen quantity accrue to the account's live freezes of the security holding
  shares, and those on a pledged quantity to the lot's outstanding pledges, apportioned by what each holds
  now: ⌊bonus × held ÷ Σ held⌋ each, the remainder to the oldest record (the first in the queue). The
  records' ``accrued_shares`` grow, and a freeze's ``frozen_shares`` with them, so a later release, expiry
  or deduction takes the bonus shares along;
- then the events register frozen (pledged) exactly the bonus shares that accrued — the gating reads this
  part's ``Accrual`` rows, not the records again, so a freeze placed on another connection after the
  accrual cannot make the two disagree. Bonus shares with no record to follow are credited free — the
  encumbrance they would follow has ended since R, or the frozen quantity at R was a
  settlement-collateral lock, which secures a delivery of those shares and not their 孳息 (*assumption*,
  docs/dividend.md);
- before the part commits, ``restrictions_rebuild_check`` over its encumbered accounts proves records =
  register (steps_bonus.records_check).

One ``Accrual`` row per distribution and record (unique), so a rerun of a part adds nothing twice."""

from __future__ import annotations

import uuid

from django.db import connection

from csdp.dividend.models import Accrual, AccrualKind, Distribution
from csdp.restrictions.models import FREEZE_LIVE, PLEDGE_OUTSTANDING, Freeze, Pledge

FAR = "'9999-12-31'"  # the lock-up key of an unrestricted lot (NULL = NULL is not true in SQL)


def _in(values) -> str:
    return ", ".join(repr(str(v)) for v in sorted(values))


def accrued_freeze_sql(account: str, distribution: str) -> str:
    """EXISTS: the account's bonus shares on frozen shares accrued to its freezes (bonus_source's gating)."""
    return (
        f"EXISTS (SELECT 1 FROM {Accrual._meta.db_table} a WHERE a.distribution_id = {distribution} AND "
        f"a.kind = '{AccrualKind.FREEZE.value}' AND a.account_id = {account})"
    )


def accrued_pledge_sql(account: str, distribution: str, nature: str, lockup: str) -> str:
    """EXISTS: the lot's bonus shares on pledged shares accrued to its pledges (bonus_source's gating)."""
    return (
        f"EXISTS (SELECT 1 FROM {Accrual._meta.db_table} a JOIN {Pledge._meta.db_table} p ON p.id = a.record_id "
        f"WHERE a.distribution_id = {distribution} AND a.kind = '{AccrualKind.PLEDGE.value}' AND a.account_id = "
        f"{account} AND p.share_nature = {nature} AND COALESCE(p.lockup_end, {FAR}) = COALESCE({lockup}, {FAR}))"
    )


def bonus_key_sql(distribution_id: int, row: str = "e") -> str:
    """The key of the bonus event of the entitlement row ``row`` (bonus_source's; the register's replay
    check reads it): ``div:<distribution>:<account id>:<nature>:<lock-up end YYYYMMDD, or ->``."""
    # dates as text: PostgreSQL's depends on DateStyle, SQLite stores ISO text
    end = f"{row}.lockup_end"
    day = f"to_char({end}, 'YYYYMMDD')" if connection.vendor == "postgresql" else f"REPLACE({end}, '-', '')"
    account = f"CAST({row}.account_id AS TEXT)"
    return f"'div:{int(distribution_id)}:' || {account} || ':' || {row}.share_nature || ':' || COALESCE({day}, '-')"


# Per record: its share of its account's (lot's) bonus frozen (pledged), the remainder to the oldest. Lots
# whose bonus event is in the log already are left out: their part committed (events and accruals
# together), and a record registered since must not take a share the register gave out then.
# Window sums are cast: PostgreSQL's SUM of bigints is numeric, and the division must be an integer one.
_APPORTION = """
WITH bonus AS (
    SELECT {lot}, CAST(SUM({column}) AS BIGINT) AS shares FROM dividend_entitlement e
    WHERE distribution_id = %s AND seq >= %s AND seq < %s AND {column} > 0
      AND NOT EXISTS (SELECT 1 FROM register_registrationevent r WHERE r.key = {key}) GROUP BY {lot}
), held AS (
    SELECT r.id, {record_lot}, b.shares, {held} AS held FROM {table} r JOIN bonus b ON {match}
    WHERE r.security_id = %s AND r.status IN ({states}) AND {held} > 0
), share AS (
    SELECT id, {lot}, shares, shares * held / CAST(SUM(held) OVER (PARTITION BY {lot}) AS BIGINT) AS base,
           ROW_NUMBER() OVER (PARTITION BY {lot} ORDER BY id) AS rn
    FROM held
)
SELECT %s AS distribution_id, %s AS kind, id, account_id,
       base + CASE WHEN rn = 1 THEN shares - CAST(SUM(base) OVER (PARTITION BY {lot}) AS BIGINT) ELSE 0 END
       AS shares, %s AS token
FROM share
"""


def _apportion_sql(kind: str, distribution_id: int) -> str:
    key = bonus_key_sql(distribution_id)
    if kind == AccrualKind.FREEZE:
        return _APPORTION.format(
            key=key,
            lot="account_id",
            column="bonus_frozen",
            record_lot="r.account_id",
            table=Freeze._meta.db_table,
            match="b.account_id = r.account_id",
            held="r.frozen_shares",
            states=_in(FREEZE_LIVE),
        )
    return _APPORTION.format(
        key=key,
        lot="account_id, share_nature, lockup_end",
        column="bonus_pledged",
        record_lot="r.pledgor_account_id AS account_id, r.share_nature, r.lockup_end",
        table=Pledge._meta.db_table,
        match=f"b.account_id = r.pledgor_account_id AND b.share_nature = r.share_nature "
        f"AND COALESCE(b.lockup_end, {FAR}) = COALESCE(r.lockup_end, {FAR})",
        held="(r.quantity_shares + r.accrued_shares - r.released_shares)",
        states=_in(PLEDGE_OUTSTANDING),
    )


def records_lock(distribution: Distribution, part: tuple[int, int]) -> None:
    """Lock the live freezes and outstanding pledges of the part's accounts, in primary-key order, before
    bonus_accrue reads them (to apportion) and then grows them: an unfreeze or a pledge release committing
    between the two would grow a record already let go. Records before lots, as csdp.restrictions locks
    them (no deadlock with a release running now: it waits for the part's commit, then releases what the
    record holds, its bonus shares included)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT account_id FROM dividend_entitlement WHERE distribution_id = %s AND seq IN (%s, %s) ORDER BY seq",
            [distribution.pk, part[0], part[1] - 1],
        )
        ends = [row[0] for row in cursor.fetchall()]
    if not ends:
        return
    span = (min(ends), max(ends))  # the seq runs in account order: the part's accounts lie between
    security = distribution.security_id
    list(
        Freeze.objects.select_for_update()
        .filter(security_id=security, account_id__gte=span[0], account_id__lte=span[1], status__in=FREEZE_LIVE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    list(
        Pledge.objects.select_for_update()
        .filter(
            security_id=security,
            pledgor_account_id__gte=span[0],
            pledgor_account_id__lte=span[1],
            status__in=PLEDGE_OUTSTANDING,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


_GROW = {
    AccrualKind.FREEZE: "frozen_shares = frozen_shares + a.shares, accrued_shares = accrued_shares + a.shares",
    AccrualKind.PLEDGE: "accrued_shares = accrued_shares + a.shares",
}


def bonus_accrue(distribution: Distribution, part: tuple[int, int]) -> int:
    """Add the part's bonus shares registered frozen or pledged to their freezes and pledges (in the
    part's transaction, after its events). Returns the shares accrued now."""
    token = uuid.uuid4().hex
    table = Accrual._meta.db_table
    accrued = 0
    with connection.cursor() as cursor:
        for kind in (AccrualKind.FREEZE, AccrualKind.PLEDGE):
            cursor.execute(
                f"INSERT INTO {table} (distribution_id, kind, record_id, account_id, shares, token) "
                # a record that accrued already (a rerun) is left as it is: the unique (distribution, kind,
                # record). Not an anti-join: the planner takes the windowed rows for one and probes the
                # accruals by (distribution, kind) alone per row (1M holders: 40 s instead of milliseconds).
                f"SELECT * FROM ({_apportion_sql(kind, distribution.pk)}) x WHERE x.shares > 0 ON CONFLICT DO NOTHING",
                [distribution.pk, *part, distribution.security_id, distribution.pk, kind.value, token],
            )
            if not cursor.rowcount:
                continue
            record = (Freeze if kind == AccrualKind.FREEZE else Pledge)._meta.db_table
            cursor.execute(
                f"UPDATE {record} SET {_GROW[kind]} FROM {table} a "
                f"WHERE a.token = %s AND a.kind = %s AND a.record_id = {record}.id",
                [token, kind.value],
            )
            cursor.execute(f"SELECT COALESCE(SUM(shares), 0) FROM {table} WHERE token = %s", [token])
            accrued += int(cursor.fetchone()[0])
    return accrued
