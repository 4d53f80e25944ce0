"""The set-based register path for end-of-day work (IPO allocation, 余股, placements on registration day).

Steps, all in one transaction (style habit 10: tables in, tables out):
1. the rows become one Polars frame, validated column-wise (no Python loop per row);
2. the frame is copied into a temporary staging table (COPY on PostgreSQL, executemany on SQLite,
   through csdp.lib.bulk.copy_in);
3. staged keys already in the log are dropped (with other values they refuse the whole batch); the
   batch is summed per lot once, joined to the lots' positions (id and balances before);
4. an unknown security, or an unknown account among the lots without a position, refuses the batch
   (the log keeps no database foreign keys: migration 0015); one INSERT … SELECT appends the events to
   the log; an UPDATE by primary key folds the batch into the lots that exist (in place: fillfactor 50),
   an INSERT adds the others. The position check constraints judge the end state (all or nothing);
5. issuing events move the issued capital, and the register's invariants are checked for the touched
   securities before the transaction commits (csdp.register.capital): Σ positions = capital and
   availability always; positions = replay of the log for the touched lots of a small batch, and for a
   large one (over REPLAY_LOTS lots, where reading every touched account's history would cost more than
   the batch) each lot = its balances before + the batch, the full replay being `csdp register check`.
Nature changes (限售, 解除限售) get their carried encumbrances before staging (csdp.register.nature).
The fold and its proof (step 4's UPDATE and INSERT) are csdp.register.bulk_fold; the entry with the events
built by the database is csdp.register.bulk_staged.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import polars as pl
from django.db import IntegrityError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Q
from django.utils import timezone

from csdp.lib.bulk import copy_in
from csdp.lib.errors import CsdpError, Problem
from csdp.register.bulk_fold import (
    BALANCES,
    FAR,
    _fold_into_positions,
    _fold_memory,
    _fold_with_balances,
    _sql,
)
from csdp.register.capital import RegisterInvariantError, issued_capital_move, register_check
from csdp.register.models import ISSUING, EventType, ShareNature
from csdp.register.models import Position
from csdp.register.nature import LOT, NATURE_CHANGES, carry_encumbrances
from csdp.register.services import CLOSED_STATUSES, EventSpec, RegisterError, refuse_unknown
from csdp.securities.models import SecuritiesAccount, Security

# What the bulk path accepts: one frame, or EventSpecs or dicts of their fields.
BulkRows = pl.DataFrame | Iterable[EventSpec | Mapping[str, Any]]

SCHEMA = {
    "security_id": pl.Int64,
    "account_id": pl.Int64,
    "share_nature": pl.Utf8,
    "lockup_end": pl.Date,
    "event_type": pl.Utf8,
    "quantity_delta": pl.Int64,
    "frozen_delta": pl.Int64,
    "pledged_delta": pl.Int64,
    "business_date": pl.Date,
    "key": pl.Utf8,
    "memo": pl.Utf8,
}
DEFAULTS = {
    "share_nature": ShareNature.UNRESTRICTED.value,
    "lockup_end": None,
    "quantity_delta": 0,
    "frozen_delta": 0,
    "pledged_delta": 0,
    "memo": "",
}
COLUMNS = tuple(SCHEMA)
COMPARED = [c for c in COLUMNS if c not in ("key", "memo")]
EVENT_TYPES = [str(v) for v in EventType.values]
NATURES = [str(v) for v in ShareNature.values]


def _record(row: EventSpec | Mapping[str, Any]) -> dict[str, Any]:
    data = dataclasses.asdict(row) if isinstance(row, EventSpec) else dict(row)
    if "security" in data:
        data["security_id"] = data.pop("security").pk
    if "account" in data:
        data["account_id"] = data.pop("account").pk
    return data


def events_frame(rows: BulkRows) -> pl.DataFrame:
    """Any accepted input (polars frame, dicts, EventSpecs) as one frame of SCHEMA's columns."""
    frame = (
        rows if isinstance(rows, pl.DataFrame) else pl.DataFrame([_record(r) for r in rows], infer_schema_length=None)
    )
    missing = [pl.lit(value).alias(name) for name, value in DEFAULTS.items() if name not in frame.columns]
    frame = frame.with_columns(missing) if missing else frame
    try:
        frame = frame.select([pl.col(name).cast(dtype, strict=True) for name, dtype in SCHEMA.items()])
    except (pl.exceptions.PolarsError, TypeError) as error:
        raise RegisterError(f"批量登记数据格式不正确：{error}") from None
    # Dicts that leave out a delta or the memo mean its default, as in EventSpec.
    return frame.with_columns([pl.col(name).fill_null(value) for name, value in DEFAULTS.items() if value is not None])


