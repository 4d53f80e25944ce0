"""Fee pages and API: example labels, the payer's view and signed declaration, the office's receipt
and invoice forms, other issuers kept out (404), and the work lists."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from csdp.fees.models import FeeSchedule, PaymentDeclaration
from csdp.fees.services import invoice_issue, payment_record
from csdp.fees.states import NoticeStatus
from csdp.keys.testing import enrol_test_key, sign
from csdp.accounts.worklists import my_applications, staff_queue
from tests.fees import factories

pytestmark = pytest.mark.django_db


def _invoiced(cast):
    notice = factories.notice(cast.issuer_a, shares=20_000_000, actor=cast.operator, reference_id="inv")
    factories.invoice_info(cast.issuer_a.institution)
    payment_record(notice=notice, amount_fen=notice.total_fen, bank_reference="B-INV", actor=cast.operator)
    return invoice_issue(notice=notice, actor=cast.operator)


def test_the_schedule_page_labels_the_example_rates(cast, client_for):
    factories.example_schedule()
    page = client_for(cast.issuer_a).get(reverse("fees:schedule")).content.decode()
    assert "股份登记费" in page and "示例费率" in page and "0.2 ‰ × 股数（元）" in page
    assert page.count("<mark title=") == FeeSchedule.objects.count()


def test_the_administrator_adds_a_version_and_the_old_one_ends_the_day_before(cast, client_for):
    from csdp.clock.services import business_today

    old = factories.schedule()
    today = business_today()
    response = client_for(cast.admin).post(
        reverse("fees:schedule_new"),
        {
            "code": "share_registration",
            "name": "股份登记费",
            "base": "shares",
            "rate": "0.25",
            "minimum_yuan": "0",
            "cap_yuan": "300000",
            "payer": "issuer",
            "effective_from": today.isoformat(),
            "is_example": "on",
        },
    )
    assert response.status_code == 302
    new = FeeSchedule.objects.get(code="share_registration", effective_from=today)
    old.refresh_from_db()
    assert (new.cap_fen, new.is_example) == (30_000_000, True)
    assert old.effective_to == today.fromordinal(today.toordinal() - 1)


def test_the_schedule_form_refuses_a_cap_below_the_minimum_in_chinese(cast, client_for):
    response = client_for(cast.admin).post(
        reverse("fees:schedule_new"),
        {
            "code": "x",
            "name": "x",
            "base": "fixed",
            "rate": "1",
            "minimum_yuan": "10",
            "cap_yuan": "5",
            "payer": "issuer",
            "effective_from": "2099-01-01",
        },
    )
    assert "最高收费不能低于最低收费" in response.content.decode()
    assert not FeeSchedule.objects.filter(code="x").exists()


def test_the_payer_sees_its_notice_with_the_bank_details_and_a_printable_page(cast, client_for):
    notice = factories.notice(cast.issuer_a, shares=20_000_000, actor=cast.operator)
    client = client_for(cast.issuer_a)
    assert notice.number in client.get(reverse("fees:notice_list")).content.decode()
    page = client.get(reverse("fees:notice_detail", kwargs={"fee_notice_id": notice.pk})).content.decode()
    assert "收款账号" in page and "4,000.00" in page and "示例费率" in page and "付款申报" in page
    printed = client.get(reverse("fees:notice_print", kwargs={"fee_notice_id": notice.pk})).content.decode()
    assert (
        "<h1>付款通知</h1>" in printed
        and notice.number in printed
        and "中国证券登记结算有限责任公司北京分公司" in printed
    )


def test_another_issuer_cannot_see_the_notice_or_its_invoice(cast, client_for):
    invoice = _invoiced(cast)
    client = client_for(cast.issuer_b)
    for name, kwargs in (
        ("fees:notice_detail", {"fee_notice_id": invoice.notice_id}),
        ("fees:notice_print", {"fee_notice_id": invoice.notice_id}),
        ("fees:invoice_detail", {"fee_invoice_id": invoice.pk}),
        ("fees:invoice_download", {"fee_invoice_id": invoice.pk}),
    ):
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 404, name
    assert client.get(f"/api/v1/fees/notices/{invoice.notice_id}").status_code == 404
    assert client.get("/api/v1/fees/notices").json()["items"] == []
    assert client.get("/api/v1/fees/invoices").json()["items"] == []
    assert invoice.notice.number not in client.get(reverse("fees:notice_list")).content.decode()


def test_the_api_gives_the_payer_its_notices_with_lines_and_its_invoices(cast, client_for):
    invoice = _invoiced(cast)
    client = client_for(cast.issuer_a)
    notices = client.get("/api/v1/fees/notices").json()["items"]
    assert [(n["number"], n["status"], n["invoice_number"]) for n in notices] == [
        (invoice.notice.number, "invoiced", invoice.number)
    ]
    detail = client.get(f"/api/v1/fees/notices/{invoice.notice_id}").json()
    assert detail["lines"][0]["amount_fen"] == 400_000 and detail["lines"][0]["is_example"] is True
    invoices = client.get("/api/v1/fees/invoices").json()["items"]
    assert (invoices[0]["total_fen"], invoices[0]["net_fen"] + invoices[0]["tax_fen"]) == (400_000, 400_000)


def test_the_payer_reads_and_downloads_its_invoice(cast, client_for):
    invoice = _invoiced(cast)
    client = client_for(cast.issuer_a)
    page = client.get(reverse("fees:invoice_detail", kwargs={"fee_invoice_id": invoice.pk})).content.decode()
    assert invoice.number in page and "377,358.00" not in page and "3,773.58" in page
    download = client.get(reverse("fees:invoice_download", kwargs={"fee_invoice_id": invoice.pk}))
    assert download["Content-Disposition"] == f'attachment; filename="invoice-{invoice.number}.txt"'
    assert f"发票号码：{invoice.number}" in download.content.decode()


def test_the_office_records_the_payment_and_issues_the_invoice_through_the_pages(cast, client_for):
    notice = factories.notice(cast.issuer_a, shares=20_000_000, actor=cast.operator)
    factories.invoice_info(cast.issuer_a.institution, paper=True)
    client = client_for(cast.operator)
    url = reverse("fees:payment_record", kwargs={"fee_notice_id": notice.pk})
    wrong = client.post(
        url, {"amount_yuan": "3999.99", "bank_reference": "B1", "received_on": "2026-03-18"}, follow=True
    )
    assert "不符" in wrong.content.decode()
    client.post(url, {"amount_yuan": "4000.00", "bank_reference": "B1", "received_on": "2026-03-18"})
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PAID
    done = client.post(reverse("fees:invoice_issue", kwargs={"fee_notice_id": notice.pk}), follow=True)
    assert "已开具发票" in done.content.decode() and "邮寄" in done.content.decode()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.INVOICED


def test_a_reviewer_may_read_but_not_record_a_payment(cast, client_for):
    notice = factories.notice(cast.issuer_a, actor=cast.operator)
    client = client_for(cast.reviewer)
    assert client.get(reverse("fees:notice_detail", kwargs={"fee_notice_id": notice.pk})).status_code == 200
    response = client.post(
        reverse("fees:payment_record", kwargs={"fee_notice_id": notice.pk}),
        {"amount_yuan": "2000.00", "bank_reference": "B", "received_on": "2026-03-18"},
    )
    assert response.status_code == 403


def test_the_payers_declaration_is_signed_with_its_key(cast, client_for):
    notice = factories.notice(cast.issuer_a, shares=20_000_000, actor=cast.operator)
    key = enrol_test_key(cast.issuer_a)
    client = client_for(cast.issuer_a)
    url = reverse("fees:notice_declare", kwargs={"fee_notice_id": notice.pk})
    values = {"amount_yuan": "4000.00", "bank_reference": "ICBC-7788", "received_on": "2026-03-18"}
    confirm = client.post(url, values)
    assert confirm.status_code == 200 and "确认付款申报" in confirm.content.decode()
    unsigned = client.post(url, {**values, "confirm": "1"}, follow=True)
    assert not PaymentDeclaration.objects.exists() and "签名" in unsigned.content.decode()
    confirm = client.post(url, values)
    client.post(url, {**values, "confirm": "1", "key_signature": sign(key, confirm.context["signing"])})
    declaration = PaymentDeclaration.objects.get()
    assert (declaration.bank_reference, declaration.amount_fen) == ("ICBC-7788", 400_000)
    assert declaration.signature.verify()


def test_a_signature_over_other_values_is_refused(cast, client_for):
    notice = factories.notice(cast.issuer_a, shares=20_000_000, actor=cast.operator)
    key = enrol_test_key(cast.issuer_a)
    client = client_for(cast.issuer_a)
    url = reverse("fees:notice_declare", kwargs={"fee_notice_id": notice.pk})
    values = {"amount_yuan": "4000.00", "bank_reference": "ICBC-7788", "received_on": "2026-03-18"}
    payload = sign(key, client.post(url, values).context["signing"])
    client.post(url, {**values, "bank_reference": "ICBC-0000", "confirm": "1", "key_signature": payload})
    assert not PaymentDeclaration.objects.exists()


def test_the_work_lists_show_unpaid_notices_to_the_payer_and_declared_ones_to_the_office(cast):
    from csdp.fees.services import payment_declare

    notice = factories.notice(cast.issuer_a, actor=cast.operator)
    mine = [i for i in my_applications(cast.issuer_a) if i.kind == "付款通知"]
    assert [(i.title.split()[0], i.needs_action) for i in mine] == [(notice.number, True)]
    assert not [i for i in my_applications(cast.issuer_b) if i.kind == "付款通知"]
    assert not [i for i in staff_queue(cast.reviewer) if i.kind == "付款通知"]
    payment_declare(
        notice=notice,
        amount_fen=notice.total_fen,
        bank_reference="B",
        paid_on=notice.issued_on,
        user=cast.issuer_a,
        signature_payload=_signed(cast.issuer_a, notice, "B"),
    )
    office = [i for i in staff_queue(cast.operator) if i.kind == "付款通知"]
    assert [(i.status, i.needs_action) for i in office] == [("付款方已申报付款，待确认到账", True)]


def test_the_notice_list_does_not_grow_queries_with_its_rows(cast, client_for):
    client = client_for(cast.operator)
    _invoiced(cast)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("fees:notice_list"))
    for i in range(5):
        factories.notice(cast.issuer_b, actor=cast.operator, reference_id=f"q{i}")
    with CaptureQueriesContext(connection) as six:
        client.get(reverse("fees:notice_list"))
    assert len(six) == len(one)


def test_the_function_bar_offers_notices_to_payers_and_staff_and_participants_billed_for_collected_fees(cast):
    from csdp.accounts.menu import menu_for

    def labels(user):
        return {item["label"] for _, items in menu_for(user) for item in items}

    assert {"付款通知与发票", "收费标准"} <= labels(cast.issuer_a)
    assert {"付款通知", "收费标准"} <= labels(cast.operator)
    assert "付款通知与发票" in labels(cast.participant)  # billed for fees it collects (非交易过户)
    assert not {"付款通知与发票", "付款通知"} & labels(cast.pledge_user)


def _signed(user, notice, bank_reference: str) -> str:
    """What the payer's browser posts: its key's signature over the declaration."""
    from csdp.fees.services import declaration_content
    from csdp.keys.signing import signing_context, submission_digest
    from csdp.keys.testing import enrol_test_key, sign

    content = declaration_content(
        notice=notice, amount_fen=notice.total_fen, bank_reference=bank_reference, paid_on=notice.issued_on
    )
    return sign(enrol_test_key(user), signing_context(user=user, digest=submission_digest(content=content)))
