"""委托代派 (rules.md §12): the issuer's cash for a distribution, in two steps, as fees' payments
(csdp/fees: the payer declares, staff record the receipt).

    declared  (待确认)  the issuer (page, API) or an operator (a receipt seen on the bank statement) records
                       the bank reference and amount; no money moves
    confirmed (已到账)  a depository staff user other than the one who declared it confirms the receipt
                       against the depository's bank: only now the ledger transfer issuer bank → DIV-<id>
    rejected  (已驳回)  staff found no such receipt; no money moved
    lapsed    (逾期未确认) still declared when the deadline was judged, or the plan withdrawn: does not count

Money that moves needs four-eyes: the person who declared a funding can never confirm it (refused here
with ``dividend.same_person``, and by the database's check ``dividend_funding_four_eyes``).

Locks: the distribution's row, then the funding's (every path takes them in this order).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from csdp.accounts.roles import Role
from csdp.audit.services import audit_record
from csdp.clock.services import business_today, clock_now
from csdp.dividend.errors import DividendError
from csdp.dividend.models import (
    CODE_FUNDING,
    FUNDING_MACHINE,
    CashStatus,
    Distribution,
    Funding,
    FundingStatus,
    FundingTransition,
)
from csdp.dividend.notices import funding_rejected_notify
from csdp.dividend.selectors import cash_required_fen
from csdp.ledger.models import AccountKind, LedgerAccount
from csdp.ledger.services import LedgerError, ledger_account_open, transfer_post
from csdp.lib.ids import bank_reference_normal
from csdp.lib.statemachine import STAFF, SYSTEM, actor_kind, transition_record
from csdp.securities.models import Security

# The staff who confirm or reject a declared funding (pages and API): those who handle business and those
# who review it — never the one who declared it (the service).
CONFIRMERS = (Role.OPERATOR, Role.REVIEWER)

REFERENCE_MAX_CHARS = 40  # Funding.bank_reference
AMOUNT_MAX_FEN = 2**63 - 1  # Funding.amount_fen is a bigint: a larger number never reaches the database
# A single declaration may exceed the cash the plan needs by this much (an issuer rounding its transfer up;
# the surplus comes back on the pay date, docs/dividend.md). More is a mistyped amount (a yuan figure typed
# in fen, zeros too many): refused before anyone confirms it against the bank.
MARGIN_PERCENT, MARGIN_MIN_FEN = 10, 100_000
AMOUNT_RULE = "金额须为正整数（单位：分）。"


def check_bank_reference(text: str) -> str:
    """The normalised reference, or a refusal saying what is wrong with it."""
    reference = bank_reference_normal(text)
    if not reference:
        raise DividendError("请填写银行流水号。", code="dividend.bank_reference")
    if len(reference) > REFERENCE_MAX_CHARS:
        raise DividendError(f"银行流水号最多 {REFERENCE_MAX_CHARS} 个字符。", code="dividend.bank_reference")
    return reference


def check_amount_fen(amount_fen: object) -> int:
    """A positive whole number of fen that the database can hold (the page's form and the API both end here)."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise DividendError(AMOUNT_RULE, code="dividend.amount")
    if amount_fen > AMOUNT_MAX_FEN:
        raise DividendError("金额过大，请核对（单位：分）。", code="dividend.amount_too_large")
    return amount_fen


def _check_within_plan(distribution: Distribution, amount_fen: int) -> None:
    required = cash_required_fen(distribution)
    cap = required + max(required * MARGIN_PERCENT // 100, MARGIN_MIN_FEN)
    if amount_fen > cap:
        raise DividendError(
            f"金额 {_fen(amount_fen)} 元超过本次应付现金红利 {_fen(required)} 元"
            f"（单笔登记不超过 {_fen(cap)} 元），请核对金额。",
            code="dividend.amount_too_large",
        )


def _fen(amount: int) -> str:
    return f"{amount // 100:,}.{amount % 100:02d}"


def issuer_bank_account(issuer, security: Security) -> LedgerAccount:
    """The issuer's external bank account in our books (money it sends us comes from here)."""
    existing = LedgerAccount.objects.filter(owner=issuer, kind=AccountKind.ISSUER_BANK).order_by("pk").first()
    return existing or ledger_account_open(
        number=f"ISS-{security.code}-BANK",
        name=f"{issuer.name}（银行账户）",
        kind=AccountKind.ISSUER_BANK,
        owner=issuer,
    )


def _lock(distribution: Distribution) -> Distribution:
    return Distribution.objects.select_for_update().select_related("security", "issuer").get(pk=distribution.pk)


def _check_awaiting(distribution: Distribution) -> None:
    if distribution.cash_status != CashStatus.AWAITING:
        raise DividendError(
            f"现金红利状态为“{distribution.get_cash_status_display()}”，不接收代派资金。", code="dividend.not_awaiting"
        )


def _replay(bank_reference: str, distribution: Distribution, amount_fen: int) -> Funding | None:
    existing = Funding.objects.filter(bank_reference=bank_reference).first()  # normalised: one spelling
    if existing is None:
        return None
    if existing.distribution_id != distribution.pk or existing.amount_fen != amount_fen:
        raise DividendError(f"银行流水号 {bank_reference} 已用于另一笔资金。", code="dividend.bank_reference_reused")
    return existing


@transaction.atomic
def funding_declare(*, distribution: Distribution, bank_reference: str, amount_fen: int, by) -> Funding:
    """Record a payment the issuer says it made (or an operator saw on the bank statement). No money
    moves. Idempotent by bank reference: the same reference for the same distribution and amount returns
    the first record, whatever its state; any other use of the reference is refused (the reference is
    compared and stored normalised: ``bank_reference_normal``). Refused after the deadline, for a plan
    without cash, once the cash part was judged, and for an amount beyond the plan's cash and its margin."""
    bank_reference = check_bank_reference(bank_reference)
    amount_fen = check_amount_fen(amount_fen)
    distribution = _lock(distribution)
    # Re-read under the lock: a concurrent declaration of the same payment has committed by now.
    replay = _replay(bank_reference, distribution, amount_fen)
    if replay is not None:
        return replay
    _check_awaiting(distribution)
    _check_within_plan(distribution, amount_fen)
    if business_today() > distribution.funding_deadline:
        raise DividendError(f"已过代派资金截止日 {distribution.funding_deadline}。", code="dividend.deadline")
    now = clock_now()
    try:
        with transaction.atomic():  # a savepoint: the refusal below leaves the caller's transaction usable
            funding = Funding.objects.create(
                distribution=distribution,
                bank_reference=bank_reference,
                amount_fen=amount_fen,
                declared_by=by,
                declared_at=now,
            )
    except IntegrityError:
        # The same reference declared for another distribution at the same moment (another row lock):
        # the unique reference wins, the second is told plainly instead of a server error.
        raise DividendError(
            f"银行流水号 {bank_reference} 已被同时登记于另一笔资金，请刷新后核对。",
            code="dividend.bank_reference_reused",
        ) from None
    FundingTransition.objects.create(
        funding=funding,
        to_state=FundingStatus.DECLARED,
        actor=by,
        actor_kind=actor_kind(by),
        reason=f"登记银行流水号 {bank_reference}",
        at=now,
    )
    audit_record(
        actor=by,
        obj=funding,
        action="dividend.fund_declare",
        to_state=FundingStatus.DECLARED,
        data={"distribution": distribution.pk, "bank_reference": bank_reference, "amount_fen": amount_fen},
    )
    return funding


def _move(funding: Funding, to: str, *, by, kind: str, action: str, reason: str, data: dict, fields=()) -> None:
    """A declaration's state change: its history row (the one state machine) and its audit event."""
    at = clock_now()
    before = funding.status
    transition_record(
        machine=FUNDING_MACHINE,
        subject=funding,
        to_state=to,
        history=FundingTransition,
        actor=None if kind == SYSTEM else by,
        by=kind,
        reason=reason,
        at=at,
        update_fields=fields,
    )
    audit_record(
        actor=by if kind != SYSTEM else "system",
        obj=funding,
        action=action,
        from_state=before,
        to_state=to,
        reason=reason,
        data=data,
    )


def _lock_funding(funding: Funding) -> tuple[Distribution, Funding]:
    distribution = _lock(funding.distribution)
    return distribution, Funding.objects.select_for_update().get(pk=funding.pk)


def _check_staff(by) -> None:
    if getattr(by, "staff_role", "") not in CONFIRMERS:
        raise DividendError("委托代派资金的到账确认与驳回由本公司业务办理或审核人员办理。", code="dividend.staff_only")


def _check_not_declarer(funding: Funding, by) -> None:
    if funding.declared_by_id == getattr(by, "pk", None):
        raise DividendError(
            "确认到账须由登记人以外的本公司人员办理（双人复核）：您登记了这笔资金，不能由您确认。",
            code="dividend.same_person",
        )


@transaction.atomic
def funding_confirm(*, funding: Funding, by, value_date: dt.date | None = None) -> Funding:
    """A depository staff user, not the one who declared it, confirms the receipt against the
    depository's bank: the ledger transfer issuer bank → the funding account posts now (keyed by the
    bank reference, so a replay posts nothing). ``value_date``: the bank's value date, by default
    today; it must be on or before the funding deadline (money arriving later does not count, rules.md
    §12 委托代派). Confirming a confirmed funding again returns it unchanged."""
    _check_staff(by)
    distribution, funding = _lock_funding(funding)
    _check_not_declarer(funding, by)
    if funding.status == FundingStatus.CONFIRMED:
        return funding
    FUNDING_MACHINE.check(funding.status, FundingStatus.CONFIRMED, STAFF)
    _check_awaiting(distribution)
    value_date = value_date or business_today()
    if value_date > distribution.funding_deadline:
        raise DividendError(
            f"到账日期 {value_date} 晚于代派资金截止日 {distribution.funding_deadline}，不计入本次代派资金。",
            code="dividend.value_date",
        )
    if value_date > business_today():
        raise DividendError(f"到账日期 {value_date} 晚于今日。", code="dividend.value_date")
    try:
        funding.transfer = transfer_post(
            debit=issuer_bank_account(distribution.issuer, distribution.security),
            credit=distribution.funding_account,
            amount_fen=funding.amount_fen,
            key=f"dividend:{distribution.pk}:fund:{funding.bank_reference}",
            code=CODE_FUNDING,
            business_date=value_date,
            memo=f"委托代派 {funding.bank_reference}",
        )
    except LedgerError as error:
        raise DividendError(str(error)) from None
    funding.confirmed_by, funding.confirmed_at, funding.value_date = by, clock_now(), value_date
    _move(
        funding,
        FundingStatus.CONFIRMED,
        by=by,
        kind=STAFF,
        action="dividend.fund_confirm",
        reason=f"到账日期 {value_date}",
        data={
            "distribution": distribution.pk,
            "bank_reference": funding.bank_reference,
            "amount_fen": funding.amount_fen,
            "value_date": value_date.isoformat(),
            "transfer_id": funding.transfer.pk,
        },
        fields=["transfer", "confirmed_by", "confirmed_at", "value_date"],
    )
    return funding


@transaction.atomic
def funding_reject(*, funding: Funding, by, reason: str) -> Funding:
    """Staff found no such receipt on the depository's bank: the declaration is rejected with a reason,
    no money moves, and the issuer is told (it may declare the payment again under its real reference)."""
    reason = (reason or "").strip()
    if not reason:
        raise DividendError("驳回须填写原因。", code="dividend.reason")
    _check_staff(by)
    distribution, funding = _lock_funding(funding)
    _move(
        funding,
        FundingStatus.REJECTED,
        by=by,
        kind=STAFF,
        action="dividend.fund_reject",
        reason=reason,
        data={"distribution": distribution.pk, "bank_reference": funding.bank_reference},
    )
    funding_rejected_notify(distribution, funding, reason)
    return funding


def fundings_lapse(distribution: Distribution, *, reason: str) -> tuple[int, int]:
    """Declarations still unconfirmed when the cash part is judged (or the plan withdrawn) lapse: they
    never count. Returns (how many, their amount) for the note the issuer is told. The caller holds the
    distribution's lock (the deadline's step, the withdrawal)."""
    pending = list(Funding.objects.select_for_update().filter(distribution=distribution, status=FundingStatus.DECLARED))
    for funding in pending:
        data = {"distribution": distribution.pk, "bank_reference": funding.bank_reference}
        _move(
            funding, FundingStatus.LAPSED, by=None, kind=SYSTEM, action="dividend.fund_lapse", reason=reason, data=data
        )
    return len(pending), sum(f.amount_fen for f in pending)


def pending_note(count: int, amount_fen: int) -> str:
    """The sentence the issuer reads about declarations that did not count."""
    if not count:
        return ""
    return f"另有 {count} 笔代派资金登记（合计 {_fen(amount_fen)} 元）截至判定时未经本公司确认到账，不予计入。"
