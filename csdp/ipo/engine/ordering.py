"""Sorting millions of orders by several keys without Polars' multi-column sort.

A multi-column sort that includes a text column (the account number) is an order of magnitude slower
than a sort of one integer column. The orders the rules need are lexicographic over integer columns
(quantity, host sequence, participant and code indexes) with the account only as a last tie-break,
so the integer columns are packed into one Int64 — a mixed-radix number whose ascending order is the
wanted order — whenever their ranges fit in 63 bits. Text tie-breaks are applied exactly, by falling
back to the multi-column sort, in the rare table where two rows share the packed key.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from csdp.ipo.engine.exact import INT64_MAX

Keys = Sequence[tuple[str, bool]]  # (column, descending)


def packed_order_key(frame: pl.DataFrame, parts: Keys) -> pl.Expr | None:
    """One Int64 expression ordering rows like the integer columns ``parts``, or None when a column
    has nulls or the product of the ranges passes 2**63 - 1."""
    if frame.height == 0:
        return None
    stats = frame.select(
        *(pl.col(name).min().alias(f"{name}:min") for name, _ in parts),
        *(pl.col(name).max().alias(f"{name}:max") for name, _ in parts),
        *(pl.col(name).null_count().alias(f"{name}:nulls") for name, _ in parts),
    ).row(0, named=True)
    key, weight = None, 1
    for name, descending in reversed(parts):
        low, high = int(stats[f"{name}:min"]), int(stats[f"{name}:max"])
        if stats[f"{name}:nulls"]:
            return None
        digit = (pl.lit(high) - pl.col(name)) if descending else (pl.col(name) - pl.lit(low))
        term = digit.cast(pl.Int64) * pl.lit(weight, dtype=pl.Int64)
        key = term if key is None else key + term
        weight *= high - low + 1
        if weight > INT64_MAX:
            return None
    return key


def sort_rows(frame: pl.DataFrame, parts: Keys, tie_breakers: Keys = ()) -> pl.DataFrame:
    """``frame`` sorted by the integer columns ``parts``, then ``tie_breakers`` (any type)."""
    key = packed_order_key(frame, parts)
    if key is not None:
        keyed = frame.with_columns(key.alias("_packed"))
        if keyed.get_column("_packed").n_unique() == keyed.height:
            return keyed.sort("_packed").drop("_packed")
    names, descending = zip(*(list(parts) + list(tie_breakers)))
    return frame.sort(list(names), descending=list(descending), nulls_last=True, maintain_order=True)
