from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
import polars as pl
from django.db import connection, transaction

from csdp.ipo.engine.allocation import kept_shares
from csdp.ipo.models import Offering, EodStep, EodStepRun
from csdp.lib.bulk import copy_out


def orders_of(offering: Offering, *, participant_code: str, seqs: list[int]) -> dict[int, dict]:
    """The named orders of one participant with their T EOD validity (a few rows: declarations)."""
    if not seqs:
        return {}
    placeholders = ", ".join(["%s"] * len(seqs))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.seq, s.account, s.quantity_shares, o.seq IS NULL FROM ipo_subscription s "
            f"{_INVALID_JOIN} WHERE s.offering_id = %s AND s.participant = %s AND s.seq IN ({placeholders})",
            [offering.pk, participant_code, *seqs],
        )
        return {
            seq: {"account": account, "quantity": qty, "valid": bool(valid)}
            for seq, account, qty, valid in cursor.fetchall()
        }


# T EOD's outcome table is sparse (only the invalid orders): an order without a row there is valid.
_INVALID_JOIN = "LEFT JOIN ipo_subscriptionoutcome o ON o.offering_id = s.offering_id AND o.seq = s.seq"

ORDER_VIEW_SCHEMA = {
    "seq": pl.Int64,
    "account": pl.Utf8,
    "participant": pl.Utf8,
    "custody_unit": pl.Utf8,
    "quantity": pl.Int64,
    "valid_t": pl.Boolean,
    "reason_t": pl.Utf8,
}
SETTLEMENT_SCHEMA = {
    "seq": pl.Int64,
    "valid_t1": pl.Boolean,
    "reason_t1": pl.Utf8,
    "allocated": pl.Int64,
    "kept": pl.Int64,
}


# Frames one end-of-day run keeps between its steps (T EOD's verdicts for the T files step, T+1's
# results for the T+1 files step), so a run does not read a million rows back that it has just written.
# They live for one `eod_frames()` scope (one `csdp eod run`, one web request), never in the process:
# several web processes and workers share one database, and a frame kept across requests was read by
# the next end of day after another process had replaced the file (issue 14). A frame is kept only
# after its step commits, and only what a committed step made immutable is kept (a done step is never
# redone), so within one run the frame and the database agree. Outside a scope nothing is kept.
_RUN: ContextVar[dict | None] = ContextVar("ipo_eod_frames", default=None)


@contextmanager
def eod_frames():
    """The scope of one end-of-day run (nested scopes share the outer one)."""
    if _RUN.get() is not None:
        yield
        return
    token = _RUN.set({})
    try:
        yield
    finally:
        _RUN.reset(token)


def _kept(kind: str, offering_id: int) -> pl.DataFrame | None:
    store = _RUN.get()
    return None if store is None else store.get((kind, offering_id))


def _keep_after_commit(kind: str, offering_id: int, frame: pl.DataFrame) -> None:
    store = _RUN.get()
    if store is None:
        return
    store.pop((kind, offering_id), None)  # until this step commits, read the database
    transaction.on_commit(lambda: store.__setitem__((kind, offering_id), frame))


def remember_t_outcomes(offering_id: int, outcomes: pl.DataFrame) -> None:
    _keep_after_commit(
        "t",
        offering_id,
        outcomes.select(
            "seq",
            "account",
            "participant",
            "custody_unit",
            pl.col("quantity_shares").alias("quantity"),
            pl.col("valid").alias("valid_t"),
            pl.col("reason").alias("reason_t"),
        ),
    )


def _loaded_rows(offering: Offering) -> pl.DataFrame | None:
    """The rows of the offering's current load from the file its record names (eod/snapshot.py), or None."""
    from csdp.ipo.eod.snapshot import snapshot_read  # read at call time: tests replace it at its source

    detail = (
        EodStepRun.objects.filter(offering_id=offering.pk, step=EodStep.T_LOAD, status=EodStepRun.Status.DONE)
        .values_list("detail", flat=True)
        .first()
    )
    return snapshot_read((detail or {}).get("snapshot"))


