"""Ledger writes: open accounts, post transfers, create / post / void holds.

Every write locks the two accounts in primary-key order (style habit 5, Saleor lock_objects), then
re-reads, checks the idempotency key, checks the balance rule, writes one immutable Transfer and moves
the running totals with F() updates. The check constraints of LedgerAccount refuse a total that
breaks the balance rule even if this code is wrong; the IntegrityError is turned into LedgerError.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from csdp.clock.services import business_today
from csdp.lib.errors import CsdpError
from csdp.ledger.models import DEBIT_CONSTRAINED_KINDS, LedgerAccount, Phase, Transfer


class LedgerError(CsdpError):
    code = "ledger.refused"


def _today() -> dt.date:
    return business_today()


@transaction.atomic
def ledger_account_open(
    *, number: str, name: str, kind: str, owner: Any = None, debits_must_not_exceed_credits: bool | None = None
) -> LedgerAccount:
    """Open an account, or return the existing one with that number when it matches (demo re-runs)."""
    if debits_must_not_exceed_credits is None:
        debits_must_not_exceed_credits = kind in DEBIT_CONSTRAINED_KINDS
    existing = LedgerAccount.objects.filter(number=number).first()
    if existing is not None:
        if (existing.kind, existing.owner_id) != (kind, getattr(owner, "pk", None)):
            raise LedgerError(f"账号 {number} 已开立为其他账户。")
        return existing
    return LedgerAccount.objects.create(
        number=number,
        name=name,
        kind=kind,
        owner=owner,
        debits_must_not_exceed_credits=debits_must_not_exceed_credits,
    )


@transaction.atomic
def ledger_account_rename(*, account: LedgerAccount, name: str) -> LedgerAccount:
    """The account's name only: its kind, owner and balances move money and change only by transfers."""
    name = name.strip()
    if not name or len(name) > 200:
        raise LedgerError("户名应为 1–200 个字符。")
    account = LedgerAccount.objects.select_for_update().get(pk=account.pk)
    account.name = name
    account.save(update_fields=["name"])
    return account


def lock_accounts(*account_ids: int) -> dict[int, LedgerAccount]:
    """SELECT … FOR UPDATE the accounts in primary-key order, so two writers never deadlock."""
    rows = LedgerAccount.objects.select_for_update().filter(pk__in=set(account_ids)).order_by("pk")
    locked = {row.pk: row for row in rows}
    if len(locked) != len(set(account_ids)):
        raise LedgerError("资金账户不存在。")
    return locked


def _replayed(key: str, expected: dict[str, Any]) -> Transfer | None:
    """The transfer already written under ``key`` if its values match; refuse a conflicting replay."""
    existing = Transfer.objects.filter(key=key).first()
    if existing is None:
        return None
    differs = [field for field, value in expected.items() if getattr(existing, field) != value]
    if differs:
        raise LedgerError(f"幂等键 {key} 已用于另一笔划转（{', '.join(differs)} 不同），拒绝重放。")
    existing.replayed = True  # callers tell a client "already done" apart from "done now" (the API's replay flag)
    return existing


def check_limits(debit: LedgerAccount, credit: LedgerAccount, amount_fen: int) -> None:
    """Refuse a new posted or pending amount that would break either account's balance flag."""
    if debit.debits_must_not_exceed_credits:
        available = debit.credits_posted - debit.debits_posted - debit.debits_pending
        if amount_fen > available:
            raise LedgerError(f"账户 {debit.number} 可用余额不足：可用 {available} 分，需 {amount_fen} 分。")
    if credit.credits_must_not_exceed_debits:
        room = credit.debits_posted - credit.credits_posted - credit.credits_pending
        if amount_fen > room:
            raise LedgerError(f"账户 {credit.number} 贷方额度不足。")


def _move(account_id: int, **deltas: int) -> None:
    LedgerAccount.objects.filter(pk=account_id).update(**{f: F(f) + d for f, d in deltas.items() if d})


def _validate_amount(amount_fen: object) -> int:
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise LedgerError("金额须为正整数（分）。")
    return amount_fen


def _write(transfer: Transfer, debit_deltas: dict[str, int], credit_deltas: dict[str, int]) -> Transfer:
    # Called inside the caller's atomic block: if the database refuses, that block rolls back.
    try:
        transfer.save(force_insert=True)
        _move(transfer.debit_account_id, **debit_deltas)
        _move(transfer.credit_account_id, **credit_deltas)
    except IntegrityError as error:
        # The database refused what Python let through: report it, nothing is written.
        raise LedgerError(f"数据库拒绝该划转：{error}") from None
    return transfer


