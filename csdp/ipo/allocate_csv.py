"""Subscription and allocation CSV files of ``csdp ipo allocate`` (no Django here either).

Input header ``account,participant,quantity,seq`` (extra column ``investor_id`` = 证件号码 is used when
present, others are ignored). Read with an explicit schema: account, participant and investor_id as
text (account numbers and participant codes keep their leading zeros), quantity and seq as Int64.
When that typed read fails, the file is read again as text and cast column by column, so the
message names the first bad line instead of quoting a parser error. The output is written to a temporary file
beside the target and renamed into place: a failed run leaves no output file behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import polars as pl

from csdp.lib.errors import CsdpError

INTEGER_COLUMNS = ("quantity", "seq")
REQUIRED_COLUMNS = ("account", "participant", "quantity", "seq")
OPTIONAL_TEXT_COLUMNS = ("investor_id",)
OUTPUT_COLUMNS = ("account", "participant", "investor_id", "quantity", "seq", "valid", "reason", "allocated_shares")


class SubscriptionFileError(CsdpError, ValueError):
    """The file cannot be used as it is; the message says what to fix."""

    code = "ipo.subscription_file"


def _check_file(path: Path) -> list[str]:
    """The header's column names, or a SubscriptionFileError for a missing or empty file."""
    if not path.is_file():
        raise SubscriptionFileError(f"申购文件不存在：{path}")
    if path.stat().st_size == 0:
        raise SubscriptionFileError(f"申购文件为空：{path}")
    try:
        columns = pl.read_csv(path, n_rows=0, infer_schema=False, raise_if_empty=True).columns
    except (pl.exceptions.NoDataError, pl.exceptions.ComputeError, UnicodeDecodeError) as error:
        raise SubscriptionFileError(f"无法读取 CSV：{path}（{error}）") from None
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise SubscriptionFileError(f"申购文件缺少列：{', '.join(missing)}（表头应为 {','.join(REQUIRED_COLUMNS)}）")
    return [*REQUIRED_COLUMNS, *(name for name in OPTIONAL_TEXT_COLUMNS if name in columns)]


def _first_bad_line(frame: pl.DataFrame, bad: pl.Expr) -> int | None:
    rows = frame.select(pl.arg_where(bad)).to_series()
    return int(rows[0]) + 2 if len(rows) else None  # + header line, 1-based


def _read_text(path: Path, columns: list[str]) -> pl.DataFrame:
    """Slow path, only for a file the typed read refused: every column as text, cast one by one so
    the first bad value is named with its line."""
    try:
        raw = pl.read_csv(path, columns=columns, infer_schema=False)
    except (pl.exceptions.ComputeError, UnicodeDecodeError) as error:
        raise SubscriptionFileError(f"无法读取 CSV：{path}（{error}）") from None
    for name in INTEGER_COLUMNS:
        parsed = pl.col(name).str.strip_chars().cast(pl.Int64, strict=False)
        line = _first_bad_line(raw, parsed.is_null() & pl.col(name).is_not_null())
        if line is not None:
            raise SubscriptionFileError(f"第 {line} 行：{name} 不是整数（{raw.get_column(name)[line - 2]!r}）")
        raw = raw.with_columns(parsed.alias(name))
    return raw


def _check_values(frame: pl.DataFrame) -> None:
    for name in REQUIRED_COLUMNS:
        line = _first_bad_line(frame, pl.col(name).is_null())
        if line is not None:
            raise SubscriptionFileError(f"第 {line} 行：{name} 为空")


def read_subscriptions(path: Path | str) -> pl.DataFrame:
    """account (str), participant (str), quantity (Int64), seq (Int64)[, investor_id (str)]."""
    path = Path(path)
    columns = _check_file(path)
    schema = {name: (pl.Int64 if name in INTEGER_COLUMNS else pl.String) for name in columns}
    try:
        frame = pl.read_csv(path, columns=columns, schema_overrides=schema)
    except pl.exceptions.ComputeError:
        frame = _read_text(path, columns)
    if frame.height == 0:
        raise SubscriptionFileError(f"申购文件没有申购记录：{path}")
    _check_values(frame)
    return frame.select(columns)


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
