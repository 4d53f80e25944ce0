"""Online allocation when the offering is oversubscribed (rules.md §2, BSE 网上配售).

    N = online shares, S = Σ valid subscribed shares
    S ≤ N: every valid order is filled; N − S is unsubscribed (the lead underwriter's 包销)
    S > N: base_i = floor(q_i × N / S / 100) × 100                  (exact integers)
           R = N − Σ base_i
           order the valid investors by q desc, seq asc, account asc (the account tie-break is our
           *assumption*: the rule stops at "数量相同的时间优先")
           extra_i = clamp(R − 100 × position_i, 0, 100)                (one lot each until R runs
           out; the very last lot may be under 100 shares)

Column expressions and one partial sort (only the ceil(R / 100) investors who receive an extra lot
are ordered, by a packed integer key — csdp/ipo/engine/ordering.py): the same code for ten rows and
fifteen million. No floats anywhere: the ratio is a ``Decimal`` N / S, for display only.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from csdp.ipo.engine.exact import column_max, exact_int_dtype, exact_sum, require_columns
from csdp.ipo.engine.ordering import packed_order_key, sort_rows
from csdp.ipo.engine.validity import LOT_SHARES

# Significant digits of the published ratio (网上获配比例 is shown with 10 after "0.0…%"); 28 keeps
# every digit a reader could want and is Decimal's default.
RATIO_PRECISION = 28

ALLOCATION_ORDER = (("quantity", True), ("seq", False), ("account", False))

AccountsOf = Callable[[pl.Series], pl.Series]  # rows of the valid book → their account numbers


@dataclass(frozen=True)
class AllocationSummary:
    online_shares: int
    valid_orders: int
    valid_shares: int
    invalid_orders: int
    ratio: Decimal | None  # N / S to RATIO_PRECISION significant digits; None when nothing valid was subscribed
    allocated_accounts: int
    allocated_shares: int
    unsubscribed_shares: int

    @property
    def oversubscribed(self) -> bool:
        return self.valid_shares > self.online_shares


def allocation_ratio(online_shares: int, valid_shares: int) -> Decimal | None:
    if valid_shares <= 0:
        return None
    context = decimal.Context(prec=RATIO_PRECISION, rounding=decimal.ROUND_HALF_EVEN)
    return context.divide(Decimal(online_shares), Decimal(valid_shares))


def _valid_mask(frame: pl.DataFrame) -> pl.Expr:
    # Without a ``valid`` column every row counts: a full-length column, not a scalar, so it can be summed.
    return pl.col("valid").fill_null(False) if "valid" in frame.columns else pl.repeat(True, pl.len())


def _base_lots(valid: pl.DataFrame, *, online_shares: int, valid_shares: int) -> pl.Expr:
    """floor(q × N / (S × 100)) × 100, in Int64 when q_max × N fits, else in Int128."""
    quantity_max = column_max(valid.get_column("quantity"))
    dtype = exact_int_dtype(max(quantity_max * online_shares, valid_shares * LOT_SHARES))
    numerator = pl.col("quantity").cast(dtype) * pl.lit(online_shares, dtype=dtype)
    denominator = pl.lit(valid_shares * LOT_SHARES, dtype=dtype)
    return ((numerator // denominator).cast(pl.Int64) * LOT_SHARES).alias("_base")


def _first_in_order(based: pl.DataFrame, served: int, accounts: AccountsOf) -> pl.DataFrame:
    """The ``served`` rows first in allocation order, sorted: a one-column ``bottom_k`` of the packed
    (q desc, seq asc) key finds the boundary, and only the rows up to it are sorted (account last).
    Only those rows fetch their account (the exact tie-break)."""
    parts, ties = ALLOCATION_ORDER[:2], [ALLOCATION_ORDER[2], ("_row", False)]
    packed = packed_order_key(based, parts)
    if packed is not None:
        boundary = based.select(packed.bottom_k(served).max()).item()
        near = based.filter(packed <= boundary)
        return sort_rows(near.with_columns(accounts(near.get_column("_row"))), parts, ties).head(served)
    based = based.with_columns(accounts(based.get_column("_row")))
    keys = [pl.col(name).neg() if desc else pl.col(name) for name, desc in ALLOCATION_ORDER] + [pl.col("_row")]
    return sort_rows(based.bottom_k(served, by=keys), parts, ties)


def _extra_lots(based: pl.DataFrame, remainder: int, accounts: AccountsOf) -> tuple[pl.Series, pl.Series]:
    """(row, extra) for the ceil(R / 100) investors first in allocation order: the rest get no extra."""
    first = _first_in_order(based, -(-remainder // LOT_SHARES), accounts)
    position = pl.int_range(pl.len(), dtype=pl.Int64)
    extra = (pl.lit(remainder, dtype=pl.Int64) - position * LOT_SHARES).clip(0, LOT_SHARES)
    picked = first.select("_row", extra.alias("_extra"))
    return picked.get_column("_row"), picked.get_column("_extra")


def _allocate_valid(valid: pl.DataFrame, accounts: AccountsOf, *, online_shares: int) -> pl.Series:
    """allocated shares of each valid order (``quantity``, ``seq``), aligned with ``valid``;
    ``accounts(rows)``: the account numbers of those rows of ``valid``."""
    valid_shares = exact_sum(valid, "quantity")
    if valid_shares <= online_shares:
        return valid.get_column("quantity").cast(pl.Int64)
    based = valid.with_columns(
        _base_lots(valid, online_shares=online_shares, valid_shares=valid_shares),
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"),
    )
    remainder = online_shares - exact_sum(based, "_base")  # 0 ≤ R < 100 × n, so it fits Int64
    base = based.get_column("_base")
    if remainder == 0:
        return base
    rows, extra = _extra_lots(based, remainder, accounts)
    return base.scatter(rows, base.gather(rows) + extra)


def allocate(valid: pl.DataFrame, *, online_shares: int) -> pl.DataFrame:
    """Every row of ``valid`` (the output of ``validate_orders``, or only valid orders) with
    ``allocated_shares``; rows whose ``valid`` is false get 0. Input row order is kept."""
    require_columns(valid, ("account", "quantity", "seq"), what="orders")
    if online_shares < 0:
        raise ValueError("online_shares must not be negative")
    valid_rows = valid.select(pl.int_range(pl.len(), dtype=pl.UInt32).filter(_valid_mask(valid))).to_series()
    allocated = pl.repeat(0, valid.height, dtype=pl.Int64, eager=True)
    if valid_rows.len():
        # The account is only a tie-break among the few rows near the last extra lot: gathering a
        # million account numbers with the book cost more than the rest of the walk.
        book = valid.select("quantity", "seq").gather(valid_rows)
        accounts = valid.get_column("account")
        shares = _allocate_valid(
            book, lambda rows: accounts.gather(valid_rows.gather(rows)), online_shares=online_shares
        )
        allocated = allocated.scatter(valid_rows, shares)
    return valid.with_columns(allocated.alias("allocated_shares"))


def summarize(allocated: pl.DataFrame, *, online_shares: int) -> AllocationSummary:
    """The figures an announcement publishes, from the output of ``allocate`` (one pass, no copy)."""
    mask = _valid_mask(allocated)
    figures = allocated.select(
        mask.sum().alias("valid_orders"),
        pl.col("quantity").filter(mask).cast(pl.Int128).sum().alias("valid_shares"),
        pl.col("allocated_shares").cast(pl.Int128).sum().alias("allocated_shares"),
        (pl.col("allocated_shares") > 0).sum().alias("allocated_accounts"),
    ).row(0, named=True)
    valid_orders = int(figures["valid_orders"])
    valid_shares, allocated_shares = int(figures["valid_shares"] or 0), int(figures["allocated_shares"] or 0)
    return AllocationSummary(
        online_shares=online_shares,
        valid_orders=valid_orders,
        valid_shares=valid_shares,
        invalid_orders=allocated.height - valid_orders,
        ratio=allocation_ratio(online_shares, valid_shares),
        allocated_accounts=int(figures["allocated_accounts"]),
        allocated_shares=allocated_shares,
        unsubscribed_shares=online_shares - allocated_shares,
    )


def kept_shares(valid: pl.Expr, allocated: pl.Expr) -> pl.Expr:
    """What an allocated order keeps after shortfall invalidation (seed 002 §4.1.3 "无效申购处理后的配售结果"):
    an invalid order keeps nothing; its shares go to the lead underwriter's 余股 (rules.md §3,
    seed 002 §2.1.2(一)). A null ``valid`` counts as invalid."""
    return pl.when(valid.fill_null(False)).then(allocated).otherwise(0)


def forfeit_invalid(allocated: pl.DataFrame) -> pl.DataFrame:
    """After shortfall invalidation of an allocated table: ``allocated_shares`` becomes what each order
    keeps (``kept_shares``), the rest moves to ``forfeited_shares``."""
    require_columns(allocated, ("allocated_shares", "valid"), what="allocated orders")
    kept = kept_shares(pl.col("valid"), pl.col("allocated_shares"))
    return allocated.with_columns((pl.col("allocated_shares") - kept).alias("forfeited_shares")).with_columns(
        (pl.col("allocated_shares") - pl.col("forfeited_shares")).alias("allocated_shares")
    )
