"""持有人名册 snapshots: the list of a security as of the end of a day, kept with its holders' names joined
and its lots in the list's order, so the list of a nearby day is the snapshot plus or minus the events in
between instead of a million lots joined to their accounts and investors and sorted again
(docs/performance.md, "Register: 持有人名册 as of a day").

Exact without invalidation. A snapshot S holds Σ events of the lineage with business_date ≤ S.as_of and
id ≤ S.watermark; the watermark is read under a brief SHARE lock on the log, so every event with a lower
id is committed by then and folded. The list as of D, counting the events with id ≤ W (W unbounded for a
read, the new watermark for a build), is then

- D ≥ S.as_of: S + events with business_date in (S.as_of, D] and id ≤ W
               + events with business_date ≤ S.as_of and S.watermark < id ≤ W;
- D < S.as_of: S − events with business_date in (D, S.as_of] and id ≤ S.watermark
               + events with business_date ≤ D and S.watermark < id ≤ W.

The events written after the snapshot, back-dated ones included, are found by a range scan of the
primary key (usually empty). Names: a lot the delta leaves alone keeps the snapshot's name; the accounts
the delta touches and those whose investor was updated since the snapshot (Investor.updated_at, with
NAMES_MARGIN for a transaction still open when the snapshot read them) are read again.

Built by `csdp register snapshot` and the end of day (``roster_snapshots_eod``: securities with at least
CSDP_ROSTER_SNAPSHOT_MIN_HOLDERS holders, every CSDP_ROSTER_SNAPSHOT_DAYS days), from the nearest earlier
snapshot when there is one, set-based: one INSERT … SELECT.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from csdp.clock.eod import EodLine
from csdp.lib.bulk import jit_off
from csdp.register.bulk_fold import FAR  # the lock-up key of an unrestricted lot
from csdp.register.models import ISSUING, RosterSnapshot
from csdp.register.selectors import _lineage
from csdp.securities.models import Security, SecurityStatus

EVENT = "register_registrationevent"
LOT = "register_rostersnapshotlot"
ISSUED = f"CASE WHEN event_type IN ({', '.join(repr(t) for t in sorted(ISSUING))}) THEN quantity_delta ELSE 0 END"
# An investor renamed by a transaction that stamped updated_at before the snapshot read the names but
# committed after is re-read too, if it committed within this margin (investor_update commits at once).
NAMES_MARGIN = dt.timedelta(hours=1)
# The columns of a list's rows, in this order (lk: the lock-up key, FAR when unrestricted).
ROW_COLUMNS = (
    "account_id, held, first, number, name, id_type, id_number, share_nature, lk, quantity, frozen, pledged, line"
)


def _in(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _pg() -> bool:
    return connection.vendor == "postgresql"


def account_order() -> str:
    """The accounts' order: the largest first, ties by account number byte-wise (COLLATE "C" on
    PostgreSQL, as Polars sorts; SQLite compares bytes already)."""
    collate = ' COLLATE "C"' if _pg() else ""
    return f"held DESC, number{collate}"


def list_order() -> str:
    """The list's order: the accounts' order, then each account's lots by nature and date."""
    return f"{account_order()}, share_nature, lk"


def _csv_field(column: str) -> str:
    special = "',\"' || chr(13) || chr(10)"
    return (
        f"CASE WHEN translate({column}, {special}, '') = {column} THEN {column} "
        f"ELSE '\"' || replace({column}, '\"', '\"\"') || '\"' END"
    )


def csv_line_sql(p: str) -> str:
    """The command's CSV line of a lot (columns prefixed ``p``), quoted as Polars quotes (a field with a
    comma, a quote or a line break in quotes, quotes doubled). PostgreSQL only."""
    return (
        f"concat_ws(',', {_csv_field(p + 'number')}, {_csv_field(p + 'name')}, {_csv_field(p + 'id_number')}, "
        f"{p}share_nature, CASE WHEN {p}lk = {FAR} THEN '' ELSE to_char({p}lk, 'YYYY-MM-DD') END, {p}quantity, "
        f"{p}frozen, {p}pledged)"
    )


