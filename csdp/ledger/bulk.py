"""The set-based ledger path for end-of-day work (style habit 10): many transfers in one statement.

PostgreSQL: COPY … FROM STDIN through psycopg's copy protocol; SQLite: bulk_create. Then ONE aggregate
UPDATE adds each account's sums to its four totals. The check constraints of LedgerAccount judge the
end state of the whole batch; the Python pre-check gives the same verdict with a readable message.

Three entry points, each with the semantics of its one-by-one service (services.py) and all or nothing:
- ``transfers_post_bulk``: single-phase (posted) and pending transfers, like transfer_post / hold_create;
- ``holds_create_bulk``: pending transfers only, returning the holds by key (the caller links them);
- ``holds_resolve_bulk``: posts (partly or fully) and voids of holds, like hold_post / hold_void. A hold
  is resolved at most once: checked under the accounts' locks, and the database's unique constraint
  ``hold_resolved_once`` and the trigger ``ledger_transfer_resolution_check`` (post ≤ hold, void = hold)
  judge every COPYed row anyway.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from csdp.ledger.models import RESOLVING, LedgerAccount, Phase, Transfer
from csdp.ledger.services import LedgerError, _today, lock_accounts

if TYPE_CHECKING:
    import polars as pl

Item = dict[str, Any]  # one transfer to write: COLUMNS and, for resolutions, what they are checked by

BULK_PHASES = {Phase.POSTED, Phase.PENDING}
COLUMNS = (
    "debit_account_id",
    "credit_account_id",
    "amount_fen",
    "phase",
    "pending_id",
    "key",
    "code",
    "business_date",
    "batch",
    "memo",
    "created_at",
)
TOTALS = ("debits_posted", "credits_posted", "debits_pending", "credits_pending")
COMPARED = ("debit_account_id", "credit_account_id", "amount_fen", "phase", "code", "business_date")
CHUNK = 5000  # keys per IN (…): SQLite allows 32766 parameters, PostgreSQL plans short lists better


def _rows_of(rows: pl.DataFrame | Iterable[Item]) -> Iterable[Item]:
    if hasattr(rows, "iter_rows"):  # a polars DataFrame
        frame_rows: Iterator[Item] = rows.iter_rows(named=True)
        return frame_rows
    return rows


def _chunks(values: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _by_key(keys: list[str]) -> dict[str, Transfer]:
    found: dict[str, Transfer] = {}
    for chunk in _chunks(keys):
        found.update(Transfer.objects.in_bulk(chunk, field_name="key"))
    return found


def _positive(amount: object, key: str) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise LedgerError(f"划转 {key}：金额须为正整数（分）。")
    return amount


def _unique_key(key: str, keys: set[str]) -> None:
    if key in keys:
        raise LedgerError(f"同一批划转中幂等键 {key} 重复。")
    keys.add(key)


def _normalise(
    rows: pl.DataFrame | Iterable[Item], phases: set[Phase] = BULK_PHASES, default_phase: str = Phase.POSTED
) -> list[Item]:
    items: list[Item] = []
    keys: set[str] = set()
    today: dt.date | None = None
    for row in _rows_of(rows):
        amount = _positive(row["amount_fen"], row["key"])
        phase = row.get("phase") or default_phase
        if phase not in phases:
            raise LedgerError(f"划转 {row['key']}：批量只接受{'、'.join(Phase(p).label for p in sorted(phases))}。")
        if row["debit_account_id"] == row["credit_account_id"]:
            raise LedgerError(f"划转 {row['key']}：借方与贷方不能是同一账户。")
        _unique_key(row["key"], keys)
        today = today or _today()
        items.append(
            {
                "debit_account_id": row["debit_account_id"],
                "credit_account_id": row["credit_account_id"],
                "amount_fen": amount,
                "phase": str(phase),
                "pending_id": None,
                "key": row["key"],
                "code": row["code"],
                "business_date": row.get("business_date") or today,
                "memo": row.get("memo") or "",
            }
        )
    return items


def _without_replays(items: list[Item]) -> list[Item]:
    """The items whose key is new. A replay with equal values is skipped, as the one-by-one services
    return the first transfer; with other values the whole batch is refused, naming the key."""
    existing = _by_key([item["key"] for item in items])
    fresh = []
    for item in items:
        old = existing.get(item["key"])
        if old is None:
            fresh.append(item)
            continue
        differs = [f for f in item.get("compared", COMPARED) if getattr(old, f) != item[f]]
        if differs:
            raise LedgerError(f"幂等键 {item['key']} 已用于另一笔划转（{', '.join(differs)} 不同），拒绝重放。")
    return fresh


def _sums(items: list[Item]) -> dict[int, dict[str, int]]:
    """Per account, what the batch adds to each of its four totals (TigerBeetle's effects per phase)."""
    moved: defaultdict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(TOTALS, 0))
    for item in items:
        debit, credit, amount = moved[item["debit_account_id"]], moved[item["credit_account_id"]], item["amount_fen"]
        if item["phase"] in BULK_PHASES:
            side = "posted" if item["phase"] == Phase.POSTED else "pending"
            debit[f"debits_{side}"] += amount
            credit[f"credits_{side}"] += amount
            continue
        # A post or void releases the whole hold; a post then moves its (possibly smaller) amount.
        debit["debits_pending"] -= item["held_fen"]
        credit["credits_pending"] -= item["held_fen"]
        if item["phase"] == Phase.POST:
            debit["debits_posted"] += amount
            credit["credits_posted"] += amount
    return moved


