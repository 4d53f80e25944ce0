"""The set-based ledger path for end-of-day work (style habit 10): many transfers in one statement.

PostgreSQL: COPY … FROM STDIN through psycopg's copy protocol; SQLite: bulk_create. Then ONE aggregate
UPDATE adds each account's sums to its four totals. The check constraints of LedgerAccount judge the
end state of the whole batch; the Python pre-check gives the same verdict with a readable message.
Only single-phase (posted) and pending transfers come in bulk; holds are resolved one by one.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from csdp.ledger.models import LedgerAccount, Phase, Transfer
from csdp.ledger.services import LedgerError, lock_accounts

BULK_PHASES = {Phase.POSTED, Phase.PENDING}
COLUMNS = ("debit_account_id", "credit_account_id", "amount_fen", "phase", "key", "code", "business_date",
           "batch", "memo", "created_at")
TOTALS = ("debits_posted", "credits_posted", "debits_pending", "credits_pending")
COMPARED = ("debit_account_id", "credit_account_id", "amount_fen", "phase", "code", "business_date")


def _rows_of(rows) -> Iterable[dict]:
    if hasattr(rows, "iter_rows"):  # a polars DataFrame
        return rows.iter_rows(named=True)
    return rows


def _normalise(rows) -> list[dict]:
    items, keys = [], set()
    for row in _rows_of(rows):
        amount = row["amount_fen"]
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise LedgerError(f"划转 {row['key']}：金额须为正整数（分）。")
        phase = row.get("phase") or Phase.POSTED
        if phase not in BULK_PHASES:
            raise LedgerError(f"划转 {row['key']}：批量只接受记账或冻结。")
        if row["debit_account_id"] == row["credit_account_id"]:
            raise LedgerError(f"划转 {row['key']}：借方与贷方不能是同一账户。")
        if row["key"] in keys:
            raise LedgerError(f"同一批划转中幂等键 {row['key']} 重复。")
        keys.add(row["key"])
        items.append({"debit_account_id": row["debit_account_id"], "credit_account_id": row["credit_account_id"],
                      "amount_fen": amount, "phase": str(phase), "key": row["key"], "code": row["code"],
                      "business_date": row["business_date"], "memo": row.get("memo") or ""})
    return items


def _without_replays(items: list[dict]) -> list[dict]:
    keys = [item["key"] for item in items]
    existing = {}
    for start in range(0, len(keys), 5000):
        existing.update(Transfer.objects.in_bulk(keys[start:start + 5000], field_name="key"))
    fresh = []
    for item in items:
        old = existing.get(item["key"])
        if old is None:
            fresh.append(item)
        elif any(getattr(old, f) != item[f] for f in COMPARED):
            raise LedgerError(f"幂等键 {item['key']} 已用于另一笔划转，拒绝重放。")
    return fresh


def _sums(items: list[dict]) -> dict[int, dict[str, int]]:
    """Per account, what the batch adds to each of its four totals."""
    moved = defaultdict(lambda: dict.fromkeys(TOTALS, 0))
    for item in items:
        side = "posted" if item["phase"] == Phase.POSTED else "pending"
        moved[item["debit_account_id"]][f"debits_{side}"] += item["amount_fen"]
        moved[item["credit_account_id"]][f"credits_{side}"] += item["amount_fen"]
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


def _insert(items: list[dict], batch: str) -> None:
    now = timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY ledger_transfer ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for item in items:
                    copy.write_row([item.get(c, batch if c == "batch" else now) for c in COLUMNS])
        return
    Transfer.objects.bulk_create([Transfer(batch=batch, created_at=now, **item) for item in items], batch_size=2000)


def _add_to_totals(moved: dict[int, dict[str, int]]) -> None:
    """One aggregate UPDATE for every account the batch touched (a VALUES table of per-account sums)."""
    rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(moved))
    params = [v for account_id, d in sorted(moved.items()) for v in (account_id, *(d[t] for t in TOTALS))]
    sets = ", ".join(f"{t} = {t} + CAST(d.add_{t} AS BIGINT)" for t in TOTALS)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH d(account_id, {', '.join('add_' + t for t in TOTALS)}) AS (VALUES {rows}) "
                       f"UPDATE ledger_ledgeraccount SET {sets} FROM d WHERE ledger_ledgeraccount.id = d.account_id",
                       params)


@transaction.atomic
def transfers_post_bulk(rows) -> int:
    """Post many transfers (dicts or a polars DataFrame with debit_account_id, credit_account_id,
    amount_fen, key, code, business_date, optional phase "posted"/"pending" and memo) all or nothing.
    Replayed keys with equal values are skipped; returns the number of transfers written."""
    items = _normalise(rows)
    if not items:
        return 0
    locked = lock_accounts(*{i["debit_account_id"] for i in items}, *{i["credit_account_id"] for i in items})
    items = _without_replays(items)
    if not items:
        return 0
    moved = _sums(items)
    _check_end_state(moved, locked)
    try:
        with transaction.atomic():
            _insert(items, uuid.uuid4().hex)
            _add_to_totals(moved)
    except IntegrityError as error:
        raise LedgerError(f"数据库拒绝该批划转：{error}") from None
    return len(items)
