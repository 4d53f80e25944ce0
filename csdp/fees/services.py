"""Fee writes: schedule versions, payment notices, payments and invoices (002 §2.1.2(五), §2.2.3).

Public functions other apps call: fee_compute (re-exported from compute), payment_notice_quotes,
payment_notice_issue, payment_record, invoice_issue, payment_notice_cancel, registration_fee_notice.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from csdp.audit.services import audit_record
from csdp.clock.services import business_today, clock_now, trading_day_offset
from csdp.fees.compute import EXEMPTIONS, FeeQuote, fee_compute  # noqa: F401  (public re-export)
from csdp.fees.models import (
    FeeSchedule,
    NoticeTransition,
    PayerKind,
    PaymentDeclaration,
    PaymentNotice,
    PaymentNoticeLine,
)
from csdp.fees.money import fen_to_yuan
from csdp.fees.states import FeeRefused, NoticeStatus
from csdp.fees.workflow import actor_label, lock_notice, move, next_number, tell_payer
from csdp.keys.signing import submission_signed

REGISTRATION_ITEM = "share_registration"


# --- schedule --------------------------------------------------------------------------------


@transaction.atomic
def fee_schedule_version_add(
    *,
    code: str,
    name: str,
    base: str,
    rate,
    minimum_fen: int,
    cap_fen: int | None,
    payer: str,
    effective_from: dt.date,
    is_example: bool,
    note: str = "",
    actor,
) -> FeeSchedule:
    """Add a version of a fee item from ``effective_from``; the version in force before it ends the
    day before. Past days are not rewritten: notices already issued keep the rate they used."""
    if effective_from < business_today():
        raise FeeRefused("新费率的生效日期不能早于今天（已出具的付款通知按原费率计算）。")
    if cap_fen is not None and cap_fen < minimum_fen:
        raise FeeRefused("最高收费不能低于最低收费。")
    versions = list(FeeSchedule.objects.select_for_update().filter(code=code).order_by("pk"))
    if any(v.effective_from >= effective_from for v in versions):
        raise FeeRefused("已有同日或更晚生效的版本；新版本的生效日期须晚于现有各版本。")
    for version in versions:
        if version.effective_to is None or version.effective_to >= effective_from:
            version.effective_to = effective_from - dt.timedelta(days=1)
            version.save(update_fields=["effective_to"])
    row = FeeSchedule.objects.create(
        code=code,
        name=name,
        base=base,
        rate=rate,
        minimum_fen=minimum_fen,
        cap_fen=cap_fen,
        payer=payer,
        effective_from=effective_from,
        is_example=is_example,
        note=note,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        obj=row,
        action="fee_schedule.version_add",
        to_state=str(effective_from),
        data={
            "code": code,
            "rate": str(rate),
            "base": base,
            "minimum_fen": minimum_fen,
            "cap_fen": cap_fen,
            "is_example": is_example,
        },
    )
    return row


# --- notices ---------------------------------------------------------------------------------


def payment_notice_quotes(*, payer, lines, on: dt.date) -> list[FeeQuote]:
    """The lines as ``payment_notice_issue`` would bill them to ``payer`` on ``on``, refusing what it would
    refuse (no version in force, a payer of the wrong kind): a business that bills later (at approval)
    runs it when it quotes (at 经办), so a schedule that cannot bill is refused there already."""
    quotes = []
    for line in lines:
        item, base_value, exempt = (tuple(line) + ("",))[:3]
        quote = fee_compute(item=item, base_value=base_value, on=on, exempt=exempt)
        payer_kind = quote.schedule.payer
        if not exempt and payer_kind != PayerKind.INVESTOR and payer.kind != payer_kind:
            # Investor-borne items (stamp tax) are collected through whoever is billed (代收).
            raise FeeRefused(
                f"“{quote.name}”的缴费方为{PayerKind(payer_kind).label}，不能向{payer.get_kind_display()}收取。"
            )
        quotes.append(quote)
    return quotes


@transaction.atomic
def payment_notice_issue(
    *, payer, reference_type: str, reference_id, reference_label: str, lines, due_date: dt.date, actor
) -> PaymentNotice:
    """Issue a numbered 付款通知. ``lines``: (item, base_value) or (item, base_value, exempt_reason)."""
    on = business_today()
    if not lines:
        raise FeeRefused("付款通知至少需要一个收费项目。")
    if due_date < on:
        raise FeeRefused("缴费截止日不能早于今天。")
    quotes = payment_notice_quotes(payer=payer, lines=lines, on=on)
    total_fen = sum(q.amount_fen for q in quotes)
    if total_fen <= 0:
        raise FeeRefused("各收费项目金额均为零（免收或无计费基数），无需出具付款通知。")
    notice = PaymentNotice.objects.create(
        number=next_number("notice", "JF", 6, on.year),
        payer=payer,
        reference_type=reference_type,
        reference_id=str(reference_id),
        reference_label=reference_label,
        due_date=due_date,
        total_fen=total_fen,
        issued_on=on,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    PaymentNoticeLine.objects.bulk_create(
        [
            PaymentNoticeLine(
                notice=notice,
                position=i,
                schedule=q.schedule,
                item_code=q.item,
                item_name=q.name,
                base=q.base,
                base_value=q.base_value,
                rate=q.rate,
                amount_fen=q.amount_fen,
                exempt_reason=q.exempt_reason,
                is_example=q.is_example,
            )
            for i, q in enumerate(quotes, start=1)
        ]
    )
    NoticeTransition.objects.create(
        notice=notice,
        from_state="",
        to_state=NoticeStatus.ISSUED,
        actor=notice.issued_by,
        actor_label=actor_label(actor),
        reason=reference_label,
        at=clock_now(),
    )
    audit_record(
        actor=actor,
        obj=notice,
        action="fee_notice.issued",
        to_state=NoticeStatus.ISSUED,
        reason=reference_label,
        data={"number": notice.number, "total_fen": total_fen},
    )
    tell_payer(
        payer,
        subject=f"付款通知 {notice.number}",
        body=f"{reference_label}：应缴 {fen_to_yuan(total_fen):,.2f} 元，请于 {due_date:%Y-%m-%d} 前缴纳。",
    )
    return notice


def registration_fee_notice(*, offering, registered_shares: int, actor) -> PaymentNotice:
    """002 §2.1.2(五)1: once the issuer confirms the registration data, bill the share registration fee
    on the shares registered. Called again for the same offering, it returns the notice already open
    (or paid) instead of billing twice."""
    existing = (
        PaymentNotice.objects.filter(
            reference_type="ipo.offering", reference_id=str(offering.pk), lines__item_code=REGISTRATION_ITEM
        )
        .exclude(status=NoticeStatus.CANCELLED)
        .first()
    )
    if existing is not None:
        return existing
    today = business_today()
    # 附件1: the fee is paid between T+2 and L-2; never earlier than five trading days from today.
    due = max(trading_day_offset(offering.listing_date, -2), trading_day_offset(today, 5))
    return payment_notice_issue(
        payer=offering.issuer,
        reference_type="ipo.offering",
        reference_id=offering.pk,
        reference_label=f"{offering.code} {offering.name} 公开发行股份登记费",
        lines=[(REGISTRATION_ITEM, int(registered_shares))],
        due_date=due,
        actor=actor,
    )


def declaration_content(*, notice: PaymentNotice, amount_fen: int, bank_reference: str, paid_on: dt.date) -> dict:
    """What the payer signs when it declares a payment."""
    return {
        "kind": "fee_payment_declaration",
        "notice": notice.number,
        "amount_fen": amount_fen,
        "bank_reference": bank_reference,
        "paid_on": paid_on.isoformat(),
    }


@transaction.atomic
def payment_declare(
    *, notice: PaymentNotice, amount_fen: int, bank_reference: str, paid_on: dt.date, user, signature_payload: str
) -> PaymentDeclaration:
    """The payer says it has paid, signed with its key (verified here, under the notice's lock; a missing
    or wrong signature is refused whoever calls): staff still confirm against the bank."""
    notice = lock_notice(notice)
    if notice.status != NoticeStatus.ISSUED:
        raise FeeRefused(f"付款通知当前状态为“{notice.get_status_display()}”，无需申报付款。")
    signature = submission_signed(
        user=user,
        payload=signature_payload,
        content=declaration_content(
            notice=notice, amount_fen=amount_fen, bank_reference=bank_reference, paid_on=paid_on
        ),
    )
    declaration = PaymentDeclaration.objects.create(
        notice=notice,
        amount_fen=amount_fen,
        bank_reference=bank_reference,
        paid_on=paid_on,
        declared_by=user,
        signature=signature,
    )
    audit_record(
        actor=user,
        obj=notice,
        action="fee_notice.payment_declared",
        reason=bank_reference,
        data={"amount_fen": amount_fen, "paid_on": paid_on.isoformat()},
    )
    return declaration


@transaction.atomic
def payment_notice_cancel(*, notice: PaymentNotice, actor, reason: str) -> PaymentNotice:
    if not (reason or "").strip():
        raise FeeRefused("作废付款通知须填写原因。")
    notice = lock_notice(notice)
    move(notice, to_state=NoticeStatus.CANCELLED, actor=actor, reason=reason.strip())
    tell_payer(notice.payer, subject=f"付款通知 {notice.number} 已作废", body=reason.strip())
    return notice


from csdp.fees.invoicing import invoice_issue  # noqa: E402,F401  (public, documented in docs/fees.md)
from csdp.fees.payments import payment_record  # noqa: E402,F401
