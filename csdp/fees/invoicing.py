"""Issuing the invoice once the money has arrived (002 §2.1.2(五)2; 000 §二(三) for the invoice kinds).

The buyer's fields come from the VAT invoice information in force on the day of issue
(csdp.issuers.selectors.effective_invoice_info) and are copied onto the Invoice row.
增值税专用发票 is paper and is mailed to the address in that information; 增值税电子普通发票 is
e-mailed to the address given there.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import transaction

from csdp.audit.services import audit_record
from csdp.clock.services import business_today
from csdp.fees.models import DeliveryMethod, Invoice, PaymentNotice
from csdp.fees.money import fee_context, fen_to_yuan, round_fen
from csdp.fees.states import FeeRefused, NoticeStatus, check_transition
from csdp.fees.workflow import lock_notice, move, next_number, tell_payer
from csdp.issuers.choices import InvoiceType
from csdp.issuers.selectors import effective_invoice_info
from csdp.notify.services import notify_email

DEFAULT_VAT_RATE = Decimal("0.06")  # registration services are taxed as modern services (6%)


def vat_rate() -> Decimal:
    """The VAT rate, configurable with settings.CSDP_FEES_VAT_RATE (a decimal string, e.g. "0.06")."""
    rate = Decimal(str(getattr(settings, "CSDP_FEES_VAT_RATE", DEFAULT_VAT_RATE)))
    if not Decimal(0) <= rate < Decimal(1):
        raise FeeRefused("增值税税率配置有误。")
    return rate


def split_tax(total_fen: int, rate: Decimal) -> tuple[int, int]:
    """Fees are tax-inclusive: net = total / (1 + rate) rounded half-up to the fen; tax = the rest."""
    ctx = fee_context()
    net_fen = round_fen(ctx.divide(Decimal(total_fen), ctx.add(Decimal(1), rate)))
    return net_fen, total_fen - net_fen


def _body(invoice: Invoice) -> str:
    return (
        f"发票号码 {invoice.number}（{invoice.invoice_type_label}）\n购买方：{invoice.title}（{invoice.taxpayer_id}）\n"
        f"金额 {fen_to_yuan(invoice.net_fen):,.2f} 元，税额 {fen_to_yuan(invoice.tax_fen):,.2f} 元"
        f"（税率 {invoice.tax_rate:%}），价税合计 {fen_to_yuan(invoice.total_fen):,.2f} 元。\n"
        f"对应付款通知 {invoice.notice.number}：{invoice.notice.reference_label}"
    )


@transaction.atomic
def invoice_issue(*, notice: PaymentNotice, actor) -> Invoice:
    notice = lock_notice(notice)
    check_transition(notice.status, NoticeStatus.INVOICED)
    today = business_today()
    info = effective_invoice_info(notice.payer, on=today)
    if info is None:
        raise FeeRefused(
            f"{notice.payer.name} 尚无生效的增值税发票信息，请通知其在“增值税发票信息”中填报（次日生效）。"
        )
    paper = info.invoice_type == InvoiceType.PAPER_SPECIAL
    if not paper and not info.email:
        raise FeeRefused("增值税发票信息中没有接收电子发票的邮箱。")
    rate = vat_rate()
    net_fen, tax_fen = split_tax(notice.total_fen, rate)
    invoice = Invoice.objects.create(
        notice=notice,
        number=next_number("invoice", "FP", 8, today.year),
        invoice_type=info.invoice_type,
        invoice_type_label=info.get_invoice_type_display(),
        taxpayer_type_label=info.get_taxpayer_type_display(),
        delivery=DeliveryMethod.MAIL if paper else DeliveryMethod.EMAIL,
        total_fen=notice.total_fen,
        net_fen=net_fen,
        tax_fen=tax_fen,
        tax_rate=rate,
        title=info.title,
        taxpayer_id=info.taxpayer_id,
        address_phone=info.address_phone,
        bank_account=info.bank_account,
        email=info.email,
        securities_code=info.securities_code,
        invoice_info=info,
        issued_on=today,
        issued_by=actor,
    )
    move(notice, to_state=NoticeStatus.INVOICED, actor=actor, reason=f"发票 {invoice.number}")
    audit_record(
        actor=actor,
        obj=invoice,
        action="fee_invoice.issue",
        reason=invoice.number,
        data={"notice": notice.number, "delivery": invoice.delivery, "invoice_info_id": info.pk},
    )
    if paper:
        tell_payer(
            notice.payer,
            subject=f"发票 {invoice.number} 已开具",
            body=f"纸质增值税专用发票将邮寄至：{invoice.address_phone}",
        )
    else:
        notify_email(
            to=info.email, subject=f"增值税电子普通发票 {invoice.number}", body=_body(invoice), purpose="fee_invoice"
        )
    return invoice
