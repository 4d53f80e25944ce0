"""`csdp dividend compute`: record-date holdings CSV → entitlements CSV, no database (issue 16, fixed CLI).

Input ``account,quantity`` (one row per account; quantities whole shares ≥ 0). Output
``account,quantity,cash_fen,bonus_shares`` in the input's order (bonus = 送股 + 转增). The columns are
read straight into Arrow memory (Polars' CSV reader, two columns, no Python objects per row); ten
million holders take about 1 GB at the peak (docs/performance.md).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from csdp.dividend.engine import Method, Rates, account_entitlements
from csdp.lib.errors import CsdpError, Problem

COLUMNS = ("account", "quantity")
MAX_PROBLEMS = 20


class HoldersFileError(CsdpError):
    code = "dividend.holders_file"


@dataclass(frozen=True)
class ComputeSummary:
    holders: int
    total_quantity: int
    cash_total_fen: int
    bonus_total: int
    cash_declared_fen: int
    bonus_declared: int
    method: str
    seed: int
    rates: dict
    seconds: float

    def as_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False)


def _problems(frame: pl.DataFrame, condition: pl.Expr, message: str) -> list[Problem]:
    bad = frame.with_row_index("row", offset=2).filter(condition).head(MAX_PROBLEMS)  # row 1 is the header
    return [Problem(message.format(**r), row=r["row"]) for r in bad.iter_rows(named=True)]


def read_holders(path: Path) -> pl.DataFrame:
    if not path.is_file():
        raise HoldersFileError(f"持有人文件不存在：{path}")
    try:
        header = pl.read_csv(path, n_rows=0).columns
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as error:
        raise HoldersFileError(f"持有人文件无法读取：{error}") from None
    if [c.strip() for c in header[:2]] != list(COLUMNS):
        raise HoldersFileError(f"持有人文件表头应为 account,quantity，实际为 {','.join(header)}")
    try:
        frame = pl.read_csv(path, columns=list(COLUMNS), schema_overrides={"account": pl.String, "quantity": pl.String})
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as error:
        raise HoldersFileError(f"持有人文件无法读取：{error}") from None
    quantity = pl.col("quantity").str.strip_chars().cast(pl.Int64, strict=False)
    frame = frame.with_columns(pl.col("account").str.strip_chars(), quantity.alias("parsed"))
    problems = (
        _problems(frame, pl.col("account").is_null() | (pl.col("account") == ""), "证券账户为空")
        + _problems(frame, pl.col("parsed").is_null(), "持有数量“{quantity}”不是整数")
        + _problems(frame, pl.col("parsed") < 0, "持有数量 {parsed} 为负数")
        + _problems(frame, pl.col("account").is_duplicated(), "证券账户 {account} 重复出现")
    )
    if problems:
        raise HoldersFileError("持有人文件有错误，未生成结果。", problems=problems[:MAX_PROBLEMS])
    return frame.select("account", pl.col("parsed").alias("quantity"))


def compute_file(
    *, holders: Path, rates: Rates, seed: int, output: Path, method: Method = Method.PRECISE
) -> ComputeSummary:
    started = time.perf_counter()
    frame = read_holders(holders)
    out, totals = account_entitlements(frame, rates, seed=seed, method=method)
    temporary = output.with_name(output.name + ".part")
    out.select("account", "quantity", "cash_fen", "bonus_shares").write_csv(temporary)
    temporary.replace(output)  # no half-written output file under the final name
    return ComputeSummary(
        holders=totals.holders,
        total_quantity=totals.total_quantity,
        cash_total_fen=totals.cash_total_fen,
        bonus_total=totals.bonus_total,
        cash_declared_fen=totals.cash_declared_fen,
        bonus_declared=totals.bonus_declared,
        method=str(method),
        seed=seed,
        rates=rates.as_json(),
        seconds=round(time.perf_counter() - started, 3),
    )