@dataclass(frozen=True)
class Rows:
    """A WITH clause whose ``rows`` are the lots of the list (ROW_COLUMNS) and whose ``d_all`` carries
    the issuing quantity to add to the base's capital (``base_issued``)."""

    sql: str
    params: list[Any]
    base_issued: int
    snapshot: RosterSnapshot | None
    order: str  # ORDER BY of the rows in the list's order


def snapshot_nearest(
    security: Security, as_of: dt.date, lineage: list[int], *, watermark: int | None = None
) -> RosterSnapshot | None:
    """The snapshot of the same lineage nearest to the day (the earlier one on a tie); for a build
    only those folded up to its own watermark or less."""
    found = RosterSnapshot.objects.filter(security=security, lineage=_key(lineage))
    if watermark is not None:
        found = found.filter(watermark__lte=watermark)
    before = found.filter(as_of__lte=as_of).order_by("-as_of").first()
    after = found.filter(as_of__gt=as_of).order_by("as_of").first()
    if before is None or after is None:
        return before or after
    return after if (after.as_of - as_of) < (as_of - before.as_of) else before


def snapshot_held(
    security: Security, as_of: dt.date, lineage: list[int], *, watermark: int | None = None
) -> RosterSnapshot | None:
    """``snapshot_nearest``, held for the caller's transaction: on PostgreSQL its header is locked FOR SHARE,
    so a prune (which deletes the lots and then the header, in one transaction) waits for this read and
    cannot take the lots from under it; one pruned meanwhile is passed over. SQLite reads one snapshot of
    the database for the whole transaction already."""
    for _ in range(3):
        found = snapshot_nearest(security, as_of, lineage, watermark=watermark)
        if found is None or not _pg():
            return found
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM register_rostersnapshot WHERE id = %s FOR SHARE", [found.pk])
            if cursor.fetchone() is not None:
                return found
    return None


def _key(lineage: list[int]) -> str:
    return ",".join(str(i) for i in lineage)


def _delta_sql(
    lineage: list[int], base: RosterSnapshot | None, as_of: dt.date, bound: int | None
) -> tuple[str, list[Any]]:
    """The signed events that turn ``base`` (None: nothing) into the list as of ``as_of`` counting the
    events with id ≤ ``bound`` (None: all): account_id, share_nature, lk, q, f, p, issued."""

    def part(sign: str, where: str, params: list[Any]) -> tuple[str, list[Any]]:
        upto = " AND id <= %s" if bound is not None else ""
        return (
            f"SELECT account_id, share_nature, COALESCE(lockup_end, {FAR}) AS lk, {sign}quantity_delta AS q, "
            f"{sign}frozen_delta AS f, {sign}pledged_delta AS p, {sign}({ISSUED}) AS issued FROM {EVENT} "
            f"WHERE security_id IN ({_in(lineage)}) AND {where}{upto}",
            [*lineage, *params, *([bound] if bound is not None else [])],
        )

    if base is None:
        parts = [part("", "business_date <= %s", [as_of])]
    elif base.as_of <= as_of:
        parts = [part("", "business_date <= %s AND id > %s", [base.as_of, base.watermark])]
        if base.as_of < as_of:
            parts.append(part("", "business_date > %s AND business_date <= %s", [base.as_of, as_of]))
    else:  # the snapshot is later than the day: take off what it folded after the day
        back = (
            f"SELECT account_id, share_nature, COALESCE(lockup_end, {FAR}) AS lk, -quantity_delta AS q, "
            f"-frozen_delta AS f, -pledged_delta AS p, -({ISSUED}) AS issued FROM {EVENT} WHERE security_id IN "
            f"({_in(lineage)}) AND business_date > %s AND business_date <= %s AND id <= %s"
        )
        parts = [
            (back, [*lineage, as_of, base.as_of, base.watermark]),
            part("", "business_date <= %s AND id > %s", [as_of, base.watermark]),
        ]
    return " UNION ALL ".join(p[0] for p in parts), [x for p in parts for x in p[1]]


