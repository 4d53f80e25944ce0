"""Folding a staged batch into the register's positions, and proving it (csdp.register.bulk, steps 4–5):
the lots that exist are updated by primary key and the others inserted, the position check constraints
judging the end state; a large batch proves each lot = its balances before + the batch, read from the
UPDATE's own RETURNING on PostgreSQL; the balances after can be handed back (the participants' files).
The batch's lots are a temporary table of ``_stage_lots`` (account, security, nature, lock-up; q/f/p the
batch; position_id and q0/f0/p0 the position before it)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import polars as pl
from django.db import connection
from django.db.backends.utils import CursorWrapper

from csdp.lib.bulk import copy_out
from csdp.lib.errors import Problem

FAR = "'9999-12-31'"  # the lock-up key of an unrestricted lot: NULL = NULL is not true in SQL


def _sql(cursor: CursorWrapper, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    cursor.execute(sql, params)
    return cursor.fetchall() if cursor.description else []


def _fold_into_positions(cursor: CursorWrapper, lots: str, now: Any, *, prove: bool, existing: int) -> list[Problem]:
    """The lots that exist are updated by primary key; the others are inserted. The position check
    constraints judge the end state (all or nothing). ``prove``: the fold's problems (``_fold_problems``),
    on PostgreSQL read from the UPDATE's own RETURNING rather than by joining the lots again.
    ``existing``: the lots with a position; the UPDATE must fold exactly that many (an UPDATE … FROM
    folds a position once however many lot rows meet it: a source that claimed one event per lot and
    had two would otherwise lose one)."""
    problems = None
    if prove and connection.vendor == "postgresql":
        rows = _sql(
            cursor,
            f"WITH folded AS ({_UPDATE.format(lots=lots)} RETURNING d.account_id, d.security_id, d.share_nature, "
            f"{OFF_FOLD.format(e='register_position')} AS off), "
            "bad AS (SELECT account_id, security_id, share_nature FROM folded WHERE off LIMIT 20) "
            "SELECT 0, account_id, security_id, share_nature FROM bad "
            "UNION ALL SELECT 1, COUNT(*), NULL, NULL FROM folded",
            [now],
        )
        problems = _fold_messages([row[1:] for row in rows if row[0] == 0])
        folded = next(int(row[1]) for row in rows if row[0] == 1)
    else:
        cursor.execute(_UPDATE.format(lots=lots), [now])
        folded = cursor.rowcount
    if folded != existing:
        return [_not_once(existing, folded)]
    cursor.execute(_INSERT.format(lots=lots), [now])
    if problems is None and prove:
        problems = _fold_problems(cursor, lots)
    return problems or []


_UPDATE = (
    "UPDATE register_position SET quantity = quantity + d.q, frozen = frozen + d.f, "
    "pledged = pledged + d.p, updated_at = %s FROM {lots} d WHERE register_position.id = d.position_id"
)
_INSERT = (
    "INSERT INTO register_position (account_id, security_id, share_nature, lockup_end, quantity, "
    "frozen, pledged, updated_at) SELECT account_id, security_id, share_nature, lockup_end, q, f, p, %s "
    "FROM {lots} WHERE position_id IS NULL"
)
# The balances after the batch of every lot it changed (register_apply_bulk_balances).
BALANCES = {
    "account_id": pl.Int64,
    "security_id": pl.Int64,
    "share_nature": pl.Utf8,
    "lockup_end": pl.Date,
    "quantity": pl.Int64,
    "frozen": pl.Int64,
    "pledged": pl.Int64,
}
_BALANCE_COLUMNS = "account_id, security_id, share_nature, lockup_end, quantity, frozen, pledged"


def _fold_with_balances(
    cursor: CursorWrapper, lots: str, now: Any, *, prove: bool, existing: int
) -> tuple[list[Problem], pl.DataFrame]:
    """The fold, also handing back the changed lots' balances after it. On PostgreSQL read from the
    UPDATE's and the INSERT's own RETURNING, copied out (the proof of a large batch read from the same
    rows); elsewhere the fold and then one read of the lots."""
    if connection.vendor != "postgresql":
        problems = _fold_into_positions(cursor, lots, now, prove=prove, existing=existing)
        return problems, copy_out(
            f"SELECT e.account_id, e.security_id, e.share_nature, e.lockup_end, e.quantity, e.frozen, e.pledged "
            f"FROM {lots} d JOIN register_position e ON e.account_id = d.account_id AND e.security_id = d.security_id "
            f"AND e.share_nature = d.share_nature AND COALESCE(e.lockup_end, {FAR}) = COALESCE(d.lockup_end, {FAR})",
            [],
            BALANCES,
        )
    updated = copy_out(
        f"WITH folded AS ({_UPDATE.format(lots=lots)} RETURNING d.account_id, d.security_id, d.share_nature, "
        f"d.lockup_end, register_position.quantity, register_position.frozen, register_position.pledged, "
        f"{OFF_FOLD.format(e='register_position')} AS off) SELECT * FROM folded",
        [now],
        {**BALANCES, "off": pl.Boolean},
    )
    if updated.height != existing:
        return [_not_once(existing, updated.height)], updated.drop("off")
    inserted = copy_out(f"{_INSERT.format(lots=lots)} RETURNING {_BALANCE_COLUMNS}", [now], BALANCES)
    off = updated.filter("off").select("account_id", "security_id", "share_nature").rows() if prove else []
    return _fold_messages(off), pl.concat([updated.drop("off"), inserted])


def _not_once(existing: int, folded: int) -> Problem:
    return Problem(f"本批登记变动中有同一持有明细的多笔变动（应逐笔合并 {existing} 个持有明细，实际 {folded} 个）。")


# A lot whose balances after the fold are not its balances before the batch plus the batch's events.
OFF_FOLD = "({e}.quantity <> d.q0 + d.q OR {e}.frozen <> d.f0 + d.f OR {e}.pledged <> d.p0 + d.p)"


def _fold_problems(cursor: CursorWrapper, lots: str) -> list[Problem]:
    """Each lot the batch changed now holds its balances before the batch plus the batch's events (a
    writer that changed a lot meanwhile, or a fold that went wrong, shows here)."""
    rows = _sql(
        cursor,
        f"SELECT d.account_id, d.security_id, d.share_nature FROM {lots} d JOIN register_position e "
        f"ON e.id = d.position_id WHERE {OFF_FOLD.format(e='e')}",
    )
    return _fold_messages(rows)


def _fold_messages(rows: list[tuple[Any, ...]]) -> list[Problem]:
    return [
        Problem(f"账户#{a} 证券#{s} 股份性质 {n} 的持有明细与本批登记变动不符（办理期间被另行变更）。")
        for a, s, n in rows[:20]
    ]


# The fold joins the batch's lots to their positions by hash. With the default work_mem (4 MB) a million
# lots' hash spills into ~24 batches, and the UPDATE sweeps the positions once per batch: 644k page reads
# and 623k page writes for a 26k-page table that does not fit shared_buffers (10.8 s); in one batch
# 5.6 s. Set for the statement's transaction only and put back after, as csdp.register.roster does.
FOLD_WORK_MEM = "256MB"


@contextmanager
def _fold_memory(cursor: CursorWrapper) -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield
        return
    previous = _sql(cursor, "SELECT current_setting('work_mem')")[0][0]
    cursor.execute("SELECT set_config('work_mem', %s, true)", [FOLD_WORK_MEM])
    yield  # an error rolls the savepoint back, and the setting with it
    cursor.execute("SELECT set_config('work_mem', %s, true)", [previous])