def _first_problem(frame: pl.DataFrame) -> str | None:
    restricted = pl.col("share_nature") != ShareNature.UNRESTRICTED.value
    checks = [
        (pl.any_horizontal([pl.col(c).is_null() for c in COLUMNS if c not in ("lockup_end",)]), "必填字段为空"),
        (~pl.col("event_type").is_in(EVENT_TYPES), "变动类型无效"),
        (~pl.col("share_nature").is_in(NATURES), "股份性质无效"),
        (restricted != pl.col("lockup_end").is_not_null(), "限售股份须填写限售截止日，无限售流通股不得填写"),
        (
            (pl.col("quantity_delta") == 0) & (pl.col("frozen_delta") == 0) & (pl.col("pledged_delta") == 0),
            "变动数量不能全部为零",
        ),
        (pl.col("key").is_duplicated(), "同一批中幂等键重复"),
    ]
    for condition, message in checks:
        bad = frame.filter(condition)
        if bad.height:
            return f"登记变动 {bad['key'][0]}：{message}（共 {bad.height} 行）。"
    return None


def _differs(c: str) -> str:
    if c == "lockup_end":
        return f"COALESCE(s.{c}, '9999-12-31') <> COALESCE(e.{c}, '9999-12-31')"
    if c in ("frozen_delta", "pledged_delta"):  # a nature change's were decided when it was first applied
        return f"(s.{c} <> e.{c} AND s.event_type NOT IN ({', '.join(repr(t) for t in NATURE_CHANGES)}))"
    return f"s.{c} <> e.{c}"


def _stage_facts(cursor: CursorWrapper, stage: str) -> list[tuple[int, int, str, str, int, int]]:
    """Per security of the batch, in one pass over it: the issuing quantity (the issued capital moves by
    it), the least and greatest key (``_drop_replays``) and account (``_stage_lots``). One pass for the
    three: each was a pass of its own (10M holders' bonus, two parts of 5.25M events: ~0.6 s each)."""
    issuing = ", ".join(["%s"] * len(ISSUING))
    rows = _sql(
        cursor,
        f"SELECT security_id, COALESCE(SUM(CASE WHEN event_type IN ({issuing}) THEN quantity_delta END), 0), "
        f"MIN(key), MAX(key), MIN(account_id), MAX(account_id) FROM {stage} GROUP BY security_id",
        sorted(ISSUING),
    )
    return [(int(s), int(q), low, high, int(a), int(b)) for s, q, low, high, a, b in rows]


# Above this many securities in one batch the replay check takes the batch's keys as one range.
REPLAY_RANGES = 20


