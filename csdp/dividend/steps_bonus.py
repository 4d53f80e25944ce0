"""红股上市日: the bonus and capitalisation shares registered as register events through the register's
one bulk path, which grows the issued capital and checks the register before commit (docs/dividend.md).

The events are registered in parts (ranges of the entitlements' seq, which runs in account order), each
its own transaction through register_apply_staged: each part moves the issued capital by its own shares
and runs register_check before it commits, so the register's invariants hold after every part. On
PostgreSQL, when the step is the outermost transaction (the runner's, not a caller's that would hide R's
entitlements from other connections), WORKERS parts run at a time, each on its own connection: one
backend writes ~75k events a second, and the machine has a core per worker. The step is one resumable
end-of-day step (the principle's alternative to one transaction): a part that fails leaves the others
committed, every event is keyed by its lot, and the rerun registers only what is missing (the bulk path
drops replayed keys). The step's own check — the log holds exactly the declared bonus total of this
distribution's events — is made after all parts, over the log."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from django.db import connection, transaction
from django.db.models.expressions import RawSQL

from csdp.dividend import files
from csdp.dividend.accrual import accrued_freeze_sql, accrued_pledge_sql, bonus_accrue, bonus_key_sql, records_lock
from csdp.dividend.closed_accounts import closed_account_bonus
from csdp.dividend.models import Distribution, Status
from csdp.dividend.notices import files_ready_notify, result_attach
from csdp.dividend.services import DividendError
from csdp.dividend.steps import Laps, _move, _record
from csdp.lib.bulk import on_own_connection, others_see_this_transaction
from csdp.register.capital import RegisterInvariantError
from csdp.register.models import EventType
from csdp.register.services import RegisterError
from csdp.restrictions.checks import Scope, restrictions_rebuild_check

# Parts: WORKERS on PostgreSQL (one per core), one elsewhere. Each part pays once for what is checked
# over the whole security (its Σ positions = issued capital, the positions it joins), so fewer, larger
# parts are faster; a stopped step repeats at most the parts in flight.
WORKERS = 2


def step_register(distribution: Distribution, day: dt.date) -> str:
    started, laps = time.perf_counter(), Laps()
    events = written = 0
    if distribution.bonus_total:
        written = _register_parts(distribution)
        laps.lap("register_apply_staged")
        registered, events = _bonus_registered(distribution)
        if registered != distribution.bonus_total:  # Σ positions = 登记股本: register_check, in each part
            raise DividendError(
                f"股份不守恒：登记簿中本次送转股登记 {registered} 股（应为 {distribution.bonus_total} 股，"
                f"{events} 笔）。",
                code="dividend.shares_not_conserved",
            )
        laps.lap("conserved")
    closed_accounts, closed_shares, suspense = closed_account_bonus(distribution, day)
    files_ready_notify(distribution, day, files.files_record(distribution, day, suspense), ("QYZC",))
    result, xlsx = files.issuer_result_file(distribution, day)
    attached = result_attach(distribution, xlsx)
    laps.lap("issuer_file")
    _move(distribution, Status.COMPLETED, f"红股上市日 {distribution.list_date}：登记 {events} 笔")
    detail = {
        "result_file": result,
        "suspense_files": suspense,
        "attached": attached,
        "laps": laps.seconds,
        "written_now": written,  # fewer than the events when a rerun found parts already registered
    }
    _record(distribution, "register", day, started, events, detail)
    text = f"红股登记 {events} 笔（{distribution.bonus_total} 股）；发行人结果文件已生成"
    if closed_accounts:
        text += f"；其中 {closed_accounts} 个已注销账户的送转股 {closed_shares} 股登记在原账户，待持有人确权"
    return text


def _register_parts(distribution: Distribution) -> int:
    """register_apply_staged over each part of the entitlements; returns the events written now (a rerun
    writes only the parts a stopped step left out)."""
    parts = bonus_parts(distribution, WORKERS if others_see_this_transaction() else 1)
    if not parts:
        return 0
    try:
        if len(parts) > 1:
            # The parts' own connections keep the server's JIT (the runner's has it off, csdp.lib.bulk.jit_off):
            # at 10M holders each part's INSERT and fold run for a minute, and compiled they were faster
            # (list date 100–102 s with JIT against 103–115 s without); at 1M no difference was measured.
            with ThreadPoolExecutor(len(parts)) as pool:
                futures = [pool.submit(on_own_connection, partial(_part_apply, distribution, part)) for part in parts]
                return sum(future.result() for future in futures)
        return sum(_part_apply(distribution, part) for part in parts)
    except (RegisterError, RegisterInvariantError) as error:  # a part refused, before its commit
        raise DividendError(f"红股登记失败：{error.message}") from None


def bonus_parts(distribution: Distribution, count: int) -> list[tuple[int, int]]:
    """``count`` ranges [low, high) of the entitlements' seq, about equal, each beginning with an account's
    first lot: an account's lots are registered, and their bonus shares accrued to its freezes and pledges
    (accrual.py, once per record), in one part. The seq runs in account order (R's frame), so an account's
    lots are consecutive: a boundary inside an account moves back to the account's first lot."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(seq) FROM dividend_entitlement WHERE distribution_id = %s", [distribution.pk])
        last = cursor.fetchone()[0]
        if last is None:
            return []
        size = -(-(last + 1) // count)
        bounds = [0]
        for guess in range(size, last + 1, size):
            # the last lot before ``guess`` of another account (the primary key, read backwards): few rows
            cursor.execute(
                "SELECT seq FROM dividend_entitlement WHERE distribution_id = %s AND seq < %s AND account_id <> "
                "(SELECT account_id FROM dividend_entitlement WHERE distribution_id = %s AND seq = %s) "
                "ORDER BY seq DESC LIMIT 1",
                [distribution.pk, guess, distribution.pk, guess],
            )
            row = cursor.fetchone()
            start = row[0] + 1 if row else 0
            if start > bounds[-1]:
                bounds.append(start)
    bounds.append(last + 1)
    return list(zip(bounds, bounds[1:], strict=False))


def _part_apply(distribution: Distribution, part: tuple[int, int]) -> int:
    from csdp.register.bulk_staged import register_apply_staged  # at call time: the kill test patches it at its source

    # register_apply_staged grows the issued capital with the part's events (ISSUING) and runs
    # register_check (Σ positions = issued capital, available ≥ 0) before its commit; the bonus shares
    # registered frozen or pledged accrue to their freezes and pledges in the same transaction. The
    # accrual comes first: the events' gating reads what accrued, and it runs while the other part runs,
    # not after the security's row lock that the issued capital's move takes and holds to the commit.
    with transaction.atomic():
        records_lock(distribution, part)
        bonus_accrue(distribution, part)
        # records = register before the capital's move: that takes the security's row lock, held to the
        # commit, and the other part would wait for this check too (1M holders: +1.2 s when it ran after)
        written = register_apply_staged(
            *bonus_source(distribution, part), on_fold=lambda _written, _after: records_check(distribution, part)
        )
    return written


def records_check(distribution: Distribution, part: tuple[int, int]) -> None:
    """Records = register (csdp.restrictions' rebuild check) for the accounts whose bonus shares the part
    may have registered frozen or pledged, before the part commits: a bonus share registered encumbered
    that no freeze or pledge carries (or one accrued to a record and registered free) stops the part, and
    the register and the records stay as they were. Every other account's records and register are
    unchanged by the part. The accounts (a few per cent of the part's) are gathered once into a temporary
    table: the check reads them four times, and a subquery would scan the part's entitlements each time."""
    table = f"dividend_check_{uuid.uuid4().hex}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {table} AS SELECT DISTINCT account_id FROM dividend_entitlement WHERE "
            "distribution_id = %s AND seq >= %s AND seq < %s AND (bonus_frozen > 0 OR bonus_pledged > 0)",
            [distribution.pk, *part],
        )
        cursor.execute(f"ANALYZE {table}")
        scope = Scope(distribution.security_id, RawSQL(f"SELECT account_id FROM {table}", []))
        # The check's reads are several statements, each its own snapshot: a freeze or pledge committed
        # between two of them (on a lot of these accounts that the part did not lock: one with no bonus)
        # shows its event and not its record. A real difference is there again when read once more.
        problems = restrictions_rebuild_check(scope) and restrictions_rebuild_check(scope)
        cursor.execute(f"DROP TABLE {table}")  # on a failure the part's rollback drops it
    if problems:
        shown = "；".join(p.rstrip("。") for p in problems[:3]) + (
            f"；等共 {len(problems)} 处" if len(problems) > 3 else ""
        )
        raise DividendError(
            f"冻结、质押记录与登记簿不一致，本批送转股未登记：{shown}。", code="dividend.records_differ"
        )


def _bonus_registered(distribution: Distribution) -> tuple[int, int]:
    """(shares, events) of this distribution's bonus events in the log: the list date's events (the log's
    BRIN index on the business date) with the distribution's key prefix."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(quantity_delta), 0), COUNT(*) FROM register_registrationevent"
            " WHERE business_date = %s AND security_id = %s AND event_type = %s AND key LIKE %s",
            [distribution.list_date, distribution.security_id, EventType.BONUS.value, f"div:{distribution.pk}:%"],
        )
        shares, events = cursor.fetchone()
    return int(shares), int(events)


def bonus_source(distribution: Distribution, part: tuple[int, int] | None = None) -> tuple[str, list[object]]:
    """One register event per lot with bonus shares, as a SELECT over the entitlements for
    register_apply_staged: credited to the same lot (share nature and lock-up end kept), its frozen and
    pledged parts frozen and pledged (engine/entitlements.py assumptions) where they accrued to a freeze or
    a pledge (bonus_accrue, earlier in the part's transaction), else free (accrual.py). The key names the lot:
    ``div:<distribution>:<account id>:<nature>:<lock-up end YYYYMMDD, or ->``. ``part``: the entitlement
    rows with ``low <= seq < high`` only."""
    sql = (
        "SELECT %s AS security_id, account_id, share_nature, lockup_end, %s AS event_type,"
        " bonus_shares AS quantity_delta,"
        f" CASE WHEN bonus_frozen > 0 AND {accrued_freeze_sql('e.account_id', '%s')} THEN bonus_frozen ELSE 0 END"
        " AS frozen_delta,"
        f" CASE WHEN bonus_pledged > 0 AND {accrued_pledge_sql('e.account_id', '%s', 'e.share_nature', 'e.lockup_end')}"
        " THEN bonus_pledged ELSE 0 END AS pledged_delta,"
        f" %s AS business_date, {bonus_key_sql(distribution.pk)} AS key,"
        " %s AS memo FROM dividend_entitlement e WHERE distribution_id = %s AND bonus_shares > 0"
    )
    bounds: list[object] = []
    if part is not None:
        sql += " AND seq >= %s AND seq < %s"
        bounds = list(part)
    return sql, [
        distribution.security_id,
        EventType.BONUS.value,
        distribution.pk,
        distribution.pk,
        distribution.list_date,
        f"{distribution.security.code} 送转股（登记日 {distribution.record_date}）",
        distribution.pk,
        *bounds,
    ]
