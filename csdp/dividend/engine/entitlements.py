"""Entitlements: per account (精确算法 over the accounts) and then per lot and encumbrance.

Two pure steps, tables in, tables out (style habit 10):

1. ``account_entitlements(holdings, rates, seed, method)``: one row per securities account with its
   record-date quantity → ``cash_fen`` and ``bonus_shares`` (送股 + 转增), by ``apportion``. The
   precise method works per account, as ChinaClear's 精确算法 does (rules.md §12).
2. ``lot_entitlements(lots, accounts)``: an account's cash and bonus shares are split over its lots
   and, within a lot, over the frozen, pledged and free quantities — the same largest-remainder rule
   inside the account (its total fixed), ties in a fixed order: frozen, pledged, free; restricted lots
   before unrestricted, earlier lock-up end first. Then:

   - *assumption (rules.md §12 "likely", common CSD practice)*: bonus shares of a restricted lot are
     restricted with the same share nature and lock-up end — they are credited to the same lot;
   - *assumption (same source)*: bonus shares on a pledged quantity are pledged, on a frozen quantity
     frozen (the lot's frozen / pledged grow with them);
   - *assumption (same source, 孳息随冻结)*: cash on a frozen quantity is held, not paid
     (``held_fen``); cash on pledged shares is paid (the pledge covers the shares, not the cash —
     our reading, as CSDs pay dividends on pledged shares to the pledgor unless a court orders otherwise).

Only accounts with more than one non-empty bucket are split (a sort of those rows only); most holders
have one free lot and take their account's amounts as they are.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import polars as pl

from csdp.dividend.engine.apportion import Method, apportion, tie_keys
from csdp.dividend.engine.rates import CASH_DENOMINATOR, SHARE_DENOMINATOR, Rates
from csdp.ipo.engine.exact import column_max, exact_int_dtype, exact_sum, require_columns


@dataclass(frozen=True)
class Totals:
    holders: int
    total_quantity: int
    cash_declared_fen: int  # Σ quantity × rate, floored to the fen
    cash_total_fen: int  # Σ cash_fen (= declared under 精确算法)
    bonus_declared: int
    bonus_total: int

    def as_json(self) -> dict[str, int]:
        return asdict(self)


def account_entitlements(
    holdings: pl.DataFrame, rates: Rates, *, seed: int, method: Method = Method.PRECISE
) -> tuple[pl.DataFrame, Totals]:
    """``holdings``: ``account`` (unique, any sortable type) and ``quantity`` (Int64, ≥ 0).
    Returns the frame with ``cash_fen`` and ``bonus_shares`` added (row order kept) and the totals."""
    require_columns(holdings, ("account", "quantity"), what="holdings")
    quantity = holdings.get_column("quantity").cast(pl.Int64)
    ordinals = holdings.get_column("account").rank("ordinal").cast(pl.UInt64).to_numpy()
    ties = tie_keys(ordinals, seed)
    cash, cash_declared = apportion(quantity, rates.cash_micro, CASH_DENOMINATOR, ties, method)
    bonus, bonus_declared = apportion(quantity, rates.shares_micro, SHARE_DENOMINATOR, ties, method)
    out = holdings.with_columns(cash.alias("cash_fen"), bonus.alias("bonus_shares"))
    totals = Totals(
        holders=out.height,
        total_quantity=exact_sum(out, "quantity"),
        cash_declared_fen=cash_declared,
        cash_total_fen=exact_sum(out, "cash_fen"),
        bonus_declared=bonus_declared,
        bonus_total=exact_sum(out, "bonus_shares"),
    )
    return out, totals


# bucket kinds, in the order a tie within an account is given the unit
FROZEN, PLEDGED, FREE = 0, 1, 2
LOT_KEY = ("account", "share_nature", "lockup_end")


def lockup_last(column: str = "lockup_end") -> pl.Expr:
    """A lot's lock-up end as a sort key with an unrestricted lot's (null) after every date: its day
    number, null as the largest. The same order as sorting the date with ``nulls_last=True``, which in
    Polars takes the slow path of a multi-column sort (10.5M lots by account, nature, lock-up end: 6.1 s
    shuffled, 1.5 s as R's snapshot comes; 0.7 s with this key)."""
    return pl.col(column).cast(pl.Int32).fill_null(2**31 - 1)


def _buckets(lots: pl.DataFrame) -> pl.DataFrame:
    """One row per non-empty (lot, kind): ``lot`` (the lot's row number), ``account``, ``kind``,
    ``weight``, and the lot's nature and lock-up end for the order of ties."""
    free = pl.col("quantity") - pl.col("frozen") - pl.col("pledged")
    base = lots.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("lot"),
        "account",
        "share_nature",
        "lockup_end",
        "frozen",
        "pledged",
        free.alias("free"),
    )
    parts = [
        base.select(
            "lot",
            "account",
            "share_nature",
            "lockup_end",
            pl.lit(kind, pl.Int8).alias("kind"),
            pl.col(column).alias("weight"),
        )
        for kind, column in ((FROZEN, "frozen"), (PLEDGED, "pledged"), (FREE, "free"))
    ]
    return pl.concat(parts).filter(pl.col("weight") > 0)


