"""Demo fees (order 90): the example schedule, a paid and invoiced notice for issuer A and an unpaid
one for issuer B. Idempotent: schedule rows by (code, effective_from), notices by reference."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from csdp.accounts.models import Institution, User
from csdp.clock.services import business_today, trading_day_offset
from csdp.fees.models import FeeBase, FeeSchedule, PayerKind, PaymentNotice
from csdp.fees.services import payment_notice_issue, invoice_issue, payment_record
from csdp.fees.states import NoticeStatus
from csdp.accounts.demo import ISSUER_A, ISSUER_B, register_seeder

SINCE = dt.date(2024, 1, 1)
EXAMPLE_NOTE = "示例数值：中国结算北京市场收费标准未能公开查得，以中国结算网站公布的一览表为准。"
# (code, name, base, rate, minimum_fen, cap_fen, payer) — example values, labelled as such everywhere.
# 非交易过户费 is the investor's: billed to the custodian participant of the applying account, which
# collects it from its client (代收; docs/restrictions.md), as stamp tax is collected for investors.
EXAMPLE_SCHEDULE = [
    ("share_registration", "股份登记费", FeeBase.SHARES, Decimal("0.2"), 0, 30_000_000, PayerKind.ISSUER),
    ("greenshoe_registration", "超额配售股份登记费", FeeBase.SHARES, Decimal("0.2"), 0, 30_000_000, PayerKind.ISSUER),
    ("non_trade_transfer", "非交易过户费", FeeBase.SHARES, Decimal("1"), 100, None, PayerKind.INVESTOR),
    ("stamp_tax", "印花税（代收）", FeeBase.AMOUNT, Decimal("1"), 0, None, PayerKind.INVESTOR),
]


def seed_schedule() -> None:
    for code, name, base, rate, minimum_fen, cap_fen, payer in EXAMPLE_SCHEDULE:
        row, created = FeeSchedule.objects.get_or_create(
            code=code,
            effective_from=SINCE,
            defaults={
                "name": name,
                "base": base,
                "rate": rate,
                "minimum_fen": minimum_fen,
                "cap_fen": cap_fen,
                "payer": payer,
                "is_example": True,
                "note": EXAMPLE_NOTE,
            },
        )
        if not created and row.is_example and row.created_by_id is None and row.payer != payer:
            # A demo seeded before its 非交易过户费 payer was corrected (主承销商, which no transfer could be
            # billed to): the demo's own example row, never an administrator's version, takes the payer.
            row.payer = payer
            row.save(update_fields=["payer"])


def _notice(spec, shares: int, operator) -> PaymentNotice:
    payer = Institution.objects.get(kind=spec[0], code=spec[2])
    reference_id = f"demo-registration-{spec[2]}"
    existing = PaymentNotice.objects.filter(reference_type="demo", reference_id=reference_id).first()
    if existing is not None:
        return existing
    return payment_notice_issue(
        payer=payer,
        reference_type="demo",
        reference_id=reference_id,
        reference_label=f"{spec[1]} 公开发行股份登记费（演示）",
        lines=[("share_registration", shares)],
        due_date=trading_day_offset(business_today(), 5),
        actor=operator,
    )


@register_seeder(order=90)
def seed_fees() -> None:
    seed_schedule()
    operator = User.objects.filter(username="operator").first()
    if operator is None:
        return
    paid = _notice(ISSUER_A, 20_000_000, operator)
    if paid.status == NoticeStatus.ISSUED:
        payment_record(notice=paid, amount_fen=paid.total_fen, bank_reference="DEMO-BANK-0001", actor=operator)
        paid.refresh_from_db()
    if paid.status == NoticeStatus.PAID:
        invoice_issue(notice=paid, actor=operator)
    _notice(ISSUER_B, 15_000_000, operator)
