"""证券持有人名册 as of the end of a day (rules.md §11), replayed from the register's events — never read
from today's positions, so a register "截至 2026-01-05" lists no holder registered later.

One aggregate over the events of the security and every code it was switched from (the switch-out and
switch-in of a lot cancel inside the lot), grouped per lot (account × share nature × lock-up end), with
business_date ≤ D; lots holding nothing that day are left out. The issued capital of that day is the sum
of the issuing events over the same lineage (csdp.register.models.ISSUING), so the totals reconcile with
it exactly when the register's invariant held. ``top``: the N accounts holding the most (all their lots),
ties by account number.

The frame is what every delivery is made from: the command's CSV, the issuer's Excel and DBF, the API.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.db import connection, transaction

from csdp.lib.bulk import copy_out
from csdp.lib.dbf import Field, write_dbf, write_atomically
from csdp.register.models import ISSUING, ShareNature
from csdp.register.bulk_fold import FAR
from csdp.register.roster_snapshot import (
    ISSUED,
    Rows,
    _in,
    account_order,
    csv_line_sql,
    roster_rows,
    snapshot_held,
    snapshot_ranges,
    work_mem,
)
from csdp.register.selectors import _lineage
from csdp.securities.models import Security, IdType
import io
from openpyxl import Workbook

SCHEMA = {
    "account": pl.Utf8,
    "name": pl.Utf8,
    "id_type": pl.Utf8,
    "id_number": pl.Utf8,
    "share_nature": pl.Utf8,
    "lockup_end": pl.Date,
    "quantity": pl.Int64,
    "frozen": pl.Int64,
    "pledged": pl.Int64,
}
# The fixed CSV of `csdp register holders` (issue 15, "Interfaces").
CSV_COLUMNS = ("account", "name", "id_number", "share_nature", "lockup_end", "quantity", "frozen", "pledged")


@dataclass(frozen=True)
class Roster:
    security: Security
    as_of: dt.date
    top: int | None
    lots: pl.DataFrame  # SCHEMA, largest holdings first
    issued_capital: int  # Σ issuing events up to as_of
    seconds: float

    @property
    def holders(self) -> int:
        return self.lots["account"].n_unique() if self.lots.height else 0

    @property
    def total_quantity(self) -> int:
        return int(self.lots["quantity"].sum() or 0)

    def summary(self) -> dict[str, Any]:
        """The JSON the command prints and the API returns beside the rows."""
        return {
            "security": self.security.code,
            "as_of": self.as_of.isoformat(),
            "top": self.top,
            "holders": self.holders,
            "lots": self.lots.height,
            "total_quantity": self.total_quantity,
            "issued_capital": self.issued_capital,
            "seconds": round(self.seconds, 3),
        }

    def with_percent(self) -> pl.DataFrame:
        """The lots with their share of issued capital (percent, 4 decimals, as text: never a float in a file)."""
        issued = self.issued_capital or 0
        if not issued:
            return self.lots.with_columns(pl.lit("").alias("percent"))
        basis_points = pl.col("quantity") * 1_000_000 // issued
        text = (basis_points // 10_000).cast(pl.Utf8) + "." + (basis_points % 10_000).cast(pl.Utf8).str.zfill(4)
        return self.lots.with_columns(text.alias("percent"))


def _events_sql(lineage: list[int], where: str) -> str:
    """Per lot (account × nature × lock-up key): the events' sums on one side of the day, and the
    issuing part of the quantity."""
    return (
        f"SELECT account_id, share_nature, COALESCE(lockup_end, {FAR}) AS lk, SUM(quantity_delta) AS q, "
        f"SUM(frozen_delta) AS f, SUM(pledged_delta) AS p, SUM({ISSUED}) AS issued "
        f"FROM register_registrationevent WHERE security_id IN ({_in(lineage)}) AND business_date {where} %s "
        f"GROUP BY account_id, share_nature, COALESCE(lockup_end, {FAR})"
    )


def _head_sql(lineage: list[int], as_of: dt.date) -> tuple[str, list[Any]]:
    """The lots as the sum of the events up to the day (the definition)."""
    return (
        f"SELECT account_id, share_nature, lk, q AS quantity, f AS frozen, p AS pledged, issued "
        f"FROM ({_events_sql(lineage, '<=')}) h",
        [*lineage, as_of],
    )


def _tail_sql(lineage: list[int], as_of: dt.date) -> tuple[str, list[Any]]:
    """The lots as today's positions (the replay of every event, checked by register_check) minus the
    events after the day; ``issued`` is then the issuing quantity after the day, to be taken off
    today's capital. Lots of the lineage's older codes are summed in (they hold nothing after a switch)."""
    positions = (
        f"SELECT account_id, share_nature, COALESCE(lockup_end, {FAR}) AS lk, quantity AS q, frozen AS f, "
        f"pledged AS p FROM register_position WHERE security_id = %s"
    )
    if len(lineage) > 1:  # one lot per code: summed over the codes (a lot's positions are unique per code)
        positions = (
            f"SELECT account_id, share_nature, COALESCE(lockup_end, {FAR}) AS lk, SUM(quantity) AS q, "
            f"SUM(frozen) AS f, SUM(pledged) AS p FROM register_position WHERE security_id IN ({_in(lineage)}) "
            f"GROUP BY account_id, share_nature, COALESCE(lockup_end, {FAR})"
        )
    sql = (
        f"SELECT COALESCE(c.account_id, t.account_id) AS account_id, COALESCE(c.share_nature, t.share_nature) "
        f"AS share_nature, COALESCE(c.lk, t.lk) AS lk, COALESCE(c.q, 0) - COALESCE(t.q, 0) AS quantity, "
        f"COALESCE(c.f, 0) - COALESCE(t.f, 0) AS frozen, COALESCE(c.p, 0) - COALESCE(t.p, 0) AS pledged, "
        f"COALESCE(t.issued, 0) AS issued FROM ({positions}) c FULL JOIN ({_events_sql(lineage, '>')}) t "
        f"ON c.account_id = t.account_id AND c.share_nature = t.share_nature AND c.lk = t.lk"
    )
    return sql, [*(lineage if len(lineage) > 1 else lineage[:1]), *lineage, as_of]


def _estimated(lineage: list[int], where: str, as_of: dt.date) -> float:
    """How many events of the lineage lie on one side of the day: the planner's estimate on PostgreSQL
    (statistics, no scan), a count through the index on SQLite (small registers)."""
    sql = f"SELECT 1 FROM register_registrationevent WHERE security_id IN ({_in(lineage)}) AND business_date {where} %s"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", [*lineage, as_of])
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            return float(plan[0]["Plan"]["Plan Rows"])
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) x", [*lineage, as_of])
        return float(cursor.fetchone()[0])


def roster_side(security: Security, as_of: dt.date, lineage: list[int] | None = None) -> str:
    """``tail`` (positions − the events after the day) when fewer events lie after the day than up to
    it and the security's capital is known; else ``head`` (the events up to the day)."""
    if security.issued_shares is None:
        return "head"
    lineage = lineage or _lineage(security)
    return "tail" if _estimated(lineage, ">", as_of) < _estimated(lineage, "<=", as_of) else "head"


