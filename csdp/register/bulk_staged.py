"""The register's bulk path with its events built by the database (csdp.register.bulk's second entry):
a SELECT fills the staging table, its rows are checked in SQL, and everything after the staging is the
bulk path's own (``_apply_stage``). A 权益分派's bonus shares: one event per entitlement lot, never read
into Python."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from csdp.register.bulk import COLUMNS, DEFAULTS, EVENT_TYPES, NATURES, STAGE_COLUMNS, _analyze, _apply_stage
from csdp.register.bulk_fold import _sql
from csdp.register.models import ShareNature
from csdp.register.nature import NATURE_CHANGES
from csdp.register.services import RegisterError

if TYPE_CHECKING:
    import polars as pl


def _first_problem_of_stage(cursor: CursorWrapper, stage: str) -> str | None:
    """``_first_problem``'s checks in SQL, in one pass over the staged events (register_apply_staged).
    A key repeated within the batch is refused by the log's unique key at the INSERT; a nature change
    needs its carried encumbrances (``_carry``, in Polars) and goes through register_apply_bulk."""
    required = " OR ".join(f"{c} IS NULL" for c in COLUMNS if c not in ("lockup_end", "memo"))
    restricted = f"(share_nature <> '{ShareNature.UNRESTRICTED.value}')"
    checks = [
        (required, "必填字段为空"),
        (f"event_type NOT IN ({', '.join(repr(t) for t in EVENT_TYPES)})", "变动类型无效"),
        (f"share_nature NOT IN ({', '.join(repr(n) for n in NATURES)})", "股份性质无效"),
        (
            f"({restricted} AND lockup_end IS NULL) OR (NOT {restricted} AND lockup_end IS NOT NULL)",
            "限售股份须填写限售截止日，无限售流通股不得填写",
        ),
        ("quantity_delta = 0 AND frozen_delta = 0 AND pledged_delta = 0", "变动数量不能全部为零"),
        (
            f"event_type IN ({', '.join(repr(t) for t in sorted(NATURE_CHANGES))})",
            "股份性质变更须带上冻结、质押，请逐批办理（register_apply_bulk）",
        ),
    ]
    counts = _sql(
        cursor, "SELECT " + ", ".join(f"SUM(CASE WHEN {c} THEN 1 ELSE 0 END)" for c, _ in checks) + f" FROM {stage}"
    )[0]
    for (condition, message), bad in zip(checks, counts, strict=True):
        if bad:
            key = _sql(cursor, f"SELECT MIN(key) FROM {stage} WHERE {condition}")[0][0]
            return f"登记变动 {key}：{message}（共 {int(bad)} 行）。"
    return None


@transaction.atomic
def register_apply_staged(
    source: str, params: Sequence[Any] = (), *, on_fold: Callable[[int, pl.DataFrame], None] | None = None
) -> int:
    """The bulk path with its events built by the database: ``source`` is a SELECT whose columns are
    named as COLUMNS (a missing delta or memo may be NULL: its default, as in register_apply_bulk), with
    at most one event per lot (a 权益分派's bonus shares: one event per entitlement lot). The rows are
    never read into Python and copied back (1.05M bonus events: ~3 s of copy_out, frames and COPY);
    everything after the staging is register_apply_bulk's own: replayed keys dropped (others refused),
    unknown parties and closed securities refused, the events appended, the lots folded and proved, the
    issued capital moved, register_check. Nature changes are refused here (they carry encumbrances in
    Polars: register_apply_bulk). ``on_fold``: as register_apply_bulk_balances' (called once the fold has
    proved itself, before the issued capital's move, whose row lock is held to the commit: a caller's own
    check of the batch runs there, beside a concurrent batch of the same security rather than after it).
    Returns the number of events written."""
    token = uuid.uuid4().hex
    stage = f"register_stage_{token}"
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    defaults = {c: f"COALESCE(s.{c}, {value!r})" for c, value in DEFAULTS.items() if value is not None}
    picked = ", ".join(defaults.get(c, f"s.{c}") for c in COLUMNS)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE {stage} ({STAGE_COLUMNS})")
            cursor.execute(f"INSERT INTO {stage} ({', '.join(COLUMNS)}) SELECT {picked} FROM ({source}) s", params)
            if not cursor.rowcount:
                cursor.execute(f"DROP TABLE {stage}")
                return 0
            _analyze(cursor, stage)
            problem = _first_problem_of_stage(cursor, stage)
            if problem:
                raise RegisterError(problem)
            written = _apply_stage(cursor, token, now, per_event=True, from_sql=True, on_fold=on_fold)[0]
    except IntegrityError as error:
        raise RegisterError(f"数据库拒绝该批登记变动（持有数量不足或冻结、质押超过持有）：{error}") from None
    return written
