"""Recording the money that arrives for a payment notice (002 §2.1.2(五)2: 在确认款项到账后).

Policy: a receipt must equal the notice's total. A partial or excess amount is refused and the
notice stays 待缴费; staff settle the difference with the payer off the platform (a refund or a
top-up) and record the one receipt that matches. This keeps a notice paid exactly once and the
invoice equal to what was billed.
"""

from __future__ import annotations

import datetime as dt

from django.db.models.functions import Trim, Upper
from django.db import IntegrityError, transaction

from csdp.accounts.roles import InstitutionKind
from csdp.audit.services import audit_record
from csdp.clock.services import business_today, clock_now
from csdp.fees.models import Payment, PaymentNotice
from csdp.fees.money import fen_to_yuan
from csdp.fees.states import FeeRefused, NoticeStatus, check_transition
from csdp.fees.workflow import lock_notice, move, tell_payer
from csdp.ledger.models import AccountKind, LedgerAccount
from csdp.ledger.services import ledger_account_open, LedgerError, transfer_post
from csdp.lib.ids import bank_reference_normal

FEES_ACCOUNT_NUMBER = "CSDC-FEES"
DEPOSITORY_BANK_NUMBER = "CSDC-BJ-BANK"


def fees_account():
    account = LedgerAccount.objects.filter(kind=AccountKind.FEES).order_by("pk").first()
    return account or ledger_account_open(number=FEES_ACCOUNT_NUMBER, name="登记费用户", kind=AccountKind.FEES)


def payer_bank_account(payer):
    """The payer's external account the money leaves from. Issuers have one (ISSUER_BANK, opened by the
    IPO set-up or here); other payers' banks are outside our books, so their money is booked as
    entering through the depository's own bank account (DEPOSITORY_BANK)."""
    own = LedgerAccount.objects.filter(owner=payer, kind=AccountKind.ISSUER_BANK).order_by("pk").first()
    if own is not None:
        return own
    if payer.kind == InstitutionKind.ISSUER:
        return ledger_account_open(
            number=f"ISS-{payer.code}-BANK",
            name=f"{payer.name} 银行账户（外部）",
            kind=AccountKind.ISSUER_BANK,
            owner=payer,
        )
    bank = LedgerAccount.objects.filter(kind=AccountKind.DEPOSITORY_BANK).order_by("pk").first()
    return bank or ledger_account_open(
        number=DEPOSITORY_BANK_NUMBER, name="本公司结算备付金专用存款账户", kind=AccountKind.DEPOSITORY_BANK
    )


def _replay(bank_reference: str, notice: PaymentNotice, amount_fen: int) -> Payment | None:
    # Payments recorded before references were normalised may be stored in another case: compared as one.
    existing = (
        Payment.objects.annotate(normal=Upper(Trim("bank_reference")))
        .filter(normal=bank_reference)
        .order_by("pk")
        .first()
    )
    if existing is None:
        return None
    if existing.notice_id != notice.pk or existing.amount_fen != amount_fen:
        raise FeeRefused(
            f"银行流水号 {bank_reference} 已登记于付款通知 {existing.notice.number}"
            f"（{fen_to_yuan(existing.amount_fen):,.2f} 元），不能再用于其他款项。"
        )
    return existing


@transaction.atomic
def payment_record(
    *, notice: PaymentNotice, amount_fen: int, bank_reference: str, actor, received_on: dt.date | None = None
) -> Payment:
    """Staff record the money that arrived: one ledger transfer from the payer's bank account to the
    depository's FEES account, and the notice becomes 已缴费. Recording the same bank reference again
    returns the first payment and moves no money (idempotent)."""
    bank_reference = bank_reference_normal(bank_reference)  # ``icbc001`` is ``ICBC001``: one receipt
    if not bank_reference:
        raise FeeRefused("请填写银行流水号。")
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise FeeRefused("到账金额须为正数。")
    notice = lock_notice(notice)
    # Re-read under the lock: a concurrent recording of the same receipt has committed by now.
    replay = _replay(bank_reference, notice, amount_fen)
    if replay is not None:
        return replay
    check_transition(notice.status, NoticeStatus.PAID)
    if amount_fen != notice.total_fen:
        raise FeeRefused(
            f"到账金额 {fen_to_yuan(amount_fen):,.2f} 元与应缴金额 {fen_to_yuan(notice.total_fen):,.2f} 元不符："
            "不登记部分或超额缴款，请与缴费机构核对后登记与通知金额一致的到账款项。"
        )
    received_on = received_on or business_today()
    try:
        transfer = transfer_post(
            debit=payer_bank_account(notice.payer),
            credit=fees_account(),
            amount_fen=amount_fen,
            key=f"fees:payment:{bank_reference}",
            code="FEE_PAYMENT",
            business_date=received_on,
            memo=f"{notice.number} {notice.reference_label}"[:200],
        )
    except LedgerError as error:
        raise FeeRefused(error.message) from None
    try:
        payment = Payment.objects.create(
            notice=notice,
            amount_fen=amount_fen,
            bank_reference=bank_reference,
            transfer=transfer,
            received_on=received_on,
            recorded_by=actor,
            recorded_at=clock_now(),
        )
    except IntegrityError:
        # The same receipt was recorded for another notice at the same moment: the unique reference wins.
        raise FeeRefused(f"银行流水号 {bank_reference} 已被同时登记，请刷新后核对。") from None
    move(notice, to_state=NoticeStatus.PAID, actor=actor, reason=f"银行流水号 {bank_reference}")
    audit_record(
        actor=actor,
        obj=payment,
        action="fee_payment.record",
        reason=bank_reference,
        data={"notice": notice.number, "amount_fen": amount_fen, "transfer_id": transfer.pk},
    )
    tell_payer(
        notice.payer,
        subject=f"付款通知 {notice.number} 款项已到账",
        body=f"已确认到账 {fen_to_yuan(amount_fen):,.2f} 元，本公司将开具发票。",
    )
    return payment