def _roster_sql(
    security: Security, as_of: dt.date, top: int | None, side: str | None, lineage: list[int]
) -> tuple[str, list[Any]]:
    """The SELECT of the list's lots replayed from the events (account_id, SCHEMA's columns with the
    lock-up key as text, the day's capital) and its parameters."""
    side = side or roster_side(security, as_of, lineage)
    lots_sql, params = (_tail_sql if side == "tail" else _head_sql)(lineage, as_of)
    issued_total = "SUM(l.issued) OVER ()"
    if side == "tail":  # today's capital (read in the same statement as the positions) less what came after
        issued_total = f"(SELECT issued_shares FROM securities_security WHERE id = %s) - {issued_total}"
        params.append(security.pk)
    ranked = ""
    if top is not None:
        collate = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
        ranked = (
            ", ranked AS (SELECT h.account_id FROM held h JOIN securities_securitiesaccount a ON a.id = h.account_id "
            f"WHERE h.quantity <> 0 GROUP BY h.account_id, a.number ORDER BY SUM(h.quantity) DESC, a.number{collate} "
            "LIMIT %s)"
        )
        params.append(top)
    # The day's capital is the window sum over every lot, taken before the lots holding nothing are
    # left out. The lock-up key is read as text (SQLite types no expression) and goes back to a date,
    # NULL for unrestricted lots.
    sql = (
        f"WITH lots AS ({lots_sql}), held AS (SELECT l.*, {issued_total} AS issued_total FROM lots l){ranked} "
        f"SELECT l.account_id, a.number, i.name, i.id_type, i.id_number, l.share_nature, l.lk, "
        f"CAST(l.quantity AS BIGINT) AS quantity, CAST(l.frozen AS BIGINT) AS frozen, "
        f"CAST(l.pledged AS BIGINT) AS pledged, CAST(l.issued_total AS BIGINT) AS issued_total FROM held l "
        f"{'JOIN ranked r ON r.account_id = l.account_id ' if top is not None else ''}"
        f"JOIN securities_securitiesaccount a ON a.id = l.account_id "
        f"JOIN securities_investor i ON i.id = a.investor_id WHERE l.quantity <> 0"
    )
    return sql, params