def roster_rows(
    security: Security, as_of: dt.date, lineage: list[int], base: RosterSnapshot | None, bound: int | None = None
) -> Rows:
    """The list's lots as ``rows`` of a WITH clause (ROW_COLUMNS; in the list's order by ``Rows.order``):
    ``base`` ± the events between (module docstring), or, without a base, the events up to the day
    joined to their accounts and investors."""
    delta, params = _delta_sql(lineage, base, as_of, bound)
    sql = (
        f"WITH d_all AS MATERIALIZED (SELECT account_id, share_nature, lk, SUM(q) AS q, SUM(f) AS f, SUM(p) AS p, "
        f"SUM(issued) AS issued FROM ({delta}) e GROUP BY account_id, share_nature, lk), "
    )
    if base is None:
        names = (
            "SELECT a.id AS account_id, a.number, i.name, i.id_type, i.id_number FROM securities_securitiesaccount a "
            "JOIN securities_investor i ON i.id = a.investor_id"
        )
        sql += f"l AS (SELECT * FROM d_all WHERE q <> 0), names AS ({names}), {_changed_lots()}, rows AS ({_lines()})"
        return Rows(sql, params, 0, None, list_order())
    sql += (
        # The lots the delta changes, the accounts renamed since, and the snapshot's lots of both.
        "d AS MATERIALIZED (SELECT account_id, share_nature, lk, q, f, p FROM d_all WHERE q <> 0 OR f <> 0 OR p <> 0), "
        "renamed AS MATERIALIZED (SELECT a.id AS account_id FROM securities_investor i JOIN "
        "securities_securitiesaccount a ON a.investor_id = i.id WHERE i.updated_at >= %s), "
        "t AS MATERIALIZED (SELECT account_id FROM d UNION SELECT account_id FROM renamed), "
        f"o AS MATERIALIZED (SELECT {SNAPSHOT_COLUMNS} FROM {LOT} WHERE snapshot_id = %s "
        "AND account_id IN (SELECT account_id FROM t)), "
        "l AS (SELECT account_id, share_nature, lk, SUM(q) AS q, SUM(f) AS f, SUM(p) AS p FROM ("
        "SELECT account_id, share_nature, lk, quantity AS q, frozen AS f, pledged AS p FROM o "
        "UNION ALL SELECT account_id, share_nature, lk, q, f, p FROM d) x "
        "GROUP BY account_id, share_nature, lk HAVING SUM(q) <> 0), "
        # Their names: the snapshot's, unless renamed or new to the list (those read again, one by one).
        "n AS (SELECT account_id, number, name, id_type, id_number FROM o WHERE first "
        "AND account_id NOT IN (SELECT account_id FROM renamed)), "
        f"names AS (SELECT * FROM n UNION ALL {_fresh_names()}), {_changed_lots()}, "
        # The snapshot's lots left alone keep their place (ordinal); a changed lot goes after the last
        # snapshot lot before it in the list's order (slot, one probe of the key index each), so the list
        # is sorted on an integer rather than on a million account numbers.
        f"placed AS (SELECT c.*, {_line()} AS line, COALESCE(({_slot()}), 0) AS slot, 1 AS sub FROM c), "
        f"rows AS (SELECT {SNAPSHOT_COLUMNS}, line, ordinal AS slot, 0 AS sub FROM {LOT} WHERE snapshot_id = %s "
        "AND account_id NOT IN (SELECT account_id FROM t) UNION ALL SELECT * FROM placed)"
    )
    params += [base.names_at - NAMES_MARGIN, base.pk, base.pk, base.pk]
    return Rows(sql, params, base.issued_capital, base, f"slot, sub, {list_order()}")


def _slot() -> str:
    """The ordinal of the snapshot's last lot before lot ``c`` in the list's order (keys compared as a
    row: -held, number, nature, lock-up key; the index roster_snapshot_lot_order on PostgreSQL)."""
    collate = ' COLLATE "C"' if _pg() else ""
    key = f"-s.held, s.number{collate}, s.share_nature, s.lockup_key"
    desc = f"-s.held DESC, s.number{collate} DESC, s.share_nature DESC, s.lockup_key DESC"
    return (
        f"SELECT s.ordinal FROM {LOT} s WHERE s.snapshot_id = %s AND ({key}) < (-c.held, c.number{collate}, "
        f"c.share_nature, c.lk) ORDER BY {desc} LIMIT 1"
    )


SNAPSHOT_COLUMNS = "account_id, held, first, number, name, id_type, id_number, share_nature, lockup_key AS lk, quantity, frozen, pledged"


def _line() -> str:
    return csv_line_sql("c.") if _pg() else "''"


def _lines() -> str:
    return f"SELECT c.*, {_line()} AS line FROM c"


