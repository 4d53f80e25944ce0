"""The exchange-file parser as it was before the usual-file fast path (csdp/ipo/subscription/exchange_subscriptions.py at
2bdce3d), kept as the yardstick of bench/exchange_parse.py. Its verdicts are no longer the
reference: branch parse-strict deliberately refuses some files it loaded or crashed on. What did not change since (the
definitions, reading the text, stripping it) comes from the live module."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

# Reading the text and stripping it did not change: those come from the live module.
from csdp.ipo.subscription.exchange_subscriptions import (
    COLUMNS, MAX_LISTED_ERRORS, REQUIRED, ExchangeFileRejected, RowError, _read_text, _stripped,
)


def _checks(price_fen: int, day: dt.date, participants: pl.DataFrame) -> list[tuple[str, pl.Expr, str]]:
    """(column, expression true where the row is wrong, message)."""
    yuan = pl.col("price").str.strip_chars()
    price_ok = yuan.str.contains(r"^\d+(\.\d{1,2})?$")
    as_fen = (
        yuan.str.split(".").list.get(0, null_on_oob=True).cast(pl.Int64, strict=False) * 100
        + yuan.str.split(".").list.get(1, null_on_oob=True).fill_null("0").str.pad_end(2, "0").cast(pl.Int64, strict=False)
    )
    when = pl.col("confirmed_at").str.strip_chars().str.to_datetime(strict=False, time_zone=None)
    return [
        ("seq", ~pl.col("seq").str.contains(r"^\d{1,18}$").fill_null(False), "应为正整数"),
        ("seq", pl.col("seq").is_duplicated(), "主机确认序号重复"),
        ("account", ~pl.col("account").str.contains(r"^\d{10}$").fill_null(False), "证券账户应为 10 位数字"),
        ("participant", ~pl.col("participant").is_in(participants["participant"].implode()).fill_null(False), "结算参与人代码未登记"),
        ("custody_unit", ~pl.concat_str(["participant", "custody_unit"], separator="|").is_in(
            participants.select(pl.concat_str(["participant", "custody_unit"], separator="|"))
            .to_series().implode()).fill_null(False), "托管单元不属于该结算参与人"),
        ("quantity", ~pl.col("quantity").str.contains(r"^\d{1,12}$").fill_null(False), "申购数量应为非负整数"),
        ("price", ~price_ok.fill_null(False), "价格格式应为元，最多两位小数"),
        ("price", price_ok.fill_null(False) & (as_fen != price_fen), "申购价格与发行价格不符"),
        ("confirmed_at", when.is_null(), "确认时间格式应为 YYYY-MM-DDTHH:MM:SS"),
        ("confirmed_at", when.is_not_null() & (when.dt.date() != day), "确认时间不在申购日"),
        ("investor_id", pl.col("investor_id").str.len_chars() > 30, "证件号码过长"),
    ]


def parse_exchange_file(path: Path, *, price_fen: int, t_date: dt.date, participants: pl.DataFrame) -> pl.DataFrame:
    """Return the typed frame, or raise ExchangeFileRejected listing every error.

    ``participants``: columns participant, custody_unit — the custody units registered to each
    participant code.
    """
    frame = _read_text(path)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ExchangeFileRejected([RowError(0, "表头", f"缺少列 {', '.join(missing)}（应为 {','.join(COLUMNS)}）")], 1)
    if frame.height == 0:
        raise ExchangeFileRejected([RowError(0, "文件", "没有申购记录")], 1)
    if "investor_id" not in frame.columns:
        frame = frame.with_columns(pl.lit("").alias("investor_id"))
    frame = _stripped(frame.select(COLUMNS)).with_row_index("row", offset=1)
    errors: list[RowError] = []
    total = 0
    checks = _checks(price_fen, t_date, participants)
    # Every check in one parallel pass (shared subexpressions computed once); rows are listed only
    # for the checks that found something — on a good file, none.
    flags = frame.lazy().select(wrong.alias(str(i)) for i, (_, wrong, _) in enumerate(checks)).collect()
    found = flags.select(pl.all().fill_null(False).any()).row(0)
    for (column, _, message), flag, any_wrong in zip(checks, flags.iter_columns(), found, strict=True):
        if not any_wrong:
            continue
        bad_rows = frame.filter(flag)["row"]
        total += bad_rows.len()
        errors.extend(RowError(int(r), column, message) for r in bad_rows.head(MAX_LISTED_ERRORS).to_list())
    if total:
        errors.sort(key=lambda e: (e.row, e.column))
        raise ExchangeFileRejected(errors[:MAX_LISTED_ERRORS], total)
    return frame.select(
        pl.col("seq").cast(pl.Int64),
        pl.col("account"),
        pl.col("participant"),
        pl.col("custody_unit"),
        pl.col("quantity").cast(pl.Int64).alias("quantity_shares"),
        pl.lit(price_fen, dtype=pl.Int64).alias("price_fen"),
        pl.col("investor_id").fill_null(""),
        pl.col("confirmed_at").str.to_datetime().dt.replace_time_zone("Asia/Shanghai").alias("confirmed_at"),
    )