def subscriptions_of(offering: Offering) -> pl.DataFrame:
    """seq, account, participant, custody_unit, quantity, investor_id — the exchange's rows, as the
    database holds them now (another process may have replaced the file since this one loaded it)."""
    loaded = _loaded_rows(offering)
    if loaded is not None:
        return loaded
    return copy_out(
        "SELECT seq, account, participant, custody_unit, quantity_shares, investor_id FROM ipo_subscription "
        "WHERE offering_id = %s",
        [offering.pk],
        {
            "seq": pl.Int64,
            "account": pl.Utf8,
            "participant": pl.Utf8,
            "custody_unit": pl.Utf8,
            "quantity": pl.Int64,
            "investor_id": pl.Utf8,
        },
    )


def _keep_if_final(kind: str, offering: Offering, step: str, frame: pl.DataFrame) -> pl.DataFrame:
    """A frame read from the database is kept for the rest of the run when the step that writes it is
    done: a done step is never redone, so the rows cannot change under the run (T+1 settles, then
    writes its files, then checks them, from one read of T's verdicts)."""
    store = _RUN.get()
    if (
        store is not None
        and EodStepRun.objects.filter(offering_id=offering.pk, step=step, status=EodStepRun.Status.DONE).exists()
    ):
        store[(kind, offering.pk)] = frame
    return frame


def t_outcomes(offering: Offering) -> pl.DataFrame:
    """seq, account, participant, custody_unit, quantity, valid_t, reason_t — T EOD's verdicts."""
    cached = _kept("t", offering.pk)
    if cached is not None:
        return cached
    return _keep_if_final("t", offering, "t_clearing", _t_outcomes_read(offering))


def _t_outcomes_read(offering: Offering) -> pl.DataFrame:
    loaded = _loaded_rows(offering)
    if loaded is not None:  # the loaded rows with the few invalid ones' reasons: no million-row read
        invalid = copy_out(
            "SELECT seq, reason FROM ipo_subscriptionoutcome WHERE offering_id = %s",
            [offering.pk],
            {"seq": pl.Int64, "reason_t": pl.Utf8},
        )
        return (
            loaded.join(invalid, on="seq", how="left")
            .select(
                "seq",
                "account",
                "participant",
                "custody_unit",
                "quantity",
                pl.col("reason_t").is_null().alias("valid_t"),
                pl.col("reason_t").fill_null(""),
            )
            .sort("seq")
        )
    return copy_out(
        "SELECT s.seq, s.account, s.participant, s.custody_unit, s.quantity_shares, o.seq IS NULL, "
        f"COALESCE(o.reason, '') FROM ipo_subscription s {_INVALID_JOIN} WHERE s.offering_id = %s ORDER BY s.seq",
        [offering.pk],
        ORDER_VIEW_SCHEMA,
    )


def settlement_view(rows: pl.DataFrame) -> pl.DataFrame:
    """SETTLEMENT_SCHEMA from the stored columns (seq, reason, allocated_shares): an order of the sparse
    results is still valid exactly when it has no reason, and then keeps its allocation (SettlementResult)."""
    valid = pl.col("reason") == ""
    return rows.select(
        "seq",
        valid.alias("valid_t1"),
        pl.col("reason").alias("reason_t1"),
        pl.col("allocated_shares").alias("allocated"),
        kept_shares(valid, pl.col("allocated_shares")).alias("kept"),
    )


def remember_settlement(offering_id: int, rows: pl.DataFrame) -> None:
    """The sparse T+1 results just written (columns of ipo_settlementresult), like remember_t_outcomes:
    kept after commit for the rest of the run, so the files step that follows does not read them back."""
    _keep_after_commit("settlement", offering_id, settlement_view(rows))