def _changed_lots() -> str:
    """``c``: the lots of ``l`` (account, nature, lock-up key, sums) with their account's holding, its
    first lot and the names of ``names``."""
    return (
        "c AS (SELECT l.account_id, CAST(SUM(l.q) OVER (PARTITION BY l.account_id) AS BIGINT) AS held, "
        "(row_number() OVER (PARTITION BY l.account_id ORDER BY l.share_nature, l.lk) = 1) AS first, "
        "nm.number, nm.name, nm.id_type, nm.id_number, l.share_nature, l.lk, CAST(l.q AS BIGINT) AS quantity, "
        "CAST(l.f AS BIGINT) AS frozen, CAST(l.p AS BIGINT) AS pledged FROM l JOIN names nm "
        "ON nm.account_id = l.account_id)"
    )


def _fresh_names() -> str:
    """The names of the changed lots' accounts the snapshot has none for (renamed, or new to the list):
    looked up one account at a time on PostgreSQL (a few among a million: no hash of every account)."""
    wanted = "(SELECT account_id FROM l EXCEPT SELECT account_id FROM n) x"
    if not _pg():
        return (
            f"SELECT x.account_id, a.number, i.name, i.id_type, i.id_number FROM {wanted} JOIN "
            "securities_securitiesaccount a ON a.id = x.account_id JOIN securities_investor i ON i.id = a.investor_id"
        )
    return (
        f"SELECT x.account_id, f.number, f.name, f.id_type, f.id_number FROM {wanted} CROSS JOIN LATERAL ("
        "SELECT a.number, i.name, i.id_type, i.id_number FROM securities_securitiesaccount a JOIN securities_investor i "
        "ON i.id = a.investor_id WHERE a.id = x.account_id OFFSET 0) f"
    )


def work_mem() -> None:
    """A million lots grouped and sorted in memory: with the default 4 MB they spill to disk. No JIT
    (csdp.lib.bulk.jit_off)."""
    if _pg():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '256MB'")
        jit_off()


def snapshot_ranges() -> None:
    """Read a snapshot's lots by the range of its primary key, never by a scan of the whole table: the
    table holds every kept snapshot of every large security, and the planner, seeing one snapshot as a
    third of three, chose to read all of them (1M holders, three snapshots kept: 2.17 s against 1.78 s).
    Every other relation of these statements is read through an index too. For this transaction only."""
    if _pg():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")


def _watermark() -> int:
    """The highest event id, read once every transaction writing events has ended (a SHARE lock on the
    log, held for this read only): no event with a lower id can commit later."""
    with transaction.atomic(), connection.cursor() as cursor:
        if _pg():
            cursor.execute(f"LOCK TABLE {EVENT} IN SHARE MODE")
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {EVENT}")
        return int(cursor.fetchone()[0])


def roster_snapshot_build(*, security: Security, as_of: dt.date) -> dict[str, object]:
    """Take the snapshot of ``security`` as of the end of ``as_of``, once: a snapshot already there is
    left as it is (``skipped``). One transaction: the header and its lots commit together or not at all,
    so a build killed midway leaves nothing and is simply run again."""
    started = time.perf_counter()
    done = RosterSnapshot.objects.filter(security=security, as_of=as_of).first()
    if done is not None:
        return _summary(done, skipped=True)
    lineage = _lineage(security)
    watermark = _watermark()
    names_at = timezone.now()  # before the names are read
    try:
        with transaction.atomic():
            work_mem()
            base = snapshot_held(security, as_of, lineage, watermark=watermark)
            if base is not None:
                snapshot_ranges()
            rows = roster_rows(security, as_of, lineage, base, bound=watermark)
            snapshot = RosterSnapshot.objects.create(
                security=security,
                as_of=as_of,
                watermark=watermark,
                lineage=_key(lineage),
                names_at=names_at,
                holders=0,
                lots=0,
                total_quantity=0,
                issued_capital=0,
            )
            _insert_lots(snapshot, rows)
            _totals(snapshot, rows, lineage, as_of, base, watermark)
            snapshot.seconds = round(time.perf_counter() - started, 3)
            snapshot.save()
    except IntegrityError:  # another build of the same snapshot committed first
        return _summary(RosterSnapshot.objects.get(security=security, as_of=as_of), skipped=True)
    return _summary(snapshot, skipped=False)