def roster_as_of(*, security: Security, as_of: dt.date, top: int | None = None, side: str | None = None) -> Roster:
    """The list as of the end of ``as_of``. ``side``: from the nearest 持有人名册 snapshot plus or minus
    the events between (``snapshot``, csdp.register.roster_snapshot; the default when the security has
    one), from the events up to the day (``head``) or from today's positions less the events after it
    (``tail``; without a snapshot the default is whichever side holds fewer events) — all give the same
    list when the register's invariants hold (tested)."""
    started = time.perf_counter()
    lineage = _lineage(security)
    schema = {**SCHEMA, "lockup_end": pl.Utf8, "issued_total": pl.Int64}
    with transaction.atomic():
        work_mem()
        base = snapshot_held(security, as_of, lineage) if side in (None, "snapshot") else None
        if base is not None:
            snapshot_ranges()
            rows = roster_rows(security, as_of, lineage, base)
            sql, params = _snapshot_select(
                rows,
                "number, name, id_type, id_number, share_nature, lk, quantity, frozen, pledged, "
                "(SELECT COALESCE(SUM(issued), 0) FROM d_all) + %s AS issued_total",
                top,
                [rows.base_issued],
            )
            frame = copy_out(sql, params, schema)
            issued = int(frame["issued_total"][0]) if frame.height else _snapshot_issued(rows)
        else:
            sql, params = _roster_sql(security, as_of, top, None if side == "snapshot" else side, lineage)
            sql = (
                "SELECT number, name, id_type, id_number, share_nature, lk, quantity, frozen, pledged, issued_total "
                f"FROM ({sql}) r"
            )
            frame = copy_out(sql, params, schema)
            issued = int(frame["issued_total"][0]) if frame.height else _issued_without_holders(lineage, as_of)
    # The order of the list: the largest accounts first, then each account's lots by nature and date.
    lockup = pl.col("lockup_end").str.to_date("%Y-%m-%d")
    frame = (
        frame.drop("issued_total")
        .with_columns(pl.when(lockup == dt.date(9999, 12, 31)).then(None).otherwise(lockup).alias("lockup_end"))
        .with_columns(pl.col("quantity").sum().over("account").alias("_held"))
        .sort(
            ["_held", "account", "share_nature", "lockup_end"], descending=[True, False, False, False], nulls_last=False
        )
        .drop("_held")
    )
    return Roster(
        security=security,
        as_of=as_of,
        top=top,
        lots=frame,
        issued_capital=issued,
        seconds=time.perf_counter() - started,
    )


def _issued_without_holders(lineage: list[int], as_of: dt.date) -> int:
    issuing = sorted(ISSUING)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(SUM(quantity_delta), 0) FROM register_registrationevent "
            f"WHERE security_id IN ({_in(lineage)}) AND business_date <= %s "
            f"AND event_type IN ({_in(issuing)})",
            [*lineage, as_of, *issuing],
        )
        return int(cursor.fetchone()[0])


def nature_label(code: str) -> str:
    try:
        return ShareNature(code).label
    except ValueError:
        return code


