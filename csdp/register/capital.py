"""Issued capital and the register's invariants, checked in production.

CSD practice (rules.md §11): no shares are created or lost. A security's 登记股本 (``Security.issued_shares``)
moves only with the events that issue or cancel shares (``models.ISSUING``), in the transaction that
writes them; every other event moves shares between lots and nets to zero. ``register_check`` proves,
for the securities a step touched (inside the step, before commit) or for the whole register
(``csdp register check``):

1. Σ positions = issued capital, per security;
2. available = quantity − frozen − pledged ≥ 0 on every lot (and no negative quantity or encumbrance);
3. every position equals the replay of its events (the log is the truth; positions are its running total),
   and every lot of the log has a position: the log keeps no database foreign keys (migration 0015) and a
   position's own keys hold its account and security, so an orphan event (its account or security does
   not exist) shows as a lot without a position, and is named as one.

A violation raises ``RegisterInvariantError`` with a Chinese reason for staff, so the step rolls back.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import Any

from django.db import connection

from csdp.lib.errors import CsdpError, Problem
from csdp.register.errors import RegisterError
from csdp.register.models import ISSUING
from csdp.securities.models import Security, SecurityStatus

SHOWN = 20  # problems listed in one refusal; the count says how many more there are


class RegisterInvariantError(CsdpError):
    code = "register.invariant"


def _in(values: Collection[object]) -> str:
    return ", ".join(["%s"] * len(values))


# Why a security's issued capital may not change now: filled from a higher app's ready() (a 权益分派
# between its approval and R's end of day: csdp.dividend.guards), which the register does not import.
# Each takes the securities a batch would issue or cancel shares of (their rows locked) and returns the
# Chinese reason for the first it refuses, or None. The slot holds functions, never business data.
CapitalGuard = Callable[[list[int]], str | None]
_CAPITAL_GUARDS: dict[str, CapitalGuard] = {}


def capital_guard_register(name: str, guard: CapitalGuard) -> None:
    _CAPITAL_GUARDS[name] = guard


def issued_capital_move(deltas: dict[int, int]) -> None:
    """Add each security's issuing quantity to its issued capital; the rows are locked in pk order.
    A security without a capital yet starts from zero (its first registration sets it). Refused
    (RegisterError, ``register.capital_suspended``) while a guard suspends share-changing business on
    one of them: every path that issues or cancels shares passes here, inside its transaction."""
    moved = {pk: delta for pk, delta in deltas.items() if delta}
    if not moved:
        return
    ids = sorted(moved)
    list(Security.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    for guard in _CAPITAL_GUARDS.values():
        reason = guard(ids)
        if reason:
            raise RegisterError(reason, code="register.capital_suspended")
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE securities_security SET issued_shares = COALESCE(issued_shares, 0) + %s WHERE id = %s",
            [(moved[pk], pk) for pk in ids],
        )


def issuing_deltas(specs: Iterable[Any]) -> dict[int, int]:
    deltas: dict[int, int] = {}
    for spec in specs:
        if str(spec.event_type) in ISSUING:
            deltas[spec.security_id] = deltas.get(spec.security_id, 0) + spec.quantity_delta
    return deltas


def issuing_deltas_of_stage(stage: str) -> dict[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT security_id, SUM(quantity_delta) FROM {stage} WHERE event_type IN ({_in(list(ISSUING))}) "
            "GROUP BY security_id",
            sorted(ISSUING),
        )
        return {int(pk): int(total) for pk, total in cursor.fetchall()}


def _capital_problems(security_ids: list[int] | None) -> list[Problem]:
    where, inner = "WHERE s.status <> %s", ""
    params: list[Any] = []
    if security_ids is not None:
        inner = f"WHERE security_id IN ({_in(security_ids)}) "
        params += security_ids
    params.append(SecurityStatus.SWITCHED.value)  # a switched code holds nothing
    if security_ids is not None:
        where += f" AND s.id IN ({_in(security_ids)})"
        params += security_ids
    # The positions are summed on their own, then joined: an aggregate under the join to the
    # securities is not run in parallel (1.1M positions: 0.23–0.30 s as one scan, 0.20 s in two).
    sql = (
        "SELECT s.code, s.issued_shares, COALESCE(a.held, 0), COALESCE(a.negative, 0) "
        "FROM securities_security s LEFT JOIN (SELECT security_id, SUM(quantity) AS held, "
        "SUM(CASE WHEN quantity < 0 OR frozen < 0 OR pledged < 0 OR quantity - frozen - pledged < 0 "
        f"THEN 1 ELSE 0 END) AS negative FROM register_position {inner}GROUP BY security_id) a "
        f"ON a.security_id = s.id {where} ORDER BY s.code"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    problems = []
    for code, issued, held, negative in rows:
        held, negative = int(held), int(negative)
        if issued is None and held:
            problems.append(Problem(f"证券 {code} 持有合计 {held:,} 股，但尚无登记股本。", field=code))
        elif issued is not None and held != issued:
            problems.append(
                Problem(
                    f"证券 {code} 持有合计 {held:,} 股，与登记股本 {issued:,} 股不符（相差 {held - issued:+,} 股）。",
                    field=code,
                )
            )
        if negative:
            problems.append(
                Problem(f"证券 {code} 有 {negative} 个持有明细的可用数量小于零（冻结与质押超过持有数量）。", field=code)
            )
    return problems


def _unknown_parties(rows: list[tuple[Any, ...]]) -> dict[tuple[int, int], str]:
    """Of the lots the replay found wrong, those whose account or security does not exist: orphan events
    (the log keeps no database foreign keys, migration 0015), named as such."""
    if not rows:
        return {}
    accounts = sorted({row[0] for row in rows})
    securities = sorted({row[1] for row in rows})
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM securities_securitiesaccount WHERE id IN ({_in(accounts)})", accounts)
        known_accounts = {pk for (pk,) in cursor.fetchall()}
        cursor.execute(f"SELECT id FROM securities_security WHERE id IN ({_in(securities)})", securities)
        known_securities = {pk for (pk,) in cursor.fetchall()}
    out = {}
    for account_id, security_id, *_ in rows:
        if account_id not in known_accounts:
            out[(account_id, security_id)] = f"登记变动记录的证券账户#{account_id}不存在（孤立的登记变动记录）。"
        elif security_id not in known_securities:
            out[(account_id, security_id)] = f"登记变动记录的证券#{security_id}不存在（孤立的登记变动记录）。"
    return out


def _replay_problems(
    security_ids: list[int] | None, *, accounts: list[int] | None = None, touched: str | None = None
) -> list[Problem]:
    """Lots whose position differs from the sum of their events: one pass over both tables (UNION ALL
    with the position negated, grouped per lot), so lots missing on either side are found too.
    ``accounts`` or ``touched`` (a table of account_id, security_id) narrow it to a step's lots."""

    def scope(alias: str) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if security_ids is not None:
            clauses.append(f"{alias}.security_id IN ({_in(security_ids)})")
            params += security_ids
        if accounts is not None:
            clauses.append(f"{alias}.account_id IN ({_in(accounts)})")
            params += accounts
        if touched is not None:
            clauses.append(
                f"EXISTS (SELECT 1 FROM {touched} t WHERE t.account_id = {alias}.account_id "
                f"AND t.security_id = {alias}.security_id)"
            )
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    events_where, events_params = scope("e")
    positions_where, positions_params = scope("p")
    sql = f"""
        SELECT x.account_id, x.security_id, x.share_nature, x.lockup_key, SUM(x.q), SUM(x.f), SUM(x.p) FROM (
            SELECT e.account_id, e.security_id, e.share_nature, COALESCE(e.lockup_end, '9999-12-31') AS lockup_key,
                   e.quantity_delta AS q, e.frozen_delta AS f, e.pledged_delta AS p, 0 AS held
            FROM register_registrationevent e{events_where}
            UNION ALL
            SELECT p.account_id, p.security_id, p.share_nature, COALESCE(p.lockup_end, '9999-12-31'),
                   -p.quantity, -p.frozen, -p.pledged, 1
            FROM register_position p{positions_where}
        ) x GROUP BY x.account_id, x.security_id, x.share_nature, x.lockup_key
        HAVING SUM(x.q) <> 0 OR SUM(x.f) <> 0 OR SUM(x.p) <> 0 OR SUM(x.held) = 0
        ORDER BY x.security_id, x.account_id LIMIT {SHOWN + 1}"""
    with connection.cursor() as cursor:
        cursor.execute(sql, events_params + positions_params)
        rows = cursor.fetchall()
    orphans = _unknown_parties(rows[:SHOWN])
    problems = [
        Problem(
            orphans.get((account_id, security_id))
            or f"账户#{account_id} 证券#{security_id} 股份性质 {nature} 的持有明细与登记变动记录不符"
            f"（记录比持有明细多 数量 {q:+,}、冻结 {f:+,}、质押 {p:+,} 股）。"
        )
        for account_id, security_id, nature, _lockup, q, f, p in rows[:SHOWN]
    ]
    if len(rows) > SHOWN:
        problems.append(Problem(f"另有更多持有明细与登记变动记录不符，仅列出前 {SHOWN} 处。"))
    return problems


def register_check(
    security: Security | None = None,
    *,
    security_ids: list[int] | None = None,
    accounts: list[int] | None = None,
    touched: str | None = None,
    replay: bool = True,
) -> None:
    """Raise RegisterInvariantError if the register (of ``security``, of ``security_ids``, or all of
    it) breaks an invariant. A step narrows the replay to its own lots with ``accounts`` or ``touched``,
    or leaves it out (``replay=False``) when it proved its lots another way (csdp.register.bulk); the
    capital and availability checks always cover the whole of each security."""
    ids = [security.pk] if security is not None else (sorted(set(security_ids)) if security_ids is not None else None)
    if ids == []:
        return
    problems = _capital_problems(ids)
    if replay:
        problems += _replay_problems(ids, accounts=accounts, touched=touched)
    if problems:
        raise RegisterInvariantError(
            f"登记簿校验未通过（{len(problems)} 项）：{problems[0].message}", problems=problems
        )
