"""Nature changes carry their encumbrances (rules.md §11: frozen and pledged quantities stay with the
shares whose nature changes).

A nature change (限售 00 → 05/06, 解除限售 05/06 → 00, and the IPO's lock-up list) is written as legs of
one event type: shares leave one lot of an account (negative quantity) and enter another lot of the same
account and security (positive quantity), the legs of a change summing to zero. Callers give only the
quantities; the register decides here, once for both write paths, which frozen and pledged shares go
along, so that no lot is ever left holding a pledge on shares it no longer has:

- the shares leaving a lot take its encumbrances first — pledged, then frozen — up to their number,
  so a lot changed whole carries all of them and a lot changed in part keeps as few as it can;
- what leaves the lots of one change is given to its receiving legs in key order, pledged first.

Pure frames in, frame out (style habit 10): the same function serves the one-event service and the
end-of-day bulk path.
"""

from __future__ import annotations

import polars as pl

from csdp.lib.errors import CsdpError, Problem
from csdp.register.models import EventType

NATURE_CHANGES = (EventType.RESTRICT.value, EventType.RELEASE.value)
LOT = ["account_id", "security_id", "share_nature", "lockup_end"]
# One change: the legs of one account and security, of one type, on one day.
CHANGE = ["account_id", "security_id", "event_type", "business_date"]


class NatureChangeError(CsdpError):
    code = "register.nature_change"


def is_nature_change(event_type: str) -> bool:
    return str(event_type) in NATURE_CHANGES


def _fill(pool: pl.Expr, capacity: pl.Expr, over: list[str]) -> pl.Expr:
    """Greedy: the legs of a group (already in order) take from ``pool`` in turn, each up to its capacity."""
    before = capacity.cum_sum().over(over) - capacity
    return (pool - before).clip(0, None).pipe(lambda left: pl.min_horizontal(left, capacity))


def nature_change_problems(legs: pl.DataFrame) -> list[Problem]:
    problems = []
    given = legs.filter((pl.col("frozen_delta") != 0) | (pl.col("pledged_delta") != 0))
    if given.height:
        problems.append(
            Problem(
                f"股份性质变更不得另行指定冻结、质押数量（由登记簿随股份转移）：{given['key'][0]} 等 "
                f"{given.height} 笔。"
            )
        )
    unbalanced = (
        legs.group_by(CHANGE)
        .agg(pl.col("quantity_delta").sum(), pl.col("key").min())
        .filter(pl.col("quantity_delta") != 0)
    )
    if unbalanced.height:
        problems.append(
            Problem(f"股份性质变更的转出与转入数量不相等：{unbalanced['key'][0]} 等 {unbalanced.height} 笔。")
        )
    return problems


def carry_encumbrances(events: pl.DataFrame, lots: pl.DataFrame) -> pl.DataFrame:
    """Fill the frozen and pledged deltas of the nature-change legs of ``events``.

    ``events``: EventSpec's columns (csdp.register.bulk.SCHEMA). ``lots``: LOT + ``frozen``, ``pledged``
    — the encumbrances of the lots the shares leave, as they stand before the nature changes (lots not
    listed have none). Other events pass through unchanged; row order is kept.
    """
    marked = events.with_row_index("_row")
    legs = marked.filter(pl.col("event_type").is_in(NATURE_CHANGES))
    if legs.height == 0:
        return events
    problems = nature_change_problems(legs)
    if problems:
        raise NatureChangeError("股份性质变更数据有误，整批不予办理。", problems=problems)
    lots = (
        lots.select(LOT + ["frozen", "pledged"])
        .group_by(LOT)
        .agg(pl.col("frozen").sum(), pl.col("pledged").sum())
        .filter((pl.col("frozen") != 0) | (pl.col("pledged") != 0))
    )
    # Only a change with an encumbered source lot moves anything; the legs of the others keep 0 (a
    # release of 100k lots of which a tenth are pledged works on 20k legs, not 200k).
    carrying = (
        legs.filter(pl.col("quantity_delta") < 0)
        .join(lots.select(LOT), on=LOT, how="semi", nulls_equal=True)
        .select(CHANGE)
        .unique()
    )
    legs = legs.join(carrying, on=CHANGE, how="semi")
    if legs.height == 0:
        return events
    out = legs.filter(pl.col("quantity_delta") < 0).sort("key").with_columns((-pl.col("quantity_delta")).alias("n"))
    # What each source lot gives up, then each leaving leg's part of it.
    source = out.group_by(LOT).agg(pl.col("n").sum().alias("lot_n")).join(lots, on=LOT, how="left", nulls_equal=True)
    source = source.with_columns(pl.col("frozen").fill_null(0), pl.col("pledged").fill_null(0)).with_columns(
        pl.min_horizontal("pledged", "lot_n").alias("lot_p")
    )
    source = source.with_columns(pl.min_horizontal("frozen", pl.col("lot_n") - pl.col("lot_p")).alias("lot_f"))
    out = out.join(source.select(LOT + ["lot_p", "lot_f"]), on=LOT, how="left", nulls_equal=True).sort("key")
    out = out.with_columns(_fill(pl.col("lot_p"), pl.col("n"), LOT).alias("p"))
    out = out.with_columns(_fill(pl.col("lot_f"), pl.col("n") - pl.col("p"), LOT).alias("f"))
    # Everything that left one change goes to that change's receiving legs.
    pool = out.group_by(CHANGE).agg(pl.col("p").sum().alias("pool_p"), pl.col("f").sum().alias("pool_f"))
    into = (
        legs.filter(pl.col("quantity_delta") > 0)
        .sort("key")
        .join(pool, on=CHANGE, how="left")
        .with_columns(pl.col("pool_p").fill_null(0), pl.col("pool_f").fill_null(0), pl.col("quantity_delta").alias("n"))
    )
    into = into.with_columns(_fill(pl.col("pool_p"), pl.col("n"), CHANGE).alias("p"))
    into = into.with_columns(_fill(pl.col("pool_f"), pl.col("n") - pl.col("p"), CHANGE).alias("f"))
    moved = pl.concat(
        [out.select("_row", (-pl.col("f")).alias("f"), (-pl.col("p")).alias("p")), into.select("_row", "f", "p")]
    )
    filled = marked.join(moved, on="_row", how="left", maintain_order="left").with_columns(
        (pl.col("frozen_delta") + pl.col("f").fill_null(0)).alias("frozen_delta"),
        (pl.col("pledged_delta") + pl.col("p").fill_null(0)).alias("pledged_delta"),
    )
    return filled.select(events.columns)
