"""Subscription and allocation CSV files of ``csdp ipo allocate`` (no Django here either).

Input header ``account,participant,quantity,seq`` (extra column ``investor_id`` = 证件号码 is used when
present, others are ignored). Every column is read as text first — account numbers and participant
codes keep their leading zeros — and the integer columns are then cast one by one, so a bad value is
reported with its line number instead of a parser error. The output is written to a temporary file
beside the target and renamed into place: a failed run leaves no output file behind.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import polars as pl

TEXT_COLUMNS = ("account", "participant")
INTEGER_COLUMNS = ("quantity", "seq")
REQUIRED_COLUMNS = ("account", "participant", "quantity", "seq")
OPTIONAL_TEXT_COLUMNS = ("investor_id",)
OUTPUT_COLUMNS = ("account", "participant", "investor_id", "quantity", "seq", "valid", "reason", "allocated_shares")


class SubscriptionFileError(ValueError):
    """The file cannot be used as it is; the message says what to fix."""


def _read_text(path: Path) -> pl.DataFrame:
    if not path.is_file():
        raise SubscriptionFileError(f"申购文件不存在：{path}")
    if path.stat().st_size == 0:
        raise SubscriptionFileError(f"申购文件为空：{path}")
    try:
        return pl.read_csv(path, infer_schema=False, raise_if_empty=True)
    except (pl.exceptions.NoDataError, pl.exceptions.ComputeError, UnicodeDecodeError) as error:
        raise SubscriptionFileError(f"无法读取 CSV：{path}（{error}）") from None


def _first_bad_line(raw: pl.DataFrame, bad: pl.Expr) -> int | None:
    rows = raw.select(pl.arg_where(bad)).to_series()
    return int(rows[0]) + 2 if len(rows) else None  # + header line, 1-based


def _cast_integers(raw: pl.DataFrame) -> pl.DataFrame:
    for name in INTEGER_COLUMNS:
        text = pl.col(name).str.strip_chars()
        parsed = text.cast(pl.Int64, strict=False)
        line = _first_bad_line(raw, parsed.is_null())
        if line is not None:
            value = raw.get_column(name)[line - 2]
            raise SubscriptionFileError(f"第 {line} 行：{name} 不是整数（{value!r}）")
        raw = raw.with_columns(parsed.alias(name))
    return raw


def read_subscriptions(path: Path | str) -> pl.DataFrame:
    """account (str), participant (str), quantity (Int64), seq (Int64)[, investor_id (str)]."""
    path = Path(path)
    raw = _read_text(path)
    missing = [name for name in REQUIRED_COLUMNS if name not in raw.columns]
    if missing:
        raise SubscriptionFileError(
            f"申购文件缺少列：{', '.join(missing)}（表头应为 {','.join(REQUIRED_COLUMNS)}）"
        )
    if raw.height == 0:
        raise SubscriptionFileError(f"申购文件没有申购记录：{path}")
    keep = [*REQUIRED_COLUMNS, *(name for name in OPTIONAL_TEXT_COLUMNS if name in raw.columns)]
    raw = raw.select(keep).with_columns(pl.col(name).str.strip_chars() for name in TEXT_COLUMNS)
    for name in TEXT_COLUMNS:
        line = _first_bad_line(raw, pl.col(name).is_null() | (pl.col(name) == ""))
        if line is not None:
            raise SubscriptionFileError(f"第 {line} 行：{name} 为空")
    return _cast_integers(raw)


def write_allocation(frame: pl.DataFrame, path: Path | str) -> None:
    """The allocated orders as CSV, atomically (temporary file + rename)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise SubscriptionFileError(f"输出目录不存在：{path.parent}")
    columns = [name for name in OUTPUT_COLUMNS if name in frame.columns]
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        frame.select(columns).write_csv(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