def roster_csv(roster: Roster) -> bytes:
    """The command's file: CSV_COLUMNS, one row per lot, UTF-8, dates ISO, no lock-up end for 00."""
    return roster.lots.select(CSV_COLUMNS).write_csv(date_format="%Y-%m-%d").encode("utf-8")


# The command's CSV on PostgreSQL, its lines made by the database: CSV quoting as Polars does it
# (csdp.register.roster_snapshot.csv_line_sql), sorting account numbers byte-wise (COLLATE "C", as Polars
# does). From a snapshot the lines come as one text aggregated in the list's order (one value to fetch);
# replayed from the events, as one result set of lines (COPY would hand Python one message per line).


def _snapshot_select(rows: Rows, columns: str, top: int | None, params: list[Any]) -> tuple[str, list[Any]]:
    """SELECT ``columns`` (and their ``params``) over the snapshot-based rows, the top N accounts only
    when asked (each account's first lot stands for it)."""
    if top is None:
        return f"{rows.sql} SELECT {columns} FROM rows", [*rows.params, *params]
    return (
        f"{rows.sql}, ranked AS (SELECT account_id FROM rows WHERE first ORDER BY {account_order()} LIMIT %s) "
        f"SELECT {columns} FROM rows WHERE account_id IN (SELECT account_id FROM ranked)",
        [*rows.params, top, *params],
    )


def _snapshot_issued(rows: Rows) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"{rows.sql} SELECT COALESCE(SUM(issued), 0) FROM d_all", rows.params)
        return rows.base_issued + int(cursor.fetchone()[0])