def _insert_lots(snapshot: RosterSnapshot, rows: Rows) -> None:
    order, columns = rows.order, ROW_COLUMNS
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {LOT} (snapshot_id, ordinal, {columns.replace(' lk,', ' lockup_key,')}) "
            f"{rows.sql} SELECT %s, row_number() OVER (ORDER BY {order}), {columns} FROM rows ORDER BY {order}",
            [*rows.params, snapshot.pk],
        )


def _totals(
    snapshot: RosterSnapshot,
    rows: Rows,
    lineage: list[int],
    as_of: dt.date,
    base: RosterSnapshot | None,
    watermark: int,
) -> None:
    delta, params = _delta_sql(lineage, base, as_of, watermark)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN first THEN 1 ELSE 0 END), 0), COALESCE(SUM(quantity), 0) "
            f"FROM {LOT} WHERE snapshot_id = %s",
            [snapshot.pk],
        )
        snapshot.lots, snapshot.holders, snapshot.total_quantity = (int(x) for x in cursor.fetchone())
        cursor.execute(f"SELECT COALESCE(SUM(issued), 0) FROM ({delta}) e", params)
        snapshot.issued_capital = rows.base_issued + int(cursor.fetchone()[0])


def _summary(snapshot: RosterSnapshot, *, skipped: bool) -> dict[str, object]:
    return {
        "security": snapshot.security.code,
        "as_of": snapshot.as_of.isoformat(),
        "snapshot": snapshot.pk,
        "watermark": snapshot.watermark,
        "holders": snapshot.holders,
        "lots": snapshot.lots,
        "total_quantity": snapshot.total_quantity,
        "issued_capital": snapshot.issued_capital,
        "seconds": snapshot.seconds,
        "skipped": skipped,
    }


def snapshots_due(day: dt.date) -> list[Security]:
    """Securities still open with at least CSDP_ROSTER_SNAPSHOT_MIN_HOLDERS holders and no snapshot in
    the last CSDP_ROSTER_SNAPSHOT_DAYS days."""
    recent = RosterSnapshot.objects.filter(
        as_of__gt=day - dt.timedelta(days=settings.CSDP_ROSTER_SNAPSHOT_DAYS), as_of__lte=day
    ).values("security_id")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT security_id FROM register_position WHERE quantity > 0 GROUP BY security_id "
            "HAVING COUNT(DISTINCT account_id) >= %s",
            [settings.CSDP_ROSTER_SNAPSHOT_MIN_HOLDERS],
        )
        large = [row[0] for row in cursor.fetchall()]
    closed = (SecurityStatus.SWITCHED, SecurityStatus.DELISTED)
    return list(
        Security.objects.filter(pk__in=large).exclude(pk__in=recent).exclude(status__in=closed).order_by("code")
    )


def snapshots_prune(security: Security) -> int:
    """Keep the newest CSDP_ROSTER_SNAPSHOT_KEEP snapshots of a security (older days fall back to the
    events or to the oldest kept one)."""
    old = list(
        RosterSnapshot.objects.filter(security=security)
        .order_by("-as_of")
        .values_list("pk", flat=True)[settings.CSDP_ROSTER_SNAPSHOT_KEEP :]
    )
    if old:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {LOT} WHERE snapshot_id IN ({_in(old)})", old)
            RosterSnapshot.objects.filter(pk__in=old).delete()
    return len(old)


def roster_snapshots_eod(day: dt.date, actor: object) -> list[EodLine]:
    """The end of day's part (csdp.clock.eod): the snapshots due, each in its own transaction, so a run
    killed midway keeps those done and a rerun takes the rest (a done one is skipped)."""
    lines = []
    for security in snapshots_due(day):
        try:
            summary = roster_snapshot_build(security=security, as_of=day)
        except DatabaseError as error:
            lines.append(EodLine("register_snapshots", security.code, "持有人名册快照", str(error)[:200]))
            continue
        pruned = snapshots_prune(security)
        lines.append(
            EodLine(
                "register_snapshots",
                security.code,
                f"持有人名册快照 {day}：{summary['holders']} 户，{summary['lots']} 个持有明细，"
                f"{summary['seconds']:.2f} 秒{f'，清理旧快照 {pruned} 个' if pruned else ''}",
            )
        )
    return lines