def _check_end_state(moved: dict[int, dict[str, int]], locked: dict[int, LedgerAccount]) -> None:
    for account_id, delta in moved.items():
        a = locked[account_id]
        dp, cp = a.debits_posted + delta["debits_posted"], a.credits_posted + delta["credits_posted"]
        dq, cq = a.debits_pending + delta["debits_pending"], a.credits_pending + delta["credits_pending"]
        if a.debits_must_not_exceed_credits and dp + dq > cp:
            raise LedgerError(f"账户 {a.number} 可用余额不足：批量处理后缺 {dp + dq - cp} 分。")
        if a.credits_must_not_exceed_debits and cp + cq > dp:
            raise LedgerError(f"账户 {a.number} 贷方额度不足。")


def _insert(items: list[Item], batch: str) -> None:
    extra = {"batch": batch, "created_at": timezone.now()}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY ledger_transfer ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for item in items:
                    copy.write_row([item[c] if c in item else extra[c] for c in COLUMNS])
        return
    Transfer.objects.bulk_create(
        [Transfer(**extra, **{c: item[c] for c in COLUMNS if c in item}) for item in items], batch_size=2000
    )


def _add_to_totals(moved: dict[int, dict[str, int]]) -> None:
    """One aggregate UPDATE for every account the batch touched (a VALUES table of per-account sums)."""
    rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(moved))
    params = [v for account_id, d in sorted(moved.items()) for v in (account_id, *(d[t] for t in TOTALS))]
    sets = ", ".join(f"{t} = {t} + CAST(d.add_{t} AS BIGINT)" for t in TOTALS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH d(account_id, {', '.join('add_' + t for t in TOTALS)}) AS (VALUES {rows}) "
            f"UPDATE ledger_ledgeraccount SET {sets} FROM d WHERE ledger_ledgeraccount.id = d.account_id",
            params,
        )


def _write(items: list[Item], locked: dict[int, LedgerAccount]) -> None:
    """Judge the end state, then one COPY and one UPDATE; the database's constraints and triggers have
    the last word, and a refusal rolls the whole batch back."""
    moved = _sums(items)
    _check_end_state(moved, locked)
    try:
        with transaction.atomic():
            _insert(items, uuid.uuid4().hex)
            _add_to_totals(moved)
    except IntegrityError as error:
        raise LedgerError(f"数据库拒绝该批划转：{error}") from None


@transaction.atomic
def transfers_post_bulk(rows: pl.DataFrame | Iterable[Item]) -> int:
    """Post many transfers (dicts or a polars DataFrame with debit_account_id, credit_account_id,
    amount_fen, key, code, optional business_date (default today), phase "posted"/"pending" and memo)
    all or nothing. Replayed keys with equal values are skipped; returns the number of transfers written."""
    return _post_normalised(_normalise(rows))


def _post_normalised(items: list[Item]) -> int:
    if not items:
        return 0
    locked = lock_accounts(*{i["debit_account_id"] for i in items}, *{i["credit_account_id"] for i in items})
    items = _without_replays(items)
    if items:
        _write(items, locked)
    return len(items)


@transaction.atomic
def holds_create_bulk(rows: pl.DataFrame | Iterable[Item]) -> dict[str, Transfer]:
    """hold_create for many rows (as transfers_post_bulk, without ``phase``), all or nothing. Returns
    every row's hold by key, the ones a replay skipped included, so the caller can link them."""
    items = _normalise(rows, phases={Phase.PENDING}, default_phase=Phase.PENDING)
    _post_normalised(items)
    return _by_key([item["key"] for item in items])


