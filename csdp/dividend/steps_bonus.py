"""红股上市日: the bonus and capitalisation shares registered as register events through the register's
one bulk path, which grows the issued capital and checks the register before commit (docs/dividend.md)."""

from __future__ import annotations

import datetime as dt
import time

import polars as pl
from django.db.models import Sum

from csdp.dividend import files
from csdp.dividend.closed_accounts import closed_account_bonus
from csdp.dividend.models import Distribution, Status
from csdp.dividend.notices import result_attach
from csdp.dividend.selectors import bonus_rows
from csdp.dividend.services import DividendError
from csdp.dividend.steps import Laps, _issued_shares, _move, _record
from csdp.register.models import Position
from csdp.register.services import RegisterError


def step_register(distribution: Distribution, day: dt.date) -> str:
    from csdp.register.bulk import register_apply_bulk  # at call time: the kill test patches it at its source

    started, laps = time.perf_counter(), Laps()
    written = 0
    rows = None
    if distribution.bonus_total:
        before = _issued_shares(distribution)
        rows = bonus_rows(distribution.pk)
        events = bonus_events(distribution, rows)
        try:
            # register_apply_bulk grows the issued capital with the bonus events (ISSUING) and runs
            # register_check (Σ positions = issued capital, available ≥ 0) before its commit.
            laps.lap("events")
            written = register_apply_bulk(events)
            laps.lap("register_apply_bulk")
        except RegisterError as error:
            raise DividendError(f"红股登记失败：{error}") from None
        after = _issued_shares(distribution)
        held = Position.objects.filter(security_id=distribution.security_id).aggregate(s=Sum("quantity"))["s"] or 0
        if after - before != distribution.bonus_total or held != after:
            raise DividendError(
                f"股份不守恒：登记股本增加 {after - before} 股（应为 {distribution.bonus_total} 股），"
                f"持有合计 {held} 股，登记股本 {after} 股。",
                code="dividend.shares_not_conserved",
            )
    closed_accounts, closed_shares, suspense = closed_account_bonus(distribution, day, rows)
    result, xlsx = files.issuer_result_file(distribution, day)
    attached = result_attach(distribution, xlsx)
    laps.lap("issuer_file")
    _move(distribution, Status.COMPLETED, f"红股上市日 {distribution.list_date}：登记 {written} 笔")
    detail = {"result_file": result, "suspense_files": suspense, "attached": attached, "laps": laps.seconds}
    _record(distribution, "register", day, started, written, detail)
    text = f"红股登记 {written} 笔（{distribution.bonus_total} 股）；发行人结果文件已生成"
    if closed_accounts:
        text += f"；其中 {closed_accounts} 个已注销账户的送转股 {closed_shares} 股登记在原账户，待持有人确权"
    return text


def bonus_events(distribution: Distribution, rows: pl.DataFrame | None = None) -> pl.DataFrame:
    """One register event per lot with bonus shares: credited to the same lot (share nature and lock-up
    end kept), its frozen and pledged parts frozen and pledged (engine/entitlements.py assumptions).
    ``rows``: ``bonus_rows`` of the distribution, when the caller has read them already."""
    e = bonus_rows(distribution.pk) if rows is None else rows
    lot = pl.concat_str(
        [
            pl.lit(f"div:{distribution.pk}:"),
            pl.col("account_id").cast(pl.String),
            pl.lit(":"),
            pl.col("share_nature"),
            pl.lit(":"),
            pl.col("lockup_end").dt.strftime("%Y%m%d").fill_null("-"),
        ]
    )
    return e.select(
        pl.lit(distribution.security_id, pl.Int64).alias("security_id"),
        "account_id",
        "share_nature",
        "lockup_end",
        pl.lit("bonus").alias("event_type"),
        pl.col("bonus_shares").alias("quantity_delta"),
        pl.col("bonus_frozen").alias("frozen_delta"),
        pl.col("bonus_pledged").alias("pledged_delta"),
        pl.lit(distribution.list_date).alias("business_date"),
        lot.alias("key"),
        pl.lit(f"{distribution.security.code} 送转股（登记日 {distribution.record_date}）").alias("memo"),
    )