def _drop_replays(cursor: CursorWrapper, stage: str, facts: list[tuple[int, int, str, str, int, int]]) -> bool:
    """Refuse the batch if a staged key is in the log with other values; forget the equal replays
    (returns whether there were any). Otherwise one join finds the staged keys already in the log (none,
    for a new batch); only then are they compared and deleted (MIN, not LIMIT 1: with LIMIT the planner
    bets on an early hit and probes the index row by row)."""
    # The usual batch is new: when no key of the log lies between a security's least and greatest staged
    # key (compared in the column's own collation — MIN and MAX are the database's — on the key's unique
    # index), none of its keys can be there.
    ranges = [(low, high) for _, _, low, high, _, _ in facts]
    if len(ranges) > REPLAY_RANGES:
        ranges = [_sql(cursor, f"SELECT MIN(key), MAX(key) FROM {stage}")[0]]
    probe = " OR ".join(["EXISTS (SELECT 1 FROM register_registrationevent WHERE key BETWEEN %s AND %s)"] * len(ranges))
    if not ranges or not _sql(cursor, f"SELECT {probe}", [bound for pair in ranges for bound in pair])[0][0]:
        return False
    differs = " OR ".join(_differs(c) for c in COMPARED)
    found = _sql(
        cursor,
        f"SELECT COUNT(*), MIN(CASE WHEN {differs} THEN s.key END) FROM {stage} s "
        "JOIN register_registrationevent e ON e.key = s.key",
    )
    replays, clash = found[0]
    if clash is not None:
        raise RegisterError(f"幂等键 {clash} 已用于另一笔登记变动，拒绝重放。")
    if replays:
        cursor.execute(
            f"DELETE FROM {stage} WHERE EXISTS (SELECT 1 FROM register_registrationevent e WHERE e.key = {stage}.key)"
        )
    return bool(replays)


def _refuse_unknown_parties(cursor: CursorWrapper, lots: str, securities: list[int], *, new_lots: int) -> None:
    """The event log keeps no database foreign keys (migration 0015). A lot that already has a position
    is proved by that position's own foreign keys; only the batch's new lots' accounts are looked up
    (when it has any), with one anti-join, and the first few missing are named."""
    missing = (
        _sql(
            cursor,
            f"SELECT DISTINCT l.account_id FROM {lots} l WHERE l.position_id IS NULL AND NOT EXISTS "
            f"(SELECT 1 FROM securities_securitiesaccount a WHERE a.id = l.account_id) ORDER BY l.account_id LIMIT 21",
        )
        if new_lots
        else []
    )
    refuse_unknown(securities=securities, accounts=[a for (a,) in missing])


def _refuse_short_lots(cursor: CursorWrapper, lots: str) -> None:
    """A lot the batch would take below zero shares is refused before anything is written, each named
    (the first 20) with what it holds and what the batch takes: the position's check constraint would
    refuse it too, in the database's words. One pass over the batch's lots (their balances before are
    in the lots table already)."""
    short = _sql(
        cursor,
        f"SELECT account_id, security_id, share_nature, lockup_end, COALESCE(q0, 0), q FROM {lots} "
        f"WHERE {_SHORT} ORDER BY account_id, security_id, share_nature LIMIT 20",
    )
    if not short:
        return
    numbers = dict(SecuritiesAccount.objects.filter(pk__in={r[0] for r in short}).values_list("pk", "number"))
    codes = dict(Security.objects.filter(pk__in={r[1] for r in short}).values_list("pk", "code"))
    problems = []
    for account, security, nature, end, held, delta in short:
        lot = f"股份性质 {nature}" + (f"、限售截止日 {end}" if end else "")
        problems.append(
            Problem(
                f"证券账户 {numbers.get(account, f'#{account}')} 证券 {codes.get(security, f'#{security}')} "
                f"{lot} 持有 {held:,} 股，本批登记变动减少 {-delta:,} 股。"
            )
        )
    raise RegisterError("登记变动后持有数量将小于零，整批不予办理。", problems=problems)


def _refuse_closed_securities(cursor: CursorWrapper, stage: str) -> None:
    closed = _sql(
        cursor,
        f"SELECT DISTINCT s.code FROM {stage} e JOIN securities_security s ON s.id = e.security_id "
        "WHERE e.event_type <> %s AND s.status IN (%s, %s)",
        [EventType.CODE_SWITCH_OUT.value, *sorted(str(s) for s in CLOSED_STATUSES)],
    )
    if closed:
        raise RegisterError(f"证券 {', '.join(c for (c,) in closed)} 已转换代码或退出登记，不能再办理登记变动。")


# Above this many lots a batch proves its fold (each lot = before + the batch's events) instead of
# replaying the touched lots' whole histories; `csdp register check` replays everything (capital.py).
REPLAY_LOTS = 10_000