def _hold_id(row: Item) -> int:
    return row["hold"].pk if isinstance(row["hold"], Transfer) else int(row["hold"])


def _holds_of(rows: list[Item]) -> dict[int, Transfer]:
    ids = sorted({_hold_id(row) for row in rows})
    holds = {}
    for chunk in _chunks(ids):
        holds.update(Transfer.objects.in_bulk(chunk))
    missing = sorted(set(ids) - set(holds))
    if missing:
        raise LedgerError(f"冻结 #{missing[0]} 不存在。")
    return holds


def _resolution(row: Item, hold: Transfer, today: dt.date) -> Item:
    """One row as hold_post / hold_void would write it: the hold's accounts and code, the default key
    ``hold:<id>:<phase>``, a void for the whole hold."""
    phase = row["phase"]
    if phase not in RESOLVING:
        raise LedgerError(f"冻结 #{hold.pk}：批量处理冻结只接受扣划或解除。")
    if hold.phase != Phase.PENDING:
        raise LedgerError(f"划转 #{hold.pk} 不是冻结，不能扣划或解除。")
    key = row.get("key") or f"hold:{hold.pk}:{phase}"
    amount = row.get("amount_fen")
    amount = hold.amount_fen if amount is None else _positive(amount, key)
    if phase == Phase.VOID and amount != hold.amount_fen:
        raise LedgerError(f"冻结 #{hold.pk} 只能全额解除（{hold.amount_fen} 分）。")
    compared = ("pending_id", "phase", "amount_fen") + (("business_date",) if row.get("business_date") else ())
    return {
        "debit_account_id": hold.debit_account_id,
        "credit_account_id": hold.credit_account_id,
        "amount_fen": amount,
        "phase": str(phase),
        "pending_id": hold.pk,
        "key": key,
        "code": hold.code,
        "business_date": row.get("business_date") or today,
        "memo": row.get("memo") or "",
        "held_fen": hold.amount_fen,
        "compared": compared,
    }


def _check_unresolved(items: list[Item]) -> None:
    """Refuse a hold that another transfer resolved already, or that the batch resolves twice, and a
    post above the hold; checked after the replays are dropped, as hold_post does."""
    done: dict[int | None, Transfer] = {}
    for chunk in _chunks([item["pending_id"] for item in items]):
        done.update({t.pending_id: t for t in Transfer.objects.filter(pending_id__in=chunk)})
    seen: set[int] = set()
    for item in items:
        hold_id = item["pending_id"]
        if hold_id in done:
            first = done[hold_id]
            raise LedgerError(
                f"冻结 #{hold_id} 已由划转 #{first.pk}（{first.get_phase_display()}）处理，不能再次处理。"
            )
        if hold_id in seen:
            raise LedgerError(f"冻结 #{hold_id} 在同一批中出现两次（幂等键 {item['key']}），不能再次处理。")
        seen.add(hold_id)
        if item["amount_fen"] > item["held_fen"]:
            raise LedgerError(
                f"扣划金额 {item['amount_fen']} 分超过冻结金额 {item['held_fen']} 分（幂等键 {item['key']}）。"
            )


@transaction.atomic
def holds_resolve_bulk(rows: pl.DataFrame | Iterable[Item]) -> int:
    """hold_post / hold_void for many holds, all or nothing. Rows: ``hold`` (a Transfer or its id),
    ``phase`` "post"/"void", optional ``amount_fen`` (default: the whole hold), ``key`` (default
    ``hold:<id>:<phase>``), ``business_date`` (default today) and ``memo``. Replays with equal values
    are skipped; returns the number of resolutions written."""
    rows = list(_rows_of(rows))
    if not rows:
        return 0
    # Transfers are immutable, so a hold's accounts can be read before they are locked.
    holds, today = _holds_of(rows), _today()
    keys: set[str] = set()
    items: list[Item] = []
    for row in rows:
        items.append(_resolution(row, holds[_hold_id(row)], today))
        _unique_key(items[-1]["key"], keys)
    locked = lock_accounts(*{i["debit_account_id"] for i in items}, *{i["credit_account_id"] for i in items})
    items = _without_replays(items)
    if items:
        _check_unresolved(items)
        _write(items, locked)
    return len(items)
