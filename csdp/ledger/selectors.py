"""Ledger reads. Balances are credit-normal (money the depository owes the owner):
posted = credits_posted − debits_posted; available = posted − debits_pending."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, Sum, Value, When

from csdp.ledger.models import LedgerAccount, Phase, Transfer
from csdp.ledger.movements import movement_summary, movement_type


@dataclass(frozen=True)
class Balance:
    posted_fen: int  # credits_posted − debits_posted
    pending_debits_fen: int  # held (frozen) against this account
    pending_credits_fen: int  # held in favour of this account
    available_fen: int  # posted − pending debits: what may still be debited


def balance_of(account: LedgerAccount) -> Balance:
    return balance_from(LedgerAccount.objects.get(pk=account.pk))  # re-read: the caller's instance may be stale


def balance_from(row: LedgerAccount) -> Balance:
    """The balance of an account row just read (no query)."""
    posted = row.credits_posted - row.debits_posted
    return Balance(
        posted_fen=posted,
        pending_debits_fen=row.debits_pending,
        pending_credits_fen=row.credits_pending,
        available_fen=posted - row.debits_pending,
    )


@dataclass(frozen=True)
class HoldState:
    status: str  # "pending" | "posted" | "voided"
    amount_fen: int
    posted_fen: int
    released_fen: int
    resolution: Transfer | None


def hold_state(hold: Transfer) -> HoldState:
    """Derived from the transfers: a hold has at most one resolution (unique constraint)."""
    resolution = Transfer.objects.filter(pending_id=hold.pk).first()
    if resolution is None:
        return HoldState("pending", hold.amount_fen, 0, 0, None)
    if resolution.phase == Phase.POST:
        return HoldState(
            "posted", hold.amount_fen, resolution.amount_fen, hold.amount_fen - resolution.amount_fen, resolution
        )
    return HoldState("voided", hold.amount_fen, 0, hold.amount_fen, resolution)


@dataclass(frozen=True)
class StatementLine:
    transfer: Transfer
    direction: str  # "借" or "贷" from this account's side
    posted_change_fen: int
    # A hold placed on a movement of this account (−) or released by its resolution (+), on either side:
    # an incoming dividend's hold reads like an IPO's (ZJDZ's DJBD: 冻结为负，解冻为正).
    pending_change_fen: int
    posted_balance_fen: int
    type_label: str  # 现金红利划入, 申购资金冻结, … (csdp.ledger.movements)
    summary: str  # the 摘要: the memo, or a resolution's hold's


def _posted_effect_before(account: LedgerAccount, day: dt.date) -> int:
    return _posted_effect(account, Q(business_date__lt=day))


def _posted_effect(account: LedgerAccount, which: Q) -> int:
    posted = Q(phase__in=[Phase.POSTED, Phase.POST]) & which & (Q(debit_account=account) | Q(credit_account=account))
    totals = Transfer.objects.filter(posted).aggregate(
        credits=Sum(
            Case(When(credit_account=account, then="amount_fen"), default=Value(0), output_field=IntegerField())
        ),
        debits=Sum(Case(When(debit_account=account, then="amount_fen"), default=Value(0), output_field=IntegerField())),
    )
    return (totals["credits"] or 0) - (totals["debits"] or 0)


def _effects(transfer: Transfer, is_credit: bool) -> tuple[int, int]:
    """(posted change, hold change) from this account's side. The posted change is signed by direction;
    the hold change by what happens to the hold (placed −, released +), whichever side this account is on."""
    sign = 1 if is_credit else -1
    if transfer.phase == Phase.POSTED:
        return sign * transfer.amount_fen, 0
    if transfer.phase == Phase.PENDING:
        return 0, -transfer.amount_fen
    hold = transfer.pending
    assert hold is not None  # a POST or VOID names the hold it resolves (check transfer_pending_iff_resolving)
    posted = sign * transfer.amount_fen if transfer.phase == Phase.POST else 0
    return posted, hold.amount_fen


def statement(account: LedgerAccount, date_from: dt.date, date_to: dt.date) -> tuple[int, list[StatementLine]]:
    """(opening posted balance, lines) for business dates in [date_from, date_to]."""
    balance = _posted_effect_before(account, date_from)
    rows = (
        Transfer.objects.filter(
            Q(debit_account=account) | Q(credit_account=account), business_date__range=(date_from, date_to)
        )
        .select_related("pending", "debit_account", "credit_account")
        .order_by("business_date", "id")
    )
    return balance, _lines(account, rows, balance)


def _lines(account: LedgerAccount, transfers: Iterable[Transfer], balance: int) -> list[StatementLine]:
    lines = []
    for transfer in transfers:
        is_credit = transfer.credit_account_id == account.pk
        posted, pending = _effects(transfer, is_credit)
        balance += posted
        lines.append(
            StatementLine(
                transfer,
                "贷" if is_credit else "借",
                posted,
                pending,
                balance,
                movement_type(transfer, is_credit=is_credit),
                movement_summary(transfer),
            )
        )
    return lines


def statement_after(
    account: LedgerAccount, *, after_id: int = 0, limit: int = 100
) -> tuple[list[StatementLine], int | None]:
    """Every movement of ``account`` with a transfer id above ``after_id``, oldest first, at most ``limit``;
    and the cursor of the next page (None when this is the last). Transfers are append-only and ids
    rise, so a cursor never skips or repeats a movement, whatever is written meanwhile; the balance
    after each line counts every earlier transfer."""
    rows = list(
        Transfer.objects.filter(Q(debit_account=account) | Q(credit_account=account), id__gt=after_id)
        .select_related("pending", "debit_account", "credit_account")
        .order_by("id")[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    lines = _lines(account, rows, _posted_effect(account, Q(id__lte=after_id)))
    return lines, (rows[-1].pk if more else None)


RESERVE_KINDS = ("participant_reserve", "underwriter_reserve")


def reserve_account_of(institution: Any) -> LedgerAccount | None:
    """The participant's 综合结算备付金账户 or the underwriter's 自营结算备付金账户."""
    return LedgerAccount.objects.filter(owner=institution, kind__in=RESERVE_KINDS).order_by("pk").first()


def reserve_accounts_of(institution_ids: Iterable[int]) -> dict[int, LedgerAccount]:
    """reserve_account_of for many institutions in one query: institution id → its account."""
    accounts: dict[int, LedgerAccount] = {}
    for account in LedgerAccount.objects.filter(owner_id__in=set(institution_ids), kind__in=RESERVE_KINDS).order_by(
        "-pk"
    ):
        if account.owner_id is not None:  # always: filtered by owner
            accounts[account.owner_id] = account  # descending, so the lowest pk wins as in reserve_account_of
    return accounts


def reserves_available(institution_ids: Iterable[int]) -> dict[int, int]:
    """The available balance (balance_of's rule) of each institution's reserve; absent without one."""
    return {owner: balance_from(a).available_fen for owner, a in reserve_accounts_of(institution_ids).items()}