def settlement_of(offering: Offering) -> pl.DataFrame:
    cached = _kept("settlement", offering.pk)
    if cached is not None:
        return cached
    return _keep_if_final(
        "settlement",
        offering,
        "t1_settle",
        settlement_view(
            copy_out(
                "SELECT seq, reason, allocated_shares FROM ipo_settlementresult WHERE offering_id = %s",
                [offering.pk],
                {"seq": pl.Int64, "reason": pl.Utf8, "allocated_shares": pl.Int64},
            )
        ),
    )


def forget_remembered() -> None:
    """Drop the frames of the current run's scope, if any (tests that flush the database mid-run)."""
    store = _RUN.get()
    if store is not None:
        store.clear()


def _result_rows(seqs: pl.Series, settled: pl.DataFrame) -> np.ndarray:
    """The row of ``seqs`` (sorted) of each sparse T+1 result, by numpy's binary search (sorted keys:
    half the time of Polars' ``search_sorted`` at 350k results in 1M orders)."""
    if settled.height == 0:
        return np.empty(0, dtype=np.int64)
    wanted, known = settled.get_column("seq").to_numpy(), seqs.to_numpy()  # no copy when one chunk without nulls
    at = np.searchsorted(known, wanted)
    if known.size == 0 or not np.array_equal(known[np.minimum(at, known.size - 1)], wanted):
        raise ValueError("T+1 结果中有不在申购数据中的主机确认序号。")
    return at


def _settled_columns(orders: pl.DataFrame, settled: pl.DataFrame) -> list[pl.Series]:
    """valid, reason, allocated and kept of every order: T EOD's verdict overridden where a sparse T+1
    result says otherwise (an order invalidated at T+1 carries its new reason; the others keep T's).
    Each is one column scattered at the results' rows — coalescing null-filled result columns cost
    a 1M-row string column and three passes more (27 ms against 11 ms at 1M)."""
    at = _result_rows(orders.get_column("seq"), settled)
    renamed = pl.col("reason_t1") != ""
    reasons = settled.select(pl.Series(at).alias("at"), "reason_t1").filter(renamed)
    zeros = pl.zeros(orders.height, pl.Int64, eager=True)
    # clone() first: scatter writes in place, and ``orders`` may be the frame kept in memory
    return [
        orders.get_column("valid_t").clone().scatter(at, settled.get_column("valid_t1")).alias("valid"),
        orders.get_column("reason_t")
        .clone()
        .scatter(reasons.get_column("at"), reasons.get_column("reason_t1"))
        .alias("reason"),
        zeros.clone().scatter(at, settled.get_column("allocated")).alias("allocated"),
        zeros.scatter(at, settled.get_column("kept")).alias("kept"),
    ]


def order_outcomes(
    offering: Offering, *, orders: pl.DataFrame | None = None, settled: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Every order of an offering with what became of it: T EOD validity joined with the sparse T+1
    results. Money per order is derived: a still-valid order was frozen in full (quantity × price),
    its kept shares were paid for, the rest was unfrozen. A step that has T's verdicts (ORDER_VIEW_SCHEMA)
    or T+1's results (SETTLEMENT_SCHEMA) in hand passes them instead of reading them back."""
    orders = t_outcomes(offering) if orders is None else orders
    if not orders.get_column("seq").is_sorted():  # T EOD's frame is in file order, usually seq order already
        orders = orders.sort("seq")
    price = offering.price_fen
    frozen = pl.when("valid").then(pl.col("quantity") * price).otherwise(0)
    return (
        orders.select("seq", "account", "participant", "custody_unit", "quantity")
        .with_columns(_settled_columns(orders, settlement_of(offering) if settled is None else settled))
        .with_columns(
            frozen.alias("frozen_fen"),
            (pl.col("kept") * price).alias("deducted_fen"),
            (frozen - pl.col("kept") * price).alias("unfrozen_fen"),
        )
    )
