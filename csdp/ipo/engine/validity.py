"""Which online subscriptions count (rules.md §1, BSE online subscription rules).

``validate_orders`` adds ``valid`` (bool) and ``reason`` (null when valid, else one code below).
When an order fails several checks it gets the first code in this order:

- ``duplicate`` — not the first order (lowest host confirmation ``seq``) of its account, or, when an
  ``investor_id`` (证件号码) column is present, of its investor across accounts. "One account
  subscribes once; only the first counts" (rules.md §1): the first order is *the* subscription, so a
  later order stays a duplicate even when that first order is itself invalid (it is never promoted).
- ``unit`` — quantity missing, not positive, or not a multiple of 100 shares.
- ``max`` — above 99,999,900 shares, the most one order may carry.
- ``cap`` — above the per-investor cap (5 % of the *initial* online issue, rounded down to 100 shares);
  the order is invalid as a whole, never trimmed.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from csdp.ipo.engine.exact import require_columns

LOT_SHARES = 100
ORDER_MAX_SHARES = 99_999_900
CAP_PERCENT = 5

REASON_DUPLICATE = "duplicate"
REASON_UNIT = "unit"
REASON_MAX = "max"
REASON_CAP = "cap"
VALIDITY_REASONS = (REASON_DUPLICATE, REASON_UNIT, REASON_MAX, REASON_CAP)

ORDER_COLUMNS = ("account", "participant", "quantity", "seq")


def per_investor_cap(initial_online_shares: int) -> int:
    """5 % of the initial online issue, rounded down to whole lots: 19,793,879 → 989,600 (rules.md §1).
    Integer arithmetic only: 19,793,879 × 5 // 100 = 989,693, then down to 989,600."""
    if initial_online_shares < 0:
        raise ValueError("initial_online_shares must not be negative")
    return initial_online_shares * CAP_PERCENT // 100 // LOT_SHARES * LOT_SHARES


def _repeated(column: pl.Series) -> pl.Series:
    """True for the rows whose key may occur more than once. Sorting 64-bit hashes and comparing
    neighbours is several times faster than ``is_duplicated`` on millions of strings, and numpy's
    sort of the hashes (vectorised) is 2–4× faster than Polars' (1M: 5 ms against 12–22 ms); a hash
    collision only adds rows to the exact pass in ``_not_first_rows``."""
    ordered = np.sort(column.drop_nulls().hash().to_numpy())  # a null key counts for nothing
    repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    return column.is_not_null() & column.hash().is_in(pl.Series(repeated, dtype=pl.UInt64).implode())


def _not_first_rows(keyed: pl.DataFrame, key: str) -> pl.Series:
    """Row numbers of the orders that are not the first (lowest seq, then input order) of their key.
    Only the rows of repeated keys — a few in a real book — are sorted, by the real key."""
    ordered = keyed.filter(_repeated(keyed.get_column(key))).sort(["seq", "_row"], nulls_last=True)
    return ordered.filter(~pl.col(key).is_first_distinct()).get_column("_row")


def first_order_flags(orders: pl.DataFrame) -> pl.Series:
    """True for the first order of each account and, when the ``investor_id`` column is present, of
    each investor; a null investor_id only counts per account."""
    keys = ["account", *(["investor_id"] if "investor_id" in orders.columns else [])]
    keyed = orders.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"), "seq", *keys)
    flags = pl.repeat(True, orders.height, dtype=pl.Boolean, eager=True).alias("_first")
    later = pl.concat([_not_first_rows(keyed, key) for key in keys]).unique()
    return flags.scatter(later, False) if later.len() else flags


def validate_orders(orders: pl.DataFrame, *, initial_online_shares: int) -> pl.DataFrame:
    """``orders`` (account, participant, quantity, seq[, investor_id], …) with ``valid`` and ``reason``."""
    require_columns(orders, ORDER_COLUMNS, what="orders")
    cap = per_investor_cap(initial_online_shares)
    quantity = pl.col("quantity")
    reason = (
        pl.when(~pl.col("_first"))
        .then(pl.lit(REASON_DUPLICATE))
        .when(quantity.is_null() | (quantity <= 0) | (quantity % LOT_SHARES != 0))
        .then(pl.lit(REASON_UNIT))
        .when(quantity > ORDER_MAX_SHARES)
        .then(pl.lit(REASON_MAX))
        .when(quantity > cap)
        .then(pl.lit(REASON_CAP))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    return (
        orders.with_columns(first_order_flags(orders).alias("_first"))
        .with_columns(reason.alias("reason"))
        .with_columns(pl.col("reason").is_null().alias("valid"))
        .drop("_first")
    )