def _stage_lots(
    cursor: CursorWrapper, stage: str, lots: str, *, per_event: bool = False, accounts: tuple[Any, Any] = (None, None)
) -> tuple[int, int, int]:
    """The batch per lot, with the lot's position (id and balances before the batch) when it exists:
    one aggregate and one join, then every later statement joins on the position's primary key.
    ``per_event``: the batch has one event per lot (register_apply_staged's contract; register_apply_bulk
    when its frame names no lot twice), so the staged rows are the lots and the aggregate is left out
    (2.4 s of hashing for a million lots); the fold checks the claim (``_fold_into_positions``: a lot met
    twice is folded once and refused). ``accounts``: the batch's least and greatest account
    (``_stage_facts``). Returns (lots, lots with a position, lots the batch would take
    below zero), counted in one pass: the checks that name lots run only when there are some to name."""
    batch = (
        f"SELECT account_id, security_id, share_nature, lockup_end, quantity_delta AS q, frozen_delta AS f, "
        f"pledged_delta AS p FROM {stage}"
        if per_event
        else f"SELECT account_id, security_id, share_nature, lockup_end, CAST(SUM(quantity_delta) AS BIGINT) AS q, "
        f"CAST(SUM(frozen_delta) AS BIGINT) AS f, CAST(SUM(pledged_delta) AS BIGINT) AS p "
        f"FROM {stage} GROUP BY account_id, security_id, share_nature, lockup_end"
    )
    positions, bounds = "register_position", []
    if _few_of_the_positions(cursor, stage):
        # The join hashes the positions it reads: a batch touching a small part of the register reads
        # only its accounts' (by their index), measured 0.8 → 0.5 s for 200k lots of 1.1M positions; a
        # batch touching most of it reads the table whole (semi-join 3.2 s against 2.6 s at 1.1M lots).
        positions = f"(SELECT * FROM register_position WHERE account_id IN (SELECT account_id FROM {stage}))"
    elif connection.vendor == "postgresql":
        # Only the positions within the batch's span of accounts probe the join: a 权益分派 part is one
        # range of accounts (steps_bonus), half the register's (5.25M lots of 10.5M: 8.9 → 6.3 s alone).
        # The bounds are values, not a subquery, so the planner sees how much of the table they cover.
        bounds = list(accounts)
        positions = "(SELECT * FROM register_position WHERE account_id BETWEEN %s AND %s)"
    cursor.execute(
        f"CREATE TEMPORARY TABLE {lots} AS SELECT d.account_id, d.security_id, d.share_nature, d.lockup_end, "
        f"d.q, d.f, d.p, e.id AS position_id, e.quantity AS q0, e.frozen AS f0, e.pledged AS p0 FROM ({batch}) d "
        f"LEFT JOIN {positions} e ON e.account_id = d.account_id AND e.security_id = d.security_id "
        f"AND e.share_nature = d.share_nature AND COALESCE(e.lockup_end, {FAR}) = COALESCE(d.lockup_end, {FAR})",
        bounds,
    )
    _analyze(cursor, lots)
    count, existing, short = _sql(
        cursor,
        f"SELECT COUNT(*), COUNT(position_id), COALESCE(SUM(CASE WHEN {_SHORT} THEN 1 ELSE 0 END), 0) FROM {lots}",
    )[0]
    return int(count), int(existing), int(short)


_SHORT = "COALESCE(q0, 0) + q < 0"  # a lot the batch would take below zero shares


def _analyze(cursor: CursorWrapper, table: str) -> None:
    """Statistics for a fresh temporary table (PostgreSQL). The plans that read it need its size and
    rough spread only: a sample of 3,000 rows instead of 30,000 (200k staged rows: 150 → 25 ms)."""
    if connection.vendor != "postgresql":
        return
    cursor.execute("SET LOCAL default_statistics_target = 10")
    cursor.execute(f"ANALYZE {table}")
    cursor.execute("RESET default_statistics_target")


