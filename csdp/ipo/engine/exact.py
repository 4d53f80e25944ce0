"""Exact integer arithmetic in Polars: Polars' Int64 wraps silently on overflow, so every product
that could pass 2**63 - 1 is bounded first in Python integers and computed in Int128 when needed."""

from __future__ import annotations

from collections.abc import Iterable

from typing import cast

import polars as pl

INT64_MAX = 2**63 - 1
INT128_MAX = 2**127 - 1


class EngineRangeError(ValueError):
    """A product would not fit even in 128-bit integers: the input is not a real offering."""


def exact_int_dtype(bound: int) -> type[pl.DataType]:
    """The narrowest exact integer type for values up to ``bound`` (absolute)."""
    if bound <= INT64_MAX:
        return pl.Int64
    if bound <= INT128_MAX:
        return pl.Int128
    raise EngineRangeError(f"integer bound {bound} exceeds 128 bits")


def exact_sum(frame: pl.DataFrame, column: str) -> int:
    """Σ column as a Python int, summed in Int128 so a huge table cannot wrap around."""
    if frame.height == 0:
        return 0
    return int(frame.select(pl.col(column).cast(pl.Int128).sum()).item() or 0)


def require_columns(frame: pl.DataFrame, columns: Iterable[str], *, what: str) -> None:
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {', '.join(missing)}")


def column_max(series: pl.Series) -> int:
    """A column's maximum as an exact int, 0 for an empty or all-null column."""
    value = series.max()
    return 0 if value is None else int(cast("int", value))