def _snapshot_csv(rows: Rows, top: int | None) -> tuple[str, dict[str, Any]]:
    """The CSV's lines from a snapshot (one text, in the list's order) and the summary's counts."""
    sql, params = _snapshot_select(
        rows,
        f"string_agg(line, chr(10) ORDER BY {rows.order}), COUNT(*), "
        "COALESCE(SUM(CASE WHEN first THEN 1 ELSE 0 END), 0), COALESCE(SUM(quantity), 0), "
        "(SELECT COALESCE(SUM(issued), 0) FROM d_all)",
        top,
        [],
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        body, lots, holders, total, issued = cursor.fetchone()
    counts = {"holders": int(holders), "lots": int(lots), "total_quantity": int(total)}
    return body or "", {**counts, "issued_capital": rows.base_issued + int(issued)}


def _replayed_csv(
    security: Security, as_of: dt.date, top: int | None, lineage: list[int]
) -> tuple[str, dict[str, Any]]:
    """The CSV's lines replayed from the events (no snapshot) and the summary's counts."""
    sql, params = _roster_sql(security, as_of, top, None, lineage)
    # An account's lots are adjacent in the list's order, so its first one counts the holders.
    order = 'x.held DESC, x.number COLLATE "C", x.share_nature, x.lk'
    ordered = (
        f"SELECT {csv_line_sql('x.')}, CASE WHEN x.account_id = lag(x.account_id) OVER w THEN 0 ELSE 1 END, "
        f"x.quantity, x.issued_total FROM (SELECT r.*, SUM(r.quantity) OVER (PARTITION BY r.account_id) AS held "
        f"FROM ({sql}) r) x WINDOW w AS (ORDER BY {order}) ORDER BY {order}"
    )
    with connection.cursor() as cursor:
        cursor.execute(ordered, params)
        rows = cursor.fetchall()
    issued = int(rows[0][3]) if rows else _issued_without_holders(lineage, as_of)
    counts = {"holders": sum(r[1] for r in rows), "lots": len(rows), "total_quantity": int(sum(r[2] for r in rows))}
    return "\n".join(r[0] for r in rows), {**counts, "issued_capital": issued}


def roster_csv_write(*, security: Security, as_of: dt.date, top: int | None, path: Path) -> dict[str, Any]:
    """Write the command's CSV (CSV_COLUMNS, the order of ``roster_as_of``) to ``path`` and return the
    summary. On PostgreSQL the database builds the lines; elsewhere through ``roster_as_of``."""
    started = time.perf_counter()
    if connection.vendor != "postgresql":
        roster = roster_as_of(security=security, as_of=as_of, top=top)
        write_atomically(path, roster_csv(roster))
        return {**roster.summary(), "seconds": round(time.perf_counter() - started, 3)}
    lineage = _lineage(security)
    with transaction.atomic():
        work_mem()
        base = snapshot_held(security, as_of, lineage)
        if base is not None:
            snapshot_ranges()
            body, counts = _snapshot_csv(roster_rows(security, as_of, lineage, base), top)
        else:
            body, counts = _replayed_csv(security, as_of, top, lineage)
    text = ",".join(CSV_COLUMNS) + "\n" + (body + "\n" if body else "")
    write_atomically(path, text.encode("utf-8"))
    return {
        "security": security.code,
        "as_of": as_of.isoformat(),
        "top": top,
        **counts,
        "seconds": round(time.perf_counter() - started, 3),
    }


HEADERS = (
    "序号",
    "证券账户",
    "持有人名称",
    "证件类型",
    "证件号码",
    "股份性质",
    "限售截止日",
    "持有数量（股）",
    "占登记股本比例（%）",
    "冻结数量（股）",
    "质押数量（股）",
)


def roster_xlsx(roster: Roster) -> bytes:
    """The issuer's Excel: the listed columns, then totals that reconcile with the issued capital."""

    id_labels = dict(IdType.choices)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("持有人名册")
    sheet.append(
        [
            f"{roster.security.code} {roster.security.name} 证券持有人名册（截至 {roster.as_of} 日终"
            f"{'，前 ' + str(roster.top) + ' 名' if roster.top else ''}）"
        ]
    )
    sheet.append(list(HEADERS))
    for n, r in enumerate(roster.with_percent().iter_rows(named=True), start=1):
        sheet.append(
            [
                n,
                r["account"],
                r["name"],
                id_labels.get(r["id_type"], r["id_type"]),
                r["id_number"],
                nature_label(r["share_nature"]),
                r["lockup_end"].isoformat() if r["lockup_end"] else "",
                r["quantity"],
                r["percent"],
                r["frozen"],
                r["pledged"],
            ]
        )
    frozen, pledged = int(roster.lots["frozen"].sum() or 0), int(roster.lots["pledged"].sum() or 0)
    sheet.append(
        [
            "合计",
            f"{roster.holders} 户",
            f"{roster.lots.height} 个持有明细",
            "",
            "",
            "",
            "",
            roster.total_quantity,
            "",
            frozen,
            pledged,
        ]
    )
    sheet.append(["登记股本", "", "", "", "", "", "", roster.issued_capital])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _dbf_fields() -> list[Field]:
    return [
        Field("ZQDM", "C", 6, title="证券代码"),
        Field("ZQZH", "C", 10, title="证券账户"),
        Field("CYRMC", "C", 120, title="持有人名称"),
        Field("ZJLB", "C", 12, title="证件类型"),
        Field("ZJHM", "C", 30, title="证件号码"),
        Field("GFXZ", "C", 2, title="股份性质"),
        Field("XSJZR", "D", 8, title="限售截止日"),
        Field("CYSL", "N", 15, title="持有数量"),
        Field("DJSL", "N", 15, title="冻结数量"),
        Field("ZYSL", "N", 15, title="质押数量"),
        Field("CXRQ", "D", 8, title="查询日期（日终）"),
    ]


def roster_dbf(roster: Roster) -> bytes:
    """The same list as DBF (GBK; rules.md §8 conventions), one record per lot."""
    out = io.BytesIO()
    rows = (
        {
            "ZQDM": roster.security.code,
            "ZQZH": r["account"],
            "CYRMC": r["name"],
            "ZJLB": r["id_type"],
            "ZJHM": r["id_number"],
            "GFXZ": r["share_nature"],
            "XSJZR": r["lockup_end"],
            "CYSL": r["quantity"],
            "DJSL": r["frozen"],
            "ZYSL": r["pledged"],
            "CXRQ": roster.as_of,
        }
        for r in roster.lots.iter_rows(named=True)
    )
    write_dbf(out, _dbf_fields(), rows, on=roster.as_of)
    return out.getvalue()