def _few_of_the_positions(cursor: CursorWrapper, stage: str) -> bool:
    """Whether the staged events are under a quarter of the register's positions (PostgreSQL's own
    estimate of the table's rows, kept by ANALYZE and autovacuum: no count)."""
    if connection.vendor != "postgresql":
        return False
    staged, positions = _sql(
        cursor,
        f"SELECT (SELECT reltuples FROM pg_class WHERE oid = '{stage}'::regclass), "
        "(SELECT reltuples FROM pg_class WHERE oid = 'register_position'::regclass)",
    )[0]
    return bool(0 <= staged * 4 < positions)


def _carry(frame: pl.DataFrame) -> pl.DataFrame:
    """Nature-change legs take their source lots' encumbrances along (csdp.register.nature). The
    encumbered lots of the securities concerned are locked (pk order) and read in one query; the
    batch's other events' encumbrance changes count too, as the batch is judged by its end state."""
    legs = frame.filter(pl.col("event_type").is_in(NATURE_CHANGES))
    if legs.height == 0:
        return frame

    securities = sorted(legs["security_id"].unique().to_list())
    rows = (
        Position.objects.select_for_update()
        .filter(security_id__in=securities)
        .filter(Q(frozen__gt=0) | Q(pledged__gt=0))
        .order_by("pk")
        .values_list(*LOT, "frozen", "pledged")
    )
    held = pl.DataFrame(
        list(rows),
        orient="row",
        schema={
            "account_id": pl.Int64,
            "security_id": pl.Int64,
            "share_nature": pl.Utf8,
            "lockup_end": pl.Date,
            "frozen": pl.Int64,
            "pledged": pl.Int64,
        },
    )
    others = (
        frame.filter(~pl.col("event_type").is_in(NATURE_CHANGES))
        .filter(pl.col("security_id").is_in(securities))
        .select(*LOT, pl.col("frozen_delta").alias("frozen"), pl.col("pledged_delta").alias("pledged"))
    )
    try:
        return carry_encumbrances(frame, pl.concat([held, others]))
    except CsdpError as error:
        raise RegisterError(error.message, code=error.code, problems=error.problems) from None


# The staging COPY in batches of 50k rows: the next batch is encoded while PostgreSQL takes in this one
# (200k events of a release: 0.38 s in one batch, encoding then sending).
STAGE_CHUNK_ROWS = 50_000
STAGE_COLUMNS = (
    "security_id BIGINT, account_id BIGINT, share_nature VARCHAR(2), lockup_end DATE, event_type VARCHAR(16), "
    "quantity_delta BIGINT, frozen_delta BIGINT, pledged_delta BIGINT, business_date DATE, "
    "key VARCHAR(100), memo VARCHAR(200)"
)


def register_apply_bulk(rows: BulkRows) -> int:
    """Append many events (a polars DataFrame with EventSpec's columns, dicts or EventSpecs) and fold
    them into positions, all or nothing. Keys already in the log with equal values are skipped; with
    other values the batch is refused. Returns the number of events written. Only the end state is
    checked, so the order of rows within the batch does not matter."""
    return _apply(rows, balances=False)[0]


def register_apply_bulk_balances(
    rows: BulkRows, *, on_fold: Callable[[int, pl.DataFrame], None] | None = None
) -> tuple[int, pl.DataFrame]:
    """``register_apply_bulk``, also returning the balances after the batch (BALANCES) of every lot
    whose events it wrote — what a participant's file of the change reports — without reading the
    lots again. Replayed keys write nothing, so their lots are not in the frame. ``on_fold``: called with
    the events written and the balances as soon as the fold has proved itself, before the capital and
    invariant checks (a caller may work on them meanwhile; the batch can still be refused after)."""
    return _apply(rows, balances=True, on_fold=on_fold)


