"""Payment notices from issue to invoice: numbering, the ledger transfer, idempotent receipts, the
invoice built from the VAT information in force, and every refused transition."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from csdp.audit.models import AuditEvent
from csdp.clock.services import business_today, clock_set
from csdp.fees import services
from csdp.fees.invoicing import split_tax
from csdp.fees.models import DeliveryMethod, Invoice, NoticeTransition, Payment
from csdp.fees.payments import fees_account, payer_bank_account
from csdp.fees.states import NOTICE_TRANSITIONS, FeeRefused, NoticeStatus, check_transition
from csdp.ledger.models import AccountKind, Transfer
from csdp.ledger.selectors import balance_of
from csdp.notify.models import OutboxMessage
from tests.fees import factories

pytestmark = pytest.mark.django_db
SHARES = 20_000_000  # × 0.2‰ = 4,000.00 yuan


def _pay(notice, actor, reference="BANK-001"):
    return services.payment_record(notice=notice, amount_fen=notice.total_fen, bank_reference=reference, actor=actor)


def test_a_notice_is_numbered_lists_its_lines_and_tells_the_payer(cast):
    cast.operator.display_name = "周办理"
    cast.operator.save(update_fields=["display_name"])
    notice = factories.notice(cast.issuer_a, shares=SHARES, actor=cast.operator)
    year = business_today().year
    assert notice.number == f"JF{year}000001"
    assert (notice.total_fen, notice.status, notice.payer) == (400_000, NoticeStatus.ISSUED, cast.issuer_a.institution)
    line = notice.lines.get()
    assert (line.item_code, line.base_value, line.amount_fen, line.is_example) == (
        "share_registration",
        SHARES,
        400_000,
        True,
    )
    assert list(notice.transitions.values_list("from_state", "to_state")) == [("", "issued")]
    assert notice.transitions.get().actor_label == "周办理"  # the 处理记录 names a person, not a login
    assert AuditEvent.objects.filter(object_type="fees.paymentnotice", action="fee_notice.issued").count() == 1
    assert OutboxMessage.objects.filter(purpose="fee_notice", recipient=cast.issuer_a.email).exists()
    assert factories.notice(cast.issuer_a, actor=cast.operator).number == f"JF{year}000002"


def test_it_refuses_a_notice_due_in_the_past_or_with_nothing_to_pay(cast):
    factories.example_schedule()
    with pytest.raises(FeeRefused, match="截止日"):
        services.payment_notice_issue(
            payer=cast.issuer_a.institution,
            reference_type="t",
            reference_id=1,
            reference_label="x",
            lines=[("share_registration", 1000)],
            due_date=business_today() - dt.timedelta(days=1),
            actor=cast.operator,
        )
    with pytest.raises(FeeRefused, match="均为零"):
        services.payment_notice_issue(
            payer=cast.underwriter.institution,
            reference_type="t",
            reference_id=1,
            reference_label="x",
            due_date=business_today(),
            actor=cast.operator,
            lines=[("non_trade_transfer", 1000, "002 §2.2.3"), ("stamp_tax", 9000, "002 §2.2.3")],
        )


def test_it_refuses_to_bill_an_issuer_fee_to_an_underwriter(cast):
    factories.example_schedule()
    with pytest.raises(FeeRefused, match="缴费方为发行人"):
        services.payment_notice_issue(
            payer=cast.underwriter.institution,
            reference_type="t",
            reference_id=1,
            reference_label="x",
            lines=[("share_registration", 1000)],
            due_date=business_today(),
            actor=cast.operator,
        )


def test_a_greenshoe_notice_keeps_the_waived_lines_at_zero_with_their_reason(cast):
    factories.example_schedule()
    notice = services.payment_notice_issue(
        payer=cast.underwriter.institution,
        reference_type="greenshoe",
        reference_id=7,
        reference_label="超额配售过户",
        due_date=business_today(),
        actor=cast.operator,
        lines=[
            ("non_trade_transfer", 1_500_000, "002 §2.2.3"),
            ("stamp_tax", 1_800_000_000, "002 §2.2.3"),
            ("non_trade_transfer", 10_000),
        ],
    )
    amounts = list(notice.lines.values_list("item_code", "amount_fen", "exempt_reason"))
    assert amounts == [
        ("non_trade_transfer", 0, "002 §2.2.3"),
        ("stamp_tax", 0, "002 §2.2.3"),
        ("non_trade_transfer", 1000, ""),
    ]
    assert notice.total_fen == 1000


def test_a_payment_moves_the_money_from_the_payers_bank_account_to_the_fees_account(cast):
    notice = factories.notice(cast.issuer_a, shares=SHARES, actor=cast.operator)
    payment = _pay(notice, cast.operator)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PAID
    bank = payer_bank_account(cast.issuer_a.institution)
    assert (bank.kind, bank.owner) == (AccountKind.ISSUER_BANK, cast.issuer_a.institution)
    assert (payment.transfer.debit_account, payment.transfer.credit_account) == (bank, fees_account())
    assert balance_of(fees_account()).posted_fen == 400_000
    assert list(notice.transitions.values_list("to_state", flat=True)) == ["issued", "paid"]


def test_an_underwriters_payment_enters_through_the_depository_bank_account(cast):
    factories.example_schedule()
    notice = services.payment_notice_issue(
        payer=cast.underwriter.institution,
        reference_type="t",
        reference_id=1,
        reference_label="过户",
        lines=[("non_trade_transfer", 10_000)],
        due_date=business_today(),
        actor=cast.operator,
    )
    payment = _pay(notice, cast.operator)
    assert payment.transfer.debit_account.kind == AccountKind.DEPOSITORY_BANK


def test_recording_the_same_bank_reference_twice_records_one_payment_and_one_transfer(cast):
    notice = factories.notice(cast.issuer_a, actor=cast.operator)
    first = _pay(notice, cast.operator)
    again = _pay(notice, cast.operator)
    assert first.pk == again.pk
    assert Payment.objects.count() == 1
    assert Transfer.objects.filter(code="FEE_PAYMENT").count() == 1


def test_one_bank_reference_typed_in_another_case_or_width_records_one_payment(cast):
    notice = factories.notice(cast.issuer_a, actor=cast.operator)
    first = _pay(notice, cast.operator, reference="ICBC-001")
    for spelling in ("icbc-001", " Icbc-001 ", "ＩＣＢＣ－００１"):
        assert _pay(notice, cast.operator, reference=spelling).pk == first.pk
    assert Payment.objects.get().bank_reference == "ICBC-001"
    assert Transfer.objects.filter(code="FEE_PAYMENT").count() == 1


def test_a_payment_recorded_before_references_were_normalised_is_found_in_any_case(cast):
    notice = factories.notice(cast.issuer_a, actor=cast.operator)
    first = _pay(notice, cast.operator, reference="ABC-9")
    Payment.objects.filter(pk=first.pk).update(bank_reference="abc-9")  # as an older release stored it
    assert _pay(notice, cast.operator, reference="Abc-9").pk == first.pk
    assert Transfer.objects.filter(code="FEE_PAYMENT").count() == 1


def test_a_bank_reference_already_used_cannot_pay_another_notice(cast):
    first = factories.notice(cast.issuer_a, actor=cast.operator)
    second = factories.notice(cast.issuer_a, actor=cast.operator, reference_id="2")
    _pay(first, cast.operator)
    with pytest.raises(FeeRefused, match="已登记于付款通知"):
        _pay(second, cast.operator)


@pytest.mark.parametrize("delta_fen", [-1, 1])
def test_a_partial_or_excess_payment_is_refused_and_the_notice_stays_unpaid(cast, delta_fen):
    notice = factories.notice(cast.issuer_a, actor=cast.operator)
    with pytest.raises(FeeRefused, match="不符"):
        services.payment_record(
            notice=notice, amount_fen=notice.total_fen + delta_fen, bank_reference="B", actor=cast.operator
        )
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ISSUED
    assert not Payment.objects.exists() and not Transfer.objects.filter(code="FEE_PAYMENT").exists()


def test_an_electronic_ordinary_invoice_is_emailed_to_the_address_in_the_vat_information(cast):
    notice = factories.notice(cast.issuer_a, shares=SHARES, actor=cast.operator)
    factories.invoice_info(cast.issuer_a.institution, paper=False, email="fapiao@jia.test")
    _pay(notice, cast.operator)
    invoice = services.invoice_issue(notice=notice, actor=cast.operator)
    assert (invoice.delivery, invoice.invoice_type_label) == (DeliveryMethod.EMAIL, "增值税电子普通发票")
    assert invoice.number == f"FP{business_today().year}00000001"
    mail = OutboxMessage.objects.get(purpose="fee_invoice")
    assert mail.recipient == "fapiao@jia.test" and invoice.number in mail.subject and "4,000.00" in mail.body
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.INVOICED


def test_a_general_taxpayers_special_invoice_is_paper_and_mailed_to_the_address_in_the_vat_information(cast):
    notice = factories.notice(cast.issuer_a, actor=cast.operator)
    factories.invoice_info(cast.issuer_a.institution, paper=True)
    _pay(notice, cast.operator)
    invoice = services.invoice_issue(notice=notice, actor=cast.operator)
    assert (invoice.delivery, invoice.invoice_type_label, invoice.taxpayer_type_label) == (
        DeliveryMethod.MAIL,
        "纸质增值税专用发票",
        "一般纳税人",
    )
    assert invoice.address_phone.startswith("北京市海淀区中关村大街 1 号")
    assert not OutboxMessage.objects.filter(purpose="fee_invoice").exists()
    told = OutboxMessage.objects.filter(
        purpose="fee_notice", subject__contains=invoice.number, recipient=cast.issuer_a.email
    )
    assert "邮寄至：北京市海淀区中关村大街" in told.get().body


def test_the_invoice_uses_the_vat_information_in_force_and_a_later_change_does_not_alter_it(cast):
    clock_set(moment=dt.datetime(2026, 3, 18, 10, 0), frozen=True)
    institution = cast.issuer_a.institution
    factories.invoice_info(institution, title="甲发行人（旧名称）", since=dt.date(2026, 1, 1))
    factories.invoice_info(institution, title="甲发行人（次日生效）", since=dt.date(2026, 3, 19))
    notice = factories.notice(cast.issuer_a, actor=cast.operator)
    _pay(notice, cast.operator)
    invoice = services.invoice_issue(notice=notice, actor=cast.operator)
    assert invoice.title == "甲发行人（旧名称）"
    clock_set(moment=dt.datetime(2026, 3, 19, 10, 0), frozen=True)
    later = factories.notice(cast.issuer_a, actor=cast.operator, reference_id="later")
    _pay(later, cast.operator, reference="BANK-002")
    assert services.invoice_issue(notice=later, actor=cast.operator).title == "甲发行人（次日生效）"
    assert Invoice.objects.get(pk=invoice.pk).title == "甲发行人（旧名称）"


def test_it_refuses_to_invoice_a_payer_without_vat_information(cast):
    notice = factories.notice(cast.issuer_a, actor=cast.operator)
    _pay(notice, cast.operator)
    with pytest.raises(FeeRefused, match="增值税发票信息"):
        services.invoice_issue(notice=notice, actor=cast.operator)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PAID and not Invoice.objects.exists()


def test_the_tax_is_split_from_the_tax_inclusive_total_half_up():
    from decimal import Decimal

    assert split_tax(400_000, Decimal("0.06")) == (377_358, 22_642)  # 377,358.49 → 377,358
    assert split_tax(3_000_000, Decimal("0.06")) == (2_830_189, 169_811)  # 2,830,188.68 → 2,830,189
    assert split_tax(100, Decimal("0")) == (100, 0)


ALL_PAIRS = [(a, b) for a, b in itertools.product(NoticeStatus.values, repeat=2) if b not in NOTICE_TRANSITIONS[a]]


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_every_transition_outside_the_table_is_refused(current, target):
    with pytest.raises(FeeRefused, match="不能变更为"):
        check_transition(current, target)


def _in_state(cast, state):
    factories.invoice_info(cast.issuer_a.institution)
    notice = factories.notice(cast.issuer_a, actor=cast.operator, reference_id=state)
    if state == NoticeStatus.CANCELLED:
        services.payment_notice_cancel(notice=notice, actor=cast.operator, reason="重复出具")
    if state in (NoticeStatus.PAID, NoticeStatus.INVOICED):
        _pay(notice, cast.operator, reference=f"B-{state}")
    if state == NoticeStatus.INVOICED:
        services.invoice_issue(notice=notice, actor=cast.operator)
    notice.refresh_from_db()
    return notice


ACTIONS = {
    "pay": lambda n, c: services.payment_record(
        notice=n, amount_fen=n.total_fen, bank_reference=f"NEW-{n.pk}", actor=c.operator
    ),
    "invoice": lambda n, c: services.invoice_issue(notice=n, actor=c.operator),
    "cancel": lambda n, c: services.payment_notice_cancel(notice=n, actor=c.operator, reason="测试"),
}
REFUSED = (
    [("pay", s) for s in ("paid", "invoiced", "cancelled")]
    + [("invoice", s) for s in ("issued", "invoiced", "cancelled")]
    + [("cancel", s) for s in ("paid", "invoiced", "cancelled")]
)


@pytest.mark.parametrize(("action", "state"), REFUSED)
def test_each_service_refuses_a_notice_in_the_wrong_state_and_changes_nothing(cast, action, state):
    notice = _in_state(cast, state)
    rows = NoticeTransition.objects.count()
    with pytest.raises(FeeRefused, match="不能变更为"):
        ACTIONS[action](notice, cast)
    notice.refresh_from_db()
    assert notice.status == state and NoticeTransition.objects.count() == rows


def test_a_cancellation_needs_a_reason(cast):
    notice = factories.notice(cast.issuer_a, actor=cast.operator)
    with pytest.raises(FeeRefused, match="原因"):
        services.payment_notice_cancel(notice=notice, actor=cast.operator, reason="  ")


def test_a_declaration_is_only_taken_for_an_unpaid_notice(cast):
    notice = _in_state(cast, NoticeStatus.PAID)
    with pytest.raises(FeeRefused, match="无需申报"):
        services.payment_declare(
            notice=notice,
            amount_fen=1,
            bank_reference="x",
            paid_on=business_today(),
            user=cast.issuer_a,
            signature_payload="",
        )
