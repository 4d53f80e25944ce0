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
import time
from dataclasses import dataclass

import polars as pl
from django.db import connection, transaction

from csdp.lib.bulk import copy_out
from csdp.lib.dbf import Field, write_dbf
from csdp.register.models import ISSUING, ShareNature
from csdp.register.selectors import _lineage
from csdp.securities.models import Security, IdType

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

    def summary(self) -> dict:
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


def _in(values: list) -> str:
    return ", ".join(["%s"] * len(values))


def roster_as_of(*, security: Security, as_of: dt.date, top: int | None = None) -> Roster:
    started = time.perf_counter()
    lineage = _lineage(security)
    issuing = sorted(ISSUING)
    # One pass over the events: each lot's balances and the issuing events in it; the day's capital is
    # the window sum over every lot, taken before the lots holding nothing are left out.
    lots_sql = (
        f"SELECT account_id, share_nature, lockup_end, SUM(quantity_delta) AS quantity, "
        f"SUM(frozen_delta) AS frozen, SUM(pledged_delta) AS pledged, "
        f"SUM(CASE WHEN event_type IN ({_in(issuing)}) THEN quantity_delta ELSE 0 END) AS issued "
        f"FROM register_registrationevent WHERE security_id IN ({_in(lineage)}) AND business_date <= %s "
        f"GROUP BY account_id, share_nature, lockup_end"
    )
    params: list = [*issuing, *lineage, as_of]
    ranked = ""
    if top is not None:
        ranked = (
            ", ranked AS (SELECT account_id FROM held WHERE quantity <> 0 GROUP BY account_id "
            "ORDER BY SUM(quantity) DESC, account_id LIMIT %s)"
        )
        params.append(top)
    sql = (
        f"WITH lots AS ({lots_sql}), held AS (SELECT l.*, SUM(l.issued) OVER () AS issued_total FROM lots l){ranked} "
        f"SELECT a.number, i.name, i.id_type, i.id_number, l.share_nature, l.lockup_end, "
        f"CAST(l.quantity AS BIGINT), CAST(l.frozen AS BIGINT), CAST(l.pledged AS BIGINT), "
        f"CAST(l.issued_total AS BIGINT) FROM held l "
        f"{'JOIN ranked r ON r.account_id = l.account_id ' if top is not None else ''}"
        f"JOIN securities_securitiesaccount a ON a.id = l.account_id "
        f"JOIN securities_investor i ON i.id = a.investor_id WHERE l.quantity <> 0"
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A million lots grouped in memory: with the default 4 MB the hash aggregate spills to disk.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '256MB'")
        frame = copy_out(sql, params, {**SCHEMA, "issued_total": pl.Int64})
    issued = int(frame["issued_total"][0]) if frame.height else _issued_without_holders(lineage, as_of)
    # The order of the list: the largest accounts first, then each account's lots by nature and date.
    frame = (
        frame.drop("issued_total")
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
    from django.db import connection

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
    import io

    from openpyxl import Workbook

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


def _dbf_fields():
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
    import io

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