@transaction.atomic
def _apply(
    rows: BulkRows, *, balances: bool, on_fold: Callable[[int, pl.DataFrame], None] | None = None
) -> tuple[int, pl.DataFrame]:
    frame = events_frame(rows)
    after = pl.DataFrame(schema=BALANCES)
    if frame.height == 0:
        return 0, after
    problem = _first_problem(frame)
    if problem:
        raise RegisterError(problem)
    frame = _carry(frame)
    token = uuid.uuid4().hex
    stage = f"register_stage_{token}"
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    try:
        # wrap_database_errors: the balances' COPY runs on psycopg's own cursor, whose errors (a check
        # constraint the fold breaks) Django would not otherwise turn into IntegrityError.
        with transaction.atomic(), connection.cursor() as cursor, connection.wrap_database_errors:
            cursor.execute(f"CREATE TEMPORARY TABLE {stage} ({STAGE_COLUMNS})")
            copy_in(stage, COLUMNS, frame, chunk_rows=STAGE_CHUNK_ROWS)
            # A fresh temp table has no statistics; without them the planner probes the key index
            # once per staged row instead of hash-joining.
            _analyze(cursor, stage)
            # one event per lot: the staged rows are the lots (``_stage_lots``)
            per_event = not frame.select(LOT).is_duplicated().any()
            written, after = _apply_stage(cursor, token, now, per_event=per_event, balances=balances, on_fold=on_fold)
    except IntegrityError as error:
        raise RegisterError(f"数据库拒绝该批登记变动（持有数量不足或冻结、质押超过持有）：{error}") from None
    return written, after


def _apply_stage(
    cursor: CursorWrapper,
    token: str,
    now: Any,
    *,
    per_event: bool = False,
    from_sql: bool = False,
    balances: bool = False,
    on_fold: Callable[[int, pl.DataFrame], None] | None = None,
) -> tuple[int, pl.DataFrame]:
    """Steps 3–5 of the module docstring on the filled (and analysed) staging table of ``token``, for
    both entries (register_apply_bulk, register_apply_staged: ``from_sql``). Returns the events written
    and, when asked (``balances``), the changed lots' balances after the batch."""
    batch, stage, lots = f"bulk:{token}", f"register_stage_{token}", f"register_lots_{token}"
    cols = ", ".join(COLUMNS)
    # COPY's CSV reads an empty memo as NULL; the log stores "".
    picked = ", ".join("COALESCE(memo, '')" if c == "memo" else c for c in COLUMNS)
    after = pl.DataFrame(schema=BALANCES)
    facts = _stage_facts(cursor, stage)
    if _drop_replays(cursor, stage, facts):
        facts = _stage_facts(cursor, stage)  # the replays are gone from the batch
    deltas = {security: issuing for security, issuing, *_ in facts}
    touched = sorted(deltas)
    accounts = (min((f[4] for f in facts), default=None), max((f[5] for f in facts), default=None))
    with _fold_memory(cursor):
        count, existing, short = _stage_lots(cursor, stage, lots, per_event=per_event, accounts=accounts)
        replay = count <= REPLAY_LOTS
        _refuse_unknown_parties(cursor, lots, touched, new_lots=count - existing)
        if short:
            _refuse_short_lots(cursor, lots)
        _refuse_closed_securities(cursor, stage)
        try:
            with transaction.atomic():
                cursor.execute(
                    f"INSERT INTO register_registrationevent ({cols}, batch, created_at) "
                    f"SELECT {picked}, %s, %s FROM {stage}",
                    [batch, now],
                )
        except IntegrityError:
            if not from_sql:
                raise
            # the log's only unique index is the key: register_apply_staged's batch repeats a key
            # (register_apply_bulk refuses that before staging)
            raise RegisterError("登记变动的幂等键在同一批中重复，拒绝该批登记变动。") from None
        written = cursor.rowcount
        prove = not replay and bool(written)
        if balances:
            problems, after = _fold_with_balances(cursor, lots, now, prove=prove, existing=existing)
        else:
            problems = _fold_into_positions(cursor, lots, now, prove=prove, existing=existing)
        if problems:
            raise RegisterInvariantError(f"登记簿校验未通过：{problems[0].message}", problems=problems)
    if on_fold is not None:
        on_fold(int(written), after)
    issued_capital_move(deltas)
    if written:
        # A small batch replays its lots' whole histories; a large one has proved its fold above.
        register_check(security_ids=touched, touched=stage if replay else None, replay=replay)
    cursor.execute(f"DROP TABLE {stage}")
    cursor.execute(f"DROP TABLE {lots}")
    return int(written), after