def _split(buckets: pl.DataFrame, accounts: pl.DataFrame, amount: str) -> pl.DataFrame:
    """Each account's ``amount`` over its buckets in proportion to ``weight`` (Σ weight = the account's
    quantity), largest remainders first; returns ``lot, kind, part``."""
    joined = buckets.join(accounts.select("account", "quantity", amount), on="account", how="left")
    bound = column_max(joined.get_column(amount)) * column_max(joined.get_column("weight"))
    dtype = exact_int_dtype(bound)
    product = pl.col(amount).cast(dtype) * pl.col("weight").cast(dtype)
    joined = joined.with_columns(
        (product // pl.col("quantity")).cast(pl.Int64).alias("whole"),
        (product % pl.col("quantity")).cast(pl.Int64).alias("fraction"),
    )
    joined = joined.with_columns((pl.col(amount) - pl.col("whole").sum().over("account")).alias("left"))
    ordered = joined.sort(
        [pl.col("account"), pl.col("fraction"), pl.col("kind"), pl.col("share_nature"), lockup_last()],
        descending=[False, True, False, True, False],  # 1.8M buckets: 0.82 s with nulls_last, 0.14 s
    )
    rank = pl.int_range(pl.len()).over("account")
    return ordered.select("lot", "kind", (pl.col("whole") + (rank < pl.col("left")).cast(pl.Int64)).alias("part"))


AMOUNTS = ("cash_fen", "held_fen", "bonus_shares", "bonus_frozen", "bonus_pledged")


def _per_lot(parts: pl.DataFrame) -> pl.DataFrame:
    """``lot, kind, cash_fen, bonus_shares`` rows → one row per lot with the five amounts."""
    kind = pl.col("kind")
    return parts.select(
        "lot",
        "cash_fen",
        pl.when(kind == FROZEN).then(pl.col("cash_fen")).otherwise(0).alias("held_fen"),
        "bonus_shares",
        pl.when(kind == FROZEN).then(pl.col("bonus_shares")).otherwise(0).alias("bonus_frozen"),
        pl.when(kind == PLEDGED).then(pl.col("bonus_shares")).otherwise(0).alias("bonus_pledged"),
    )


def lot_entitlements(lots: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """``lots``: ``account, share_nature, lockup_end, quantity, frozen, pledged`` (record date);
    ``accounts``: ``account, quantity, cash_fen, bonus_shares`` (from ``account_entitlements``).
    Returns ``lots`` (same order) with ``cash_fen, held_fen, bonus_shares, bonus_frozen, bonus_pledged``.
    An account with a single bucket (most: one free lot) takes its amounts as they are, row for row;
    only accounts with several buckets are split, and only they are grouped back per lot."""
    require_columns(lots, (*LOT_KEY, "quantity", "frozen", "pledged"), what="lots")
    buckets = _buckets(lots)
    many = pl.col("account").count().over("account") > 1
    buckets = buckets.with_columns(many.alias("many"))
    single = buckets.filter(~pl.col("many")).join(
        accounts.select("account", "cash_fen", "bonus_shares"), on="account", how="left"
    )
    pieces = [_per_lot(single.select("lot", "kind", "cash_fen", "bonus_shares"))]
    split = buckets.filter(pl.col("many"))
    if split.height:
        cash = _split(split, accounts, "cash_fen").rename({"part": "cash_fen"})
        bonus = _split(split, accounts, "bonus_shares").rename({"part": "bonus_shares"})
        joined = cash.join(bonus, on=["lot", "kind"], how="inner")
        pieces.append(_per_lot(joined).group_by("lot").agg([pl.col(c).sum() for c in AMOUNTS]))
    per_lot = pl.concat([p.select("lot", *[pl.col(c).cast(pl.Int64) for c in AMOUNTS]) for p in pieces])
    if per_lot.height == lots.height:
        # Every lot has a non-empty bucket (quantity > 0, as ``entitle`` keeps) and is in per_lot once (an
        # account is single or split, and split lots are grouped back): per_lot's ``lot`` is a permutation
        # of the rows, so its rows are put back in the lots' order by its inverse, not joined (10.5M lots:
        # 1.8 s for the join, 0.2 s for the gather). A lot missed (and another met twice) falls to the join.
        at = per_lot.get_column("lot").to_numpy()
        inverse = np.full(at.size, -1, dtype=np.int64)
        inverse[at] = np.arange(at.size, dtype=np.int64)
        if (inverse >= 0).all():
            return lots.hstack(per_lot.drop("lot")[inverse].get_columns())
    result = lots.with_row_index("lot").join(per_lot, on="lot", how="left", maintain_order="left").drop("lot")
    return result.with_columns([pl.col(c).fill_null(0).cast(pl.Int64) for c in AMOUNTS])


def lots_to_accounts(lots: pl.DataFrame) -> pl.DataFrame:
    """Σ lots per account (the quantity the 精确算法 works on)."""
    return lots.group_by("account").agg(pl.col("quantity").sum())


def entitle(
    lots: pl.DataFrame, rates: Rates, *, seed: int, method: Method = Method.PRECISE
) -> tuple[pl.DataFrame, pl.DataFrame, Totals]:
    """Both steps: (accounts, lots with entitlements, totals). Accounts with zero quantity are dropped."""
    lots = lots.filter(pl.col("quantity") > 0)
    accounts, totals = account_entitlements(lots_to_accounts(lots), rates, seed=seed, method=method)
    return accounts, lot_entitlements(lots, accounts), totals