def _single_phase(
    *,
    phase: str,
    debit: LedgerAccount,
    credit: LedgerAccount,
    amount_fen: int,
    key: str,
    code: str,
    business_date: dt.date | None,
    memo: str,
) -> Transfer:
    amount_fen = _validate_amount(amount_fen)
    if debit.pk == credit.pk:
        raise LedgerError("借方与贷方不能是同一账户。")
    business_date = business_date or _today()
    with transaction.atomic():
        locked = lock_accounts(debit.pk, credit.pk)
        expected = {
            "debit_account_id": debit.pk,
            "credit_account_id": credit.pk,
            "amount_fen": amount_fen,
            "phase": phase,
            "code": code,
            "business_date": business_date,
        }
        replay = _replayed(key, expected)
        if replay is not None:
            return replay
        check_limits(locked[debit.pk], locked[credit.pk], amount_fen)
        transfer = Transfer(
            debit_account_id=debit.pk,
            credit_account_id=credit.pk,
            amount_fen=amount_fen,
            phase=phase,
            key=key,
            code=code,
            business_date=business_date,
            memo=memo,
        )
        side = "posted" if phase == Phase.POSTED else "pending"
        return _write(transfer, {f"debits_{side}": amount_fen}, {f"credits_{side}": amount_fen})


def transfer_post(
    *,
    debit: LedgerAccount,
    credit: LedgerAccount,
    amount_fen: int,
    key: str,
    code: str,
    business_date: dt.date | None = None,
    memo: str = "",
) -> Transfer:
    """Move amount_fen from debit to credit at once. Replaying ``key`` with the same values returns the
    first transfer; with different values it raises."""
    return _single_phase(
        phase=Phase.POSTED,
        debit=debit,
        credit=credit,
        amount_fen=amount_fen,
        key=key,
        code=code,
        business_date=business_date,
        memo=memo,
    )


def hold_create(
    *,
    debit: LedgerAccount,
    credit: LedgerAccount,
    amount_fen: int,
    key: str,
    code: str,
    business_date: dt.date | None = None,
    memo: str = "",
) -> Transfer:
    """Reserve amount_fen (a pending transfer): it counts against the debit's available balance until
    hold_post or hold_void resolves it."""
    return _single_phase(
        phase=Phase.PENDING,
        debit=debit,
        credit=credit,
        amount_fen=amount_fen,
        key=key,
        code=code,
        business_date=business_date,
        memo=memo,
    )


def _resolve(
    *, hold: Transfer, phase: str, amount_fen: int | None, key: str | None, business_date: dt.date | None, memo: str
) -> Transfer:
    with transaction.atomic():
        lock_accounts(hold.debit_account_id, hold.credit_account_id)
        hold = Transfer.objects.get(pk=hold.pk)
        if hold.phase != Phase.PENDING:
            raise LedgerError(f"划转 #{hold.pk} 不是冻结，不能扣划或解除。")
        amount_fen = hold.amount_fen if amount_fen is None else _validate_amount(amount_fen)
        key = key or f"hold:{hold.pk}:{phase}"
        expected: dict[str, Any] = {"pending_id": hold.pk, "phase": phase, "amount_fen": amount_fen}
        if business_date is not None:
            expected["business_date"] = business_date
        replay = _replayed(key, expected)
        if replay is not None:
            return replay
        done = Transfer.objects.filter(pending_id=hold.pk).first()
        if done is not None:
            raise LedgerError(f"冻结 #{hold.pk} 已由划转 #{done.pk}（{done.get_phase_display()}）处理，不能再次处理。")
        if amount_fen > hold.amount_fen:
            raise LedgerError(f"扣划金额 {amount_fen} 分超过冻结金额 {hold.amount_fen} 分。")
        transfer = Transfer(
            debit_account_id=hold.debit_account_id,
            credit_account_id=hold.credit_account_id,
            amount_fen=amount_fen,
            phase=phase,
            pending_id=hold.pk,
            key=key,
            code=hold.code,
            business_date=business_date or _today(),
            memo=memo,
        )
        posted = amount_fen if phase == Phase.POST else 0
        return _write(
            transfer,
            {"debits_pending": -hold.amount_fen, "debits_posted": posted},
            {"credits_pending": -hold.amount_fen, "credits_posted": posted},
        )


def hold_post(
    *,
    hold: Transfer,
    amount_fen: int | None = None,
    key: str | None = None,
    business_date: dt.date | None = None,
    memo: str = "",
) -> Transfer:
    """Post amount_fen (default: all) of a hold and release the rest, once. The default key is
    derived from the hold, so a retry of the same call is a no-op."""
    return _resolve(hold=hold, phase=Phase.POST, amount_fen=amount_fen, key=key, business_date=business_date, memo=memo)


def hold_void(
    *, hold: Transfer, key: str | None = None, business_date: dt.date | None = None, memo: str = ""
) -> Transfer:
    """Release a whole hold, once."""
    return _resolve(hold=hold, phase=Phase.VOID, amount_fen=None, key=key, business_date=business_date, memo=memo)


from csdp.ledger.bulk import transfers_post_bulk  # noqa: E402,F401  (the set-based path, re-exported)
