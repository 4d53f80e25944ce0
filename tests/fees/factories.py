"""Builders for fee tests: a schedule in force since 2000, notices, VAT invoice info."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from csdp.clock.services import business_today
from csdp.fees.models import FeeBase, FeeSchedule, PayerKind
from csdp.issuers.choices import InvoiceType, TaxpayerType
from csdp.issuers.models import InvoiceInfo

SINCE = dt.date(2000, 1, 1)


def schedule(
    code="share_registration",
    *,
    name="股份登记费",
    base=FeeBase.SHARES,
    rate="0.2",
    minimum_fen=0,
    cap_fen=None,
    payer=PayerKind.ISSUER,
    since=SINCE,
    until=None,
    is_example=True,
) -> FeeSchedule:
    row, _ = FeeSchedule.objects.get_or_create(
        code=code,
        effective_from=since,
        defaults={
            "name": name,
            "base": base,
            "rate": Decimal(rate),
            "minimum_fen": minimum_fen,
            "cap_fen": cap_fen,
            "payer": payer,
            "effective_to": until,
            "is_example": is_example,
        },
    )
    return row


def example_schedule() -> None:
    schedule()
    schedule("greenshoe_registration", name="超额配售股份登记费")
    schedule("non_trade_transfer", name="非交易过户费", rate="1", minimum_fen=100, payer=PayerKind.INVESTOR)
    schedule("stamp_tax", name="印花税（代收）", base=FeeBase.AMOUNT, rate="1", payer=PayerKind.INVESTOR)


def notice(user_or_institution, *, shares=10_000_000, actor=None, reference_id="1"):
    from csdp.fees.services import payment_notice_issue

    example_schedule()
    payer = getattr(user_or_institution, "institution", None) or user_or_institution
    return payment_notice_issue(
        payer=payer,
        reference_type="test",
        reference_id=reference_id,
        reference_label="测试股份登记费",
        lines=[("share_registration", shares)],
        due_date=business_today() + dt.timedelta(days=10),
        actor=actor,
    )


def invoice_info(institution, *, paper=False, since=SINCE, title=None, email="invoice@example.test") -> InvoiceInfo:
    return InvoiceInfo.objects.create(
        institution=institution,
        effective_from=since,
        taxpayer_type=TaxpayerType.GENERAL if paper else TaxpayerType.SMALL,
        invoice_type=InvoiceType.PAPER_SPECIAL if paper else InvoiceType.E_ORDINARY,
        securities_code="920001",
        title=title or institution.name,
        taxpayer_id="91110108MA01ABCD1E",
        address_phone="北京市海淀区中关村大街 1 号 010-88886666",
        bank_account="工商银行中关村支行 0200001234567890123",
        email=email,
    )
