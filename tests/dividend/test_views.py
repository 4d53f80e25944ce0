"""The distribution's page and API: funding declared (idempotent by bank reference) and confirmed by a
different staff user, the amounts told honestly, another issuer sees nothing, a withdrawal prepared by an
operator and applied by a different reviewer."""

from __future__ import annotations

import json

import pytest

from csdp.approvals.models import Approval
from csdp.approvals.services import approval_approve
from csdp.dividend.models import Funding, Status
from tests.dividend.world import build, schedule


@pytest.fixture
def distribution(cast, settings, tmp_path):
    settings.CSDP_FILES_DIR = tmp_path
    build(cast.issuer_a)
    return schedule(cast.issuer_a)


def _fund(client, d, reference, amount):
    return client.post(
        f"/api/v1/dividend/distributions/{d.pk}/fundings",
        json.dumps({"bank_reference": reference, "amount_fen": amount}),
        content_type="application/json",
    )


def _act(client, d, funding_id, action, body):
    return client.post(
        f"/api/v1/dividend/distributions/{d.pk}/fundings/{funding_id}/{action}",
        json.dumps(body),
        content_type="application/json",
    )


def test_funding_declared_through_the_api_is_idempotent_by_bank_reference_and_not_yet_counted(
    distribution, cast, client_for
):
    client = client_for(cast.issuer_a)
    first = _fund(client, distribution, "CMB-20260601-1", 123_456)
    assert first.status_code == 200 and (first.json()["funded_fen"], first.json()["pending_fen"]) == (0, 123_456)
    assert [f["status"] for f in first.json()["fundings"]] == ["declared"]
    again = _fund(client, distribution, "CMB-20260601-1", 123_456)
    assert again.status_code == 200 and again.json()["pending_fen"] == 123_456
    other = _fund(client, distribution, "CMB-20260601-1", 99)
    assert other.status_code == 422 and other.json()["code"] == "dividend.bank_reference_reused"
    assert Funding.objects.count() == 1


def test_staff_confirm_through_the_api_but_not_the_operator_who_declared(distribution, cast, client_for):
    declared = _fund(client_for(cast.operator), distribution, "BANK-STMT-7", 8_000).json()["fundings"][0]
    same = _act(client_for(cast.operator), distribution, declared["id"], "confirm", {})
    assert same.status_code == 422 and same.json()["code"] == "dividend.same_person"
    assert _act(client_for(cast.issuer_a), distribution, declared["id"], "confirm", {}).status_code == 403
    done = _act(client_for(cast.reviewer), distribution, declared["id"], "confirm", {"value_date": "2026-06-01"})
    assert done.status_code == 200 and (done.json()["funded_fen"], done.json()["pending_fen"]) == (8_000, 0)
    assert done.json()["fundings"][0] == {**declared, "status": "confirmed", "value_date": "2026-06-01"}


def test_staff_reject_a_declaration_through_the_api(distribution, cast, client_for):
    declared = _fund(client_for(cast.issuer_a), distribution, "NOPE-1", 8_000).json()["fundings"][0]
    done = _act(client_for(cast.operator), distribution, declared["id"], "reject", {"reason": "未见到账"})
    assert done.status_code == 200 and done.json()["fundings"][0]["status"] == "rejected"
    assert (done.json()["funded_fen"], done.json()["pending_fen"]) == (0, 0)


def test_after_a_shortfall_the_api_tells_what_was_received_and_what_went_back(distribution, cast, client_for):
    from tests.dividend.world import DEADLINE, eod, fund

    fund(distribution, cast.issuer_a, amount=100)
    eod(DEADLINE)
    body = client_for(cast.issuer_a).get(f"/api/v1/dividend/distributions/{distribution.pk}").json()
    assert body["cash_status"] == "short"
    assert (body["funded_fen"], body["pending_fen"], body["refunded_fen"]) == (100, 0, 100)


def test_another_issuer_cannot_see_or_fund_the_distribution(distribution, cast, client_for):
    client = client_for(cast.issuer_b)
    assert client.get(f"/api/v1/dividend/distributions/{distribution.pk}").status_code == 404
    assert _fund(client, distribution, "X-1", 100).status_code == 404
    assert client.get(f"/dividend/{distribution.pk}/").status_code == 404


def test_the_issuer_declares_on_the_page_and_a_reviewer_confirms_it_there(distribution, cast, client_for):
    client = client_for(cast.issuer_a)
    response = client.post(
        f"/dividend/{distribution.pk}/fund/", {"bank_reference": "P-1", "amount_yuan": "5"}, follow=True
    )
    assert response.status_code == 200 and "待本公司核对银行到账后确认" in response.content.decode()
    page = client.get(f"/dividend/{distribution.pk}/").content.decode()
    assert "P-1" in page and "待确认" in page and "确认到账</button>" not in page
    funding = Funding.objects.get()
    reviewer = client_for(cast.reviewer)
    assert "确认到账</button>" in reviewer.get(f"/dividend/{distribution.pk}/").content.decode()
    done = reviewer.post(f"/dividend/{distribution.pk}/fundings/{funding.pk}/confirm/", {"value_date": ""}, follow=True)
    assert "已确认到账" in done.content.decode()
    page = client.get(f"/dividend/{distribution.pk}/").content.decode()
    assert "已到账" in page and "已确认到账 5.00 元" in page


def test_the_operator_who_declared_on_the_page_is_refused_when_confirming_it(distribution, cast, client_for):
    operator = client_for(cast.operator)
    operator.post(f"/dividend/{distribution.pk}/fund/", {"bank_reference": "S-1", "amount_yuan": "5.00"})
    funding = Funding.objects.get()
    refused = operator.post(f"/dividend/{distribution.pk}/fundings/{funding.pk}/confirm/", {}, follow=True)
    assert "登记人以外" in refused.content.decode()
    funding.refresh_from_db()
    assert funding.status == "declared"


def test_a_reviewer_rejects_a_declaration_on_the_page(distribution, cast, client_for):
    client_for(cast.issuer_a).post(f"/dividend/{distribution.pk}/fund/", {"bank_reference": "X", "amount_yuan": "0.05"})
    funding = Funding.objects.get()
    client_for(cast.reviewer).post(f"/dividend/{distribution.pk}/fundings/{funding.pk}/reject/", {"reason": "未到账"})
    page = client_for(cast.issuer_a).get(f"/dividend/{distribution.pk}/").content.decode()
    assert "已驳回" in page


def test_a_withdrawal_is_prepared_by_an_operator_and_applied_by_a_reviewer(distribution, cast, client_for):
    client_for(cast.operator).post(f"/dividend/{distribution.pk}/withdraw/", {"reason": "股东大会撤回议案"})
    approval = Approval.objects.get(kind="dividend.withdraw")
    distribution.refresh_from_db()
    assert distribution.status == Status.SCHEDULED
    approval_approve(approval=approval, by=cast.reviewer)
    distribution.refresh_from_db()
    assert distribution.status == Status.WITHDRAWN and "股东大会撤回议案" in distribution.cash_note
    page = client_for(cast.issuer_a).get(f"/dividend/{distribution.pk}/").content.decode()
    assert "方案已于股权登记日前撤销，未确定" in page and "0 户 / 0 股" not in page


def test_staff_see_the_held_cash_and_the_bonus_shares_of_closed_accounts_on_the_page(distribution, cast, client_for):
    from csdp.securities.models import SecuritiesAccount
    from tests.dividend.world import DEADLINE, LIST, PAY, R, eod, fund

    fund(distribution, cast.issuer_a)
    for day in (DEADLINE, R, PAY):
        eod(day)
    SecuritiesAccount.objects.filter(number="0100000005").update(status="closed")
    eod(LIST)
    page = client_for(cast.operator).get(f"/dividend/{distribution.pk}/").content.decode()
    assert "暂不派发现金红利" in page and "证券账户无托管结算参与人" in page
    assert "已注销账户的送转股" in page and "0100000005" in page
    issuer_page = client_for(cast.issuer_a).get(f"/dividend/{distribution.pk}/").content.decode()
    assert "已注销账户的送转股" in issuer_page and "证券账户无托管结算参与人" not in issuer_page


def _yuan(fen: int) -> str:
    """Written here, not taken from the page's filter: 1037727500 → "10,377,275.00"."""
    from decimal import Decimal

    return f"{Decimal(fen) / 100:,.2f}"


def test_before_r_the_page_says_the_amount_is_fixed_at_r_and_shows_an_estimate_in_yuan(distribution, cast, client_for):
    from tests.dividend.world import TOTAL_QUANTITY

    page = client_for(cast.issuer_a).get(f"/dividend/{distribution.pk}/").content.decode()
    estimate = TOTAL_QUANTITY * distribution.cash_micro // 100_000
    assert f"应派现金（预计）</dt><dd>{_yuan(estimate)} 元" in page
    assert f"以股权登记日 {distribution.record_date} 日终" in page
    assert "0 / 0 股" not in page and " 分" not in page


def test_after_the_pay_date_the_page_shows_declared_paid_and_held_cash_apart(distribution, cast, client_for):
    from django.db.models import Sum

    from csdp.dividend.models import HeldCash, ParticipantPayment
    from tests.dividend.world import DEADLINE, PAY, R, eod, fund

    fund(distribution, cast.issuer_a)
    for day in (DEADLINE, R, PAY):
        eod(day)
    distribution.refresh_from_db()
    paid = ParticipantPayment.objects.filter(distribution=distribution).aggregate(s=Sum("paid_fen"))["s"]
    held = HeldCash.objects.filter(distribution=distribution)
    held_fen = held.aggregate(s=Sum("amount_fen"))["s"]
    accounts = held.values("account_id").distinct().count()
    assert held_fen > 0 and paid + held_fen == distribution.cash_declared_fen
    for user in (cast.issuer_a, cast.operator):
        page = client_for(user).get(f"/dividend/{distribution.pk}/").content.decode()
        assert f"应派现金</dt><dd>{_yuan(distribution.cash_declared_fen)} 元" in page
        assert f"实派现金</dt><dd>{_yuan(paid)} 元" in page
        assert f"暂不派发</dt><dd>{_yuan(held_fen)} 元（{accounts} 户）" in page
        assert f"已派发（其中 {accounts} 户 {_yuan(held_fen)} 元暂不派发）" in page


def test_between_r_and_the_pay_date_the_page_shows_what_is_expected_not_a_payment(distribution, cast, client_for):
    from tests.dividend.world import DEADLINE, R, eod, fund

    fund(distribution, cast.issuer_a)
    for day in (DEADLINE, R):
        eod(day)
    page = client_for(cast.issuer_a).get(f"/dividend/{distribution.pk}/").content.decode()
    assert "实派现金（预计）" in page and f"派息日 {distribution.pay_date} 派发" in page
    assert "实派现金</dt>" not in page


def test_the_end_of_day_steps_are_named_in_chinese(distribution, cast, client_for):
    from tests.dividend.world import DEADLINE, R, eod, fund

    fund(distribution, cast.issuer_a)
    for day in (DEADLINE, R):
        eod(day)
    page = client_for(cast.issuer_a).get(f"/dividend/{distribution.pk}/").content.decode()
    assert "<td>代派资金到位检查</td>" in page and "<td>股权登记日权益计算</td>" in page
    assert "<td>funding</td>" not in page and "<td>entitle</td>" not in page


def test_a_withdrawal_awaiting_review_is_shown_with_who_and_when_and_the_form_is_gone(distribution, cast, client_for):
    operator = client_for(cast.operator)
    operator.post(f"/dividend/{distribution.pk}/withdraw/", {"reason": "股东大会撤回议案"})
    approval = Approval.objects.get(kind="dividend.withdraw")
    page = operator.get(f"/dividend/{distribution.pk}/").content.decode()
    assert "撤销待复核" in page and f"{cast.operator.display_name} 于 {approval.prepared_at:%Y-%m-%d}" in page
    assert f'action="/dividend/{distribution.pk}/withdraw/"' not in page


def test_the_issuer_reads_why_its_funding_was_rejected(distribution, cast, client_for):
    client_for(cast.issuer_a).post(f"/dividend/{distribution.pk}/fund/", {"bank_reference": "X", "amount_yuan": "0.05"})
    funding = Funding.objects.get()
    client_for(cast.reviewer).post(
        f"/dividend/{distribution.pk}/fundings/{funding.pk}/reject/", {"reason": "银行未见该笔到账"}
    )
    page = client_for(cast.issuer_a).get(f"/dividend/{distribution.pk}/").content.decode()
    assert "已驳回：银行未见该笔到账" in page


def test_every_element_id_on_the_page_is_unique_with_two_fundings_to_confirm(distribution, cast, client_for):
    import re
    from collections import Counter

    issuer = client_for(cast.issuer_a)
    for reference in ("A-1", "A-2"):
        issuer.post(f"/dividend/{distribution.pk}/fund/", {"bank_reference": reference, "amount_yuan": "0.05"})
    page = client_for(cast.operator).get(f"/dividend/{distribution.pk}/").content.decode()
    ids = Counter(re.findall(r'\bid="([^"]+)"', page))
    assert page.count('name="value_date"') == 2
    assert [i for i, n in ids.items() if n > 1] == []


def test_the_list_export_has_the_list_date_and_the_cash_dividend(distribution, cast, client_for):
    import csv
    import io

    export = client_for(cast.issuer_a).get("/dividend/?export=csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode().lstrip("\ufeff"))))
    assert "红股上市日" in rows[0] and "现金红利" in rows[0]
    row = dict(zip(rows[0], rows[1]))
    assert row["红股上市日"] == str(distribution.list_date) and row["现金红利"] == "待委托代派资金"


def test_after_a_withdrawal_is_rejected_the_operator_may_submit_another_with_a_new_reason(
    distribution, cast, client_for
):
    from csdp.approvals.services import approval_reject

    operator = client_for(cast.operator)
    operator.post(f"/dividend/{distribution.pk}/withdraw/", {"reason": "理由一"})
    approval_reject(approval=Approval.objects.get(kind="dividend.withdraw"), by=cast.reviewer, reason="理由不充分")
    page = operator.get(f"/dividend/{distribution.pk}/").content.decode()
    assert "撤销待复核" not in page and f'action="/dividend/{distribution.pk}/withdraw/"' in page
    again = operator.post(f"/dividend/{distribution.pk}/withdraw/", {"reason": "理由二"}, follow=True)
    assert "撤销申请已提交复核" in again.content.decode()
    assert [a.payload["reason"] for a in Approval.objects.filter(kind="dividend.withdraw").order_by("pk")] == [
        "理由一",
        "理由二",
    ]


def _declare_on_the_page(client, d, reference, amount):
    response = client.post(f"/dividend/{d.pk}/fund/", {"bank_reference": reference, "amount_yuan": amount}, follow=True)
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"]]


@pytest.mark.parametrize("amount", ["一百", "abc", "-5", "100.555", "0", "0.00", "1e3", ".5", "1,000"])
def test_the_funding_form_says_the_amount_must_be_positive_yuan_with_at_most_two_decimals(
    distribution, cast, client_for, amount
):
    told = _declare_on_the_page(client_for(cast.issuer_a), distribution, "ICBC-1", amount)
    assert told == ["金额须为正数，最多两位小数（单位：元）。"]
    assert not Funding.objects.exists()


def test_the_funding_form_names_each_missing_field(distribution, cast, client_for):
    client = client_for(cast.issuer_a)
    assert _declare_on_the_page(client, distribution, "  ", "5") == ["请填写银行流水号。"]
    assert _declare_on_the_page(client, distribution, "ICBC-1", "") == ["请填写金额（单位：元）。"]
    assert _declare_on_the_page(client, distribution, "", "1.555") == [
        "请填写银行流水号；金额须为正数，最多两位小数（单位：元）。"
    ]
    assert _declare_on_the_page(client, distribution, "X" * 41, "5") == ["银行流水号最多 40 个字符。"]
    assert not Funding.objects.exists()


@pytest.mark.parametrize("amount", ["99999999999999999999999", "9" * 5000])
def test_an_amount_past_what_the_database_holds_is_refused_on_the_page_not_a_server_error(
    distribution, cast, client_for, amount
):
    told = _declare_on_the_page(client_for(cast.issuer_a), distribution, "ICBC-1", amount)
    assert told == ["金额过大，请核对（单位：元）。"]
    assert not Funding.objects.exists()


def test_an_amount_far_beyond_the_plans_cash_is_refused_on_the_page_with_the_cash_it_needs(
    distribution, cast, client_for
):
    # 4 588 shares × 1.234567 元 per 10: 566.41 元; a single declaration may add 1 000 元 (the margin's floor)
    told = _declare_on_the_page(client_for(cast.issuer_a), distribution, "ICBC-1", "1566.42")
    assert told == ["金额 1,566.42 元超过本次应付现金红利 566.41 元（单笔登记不超过 1,566.41 元），请核对金额。"]
    assert not Funding.objects.exists()
    assert _declare_on_the_page(client_for(cast.issuer_a), distribution, "ICBC-1", "1566.41") == [
        "代派资金已登记，待本公司核对银行到账后确认。"
    ]


def test_the_api_refuses_an_amount_past_the_database_with_a_code_and_a_chinese_message(distribution, cast, client_for):
    client = client_for(cast.issuer_a)
    refused = _fund(client, distribution, "ICBC-1", 99999999999999999999999)
    assert refused.status_code == 422
    assert (
        refused.json()["code"] == "dividend.amount_too_large"
        and refused.json()["detail"] == "金额过大，请核对（单位：分）。"
    )
    zero = _fund(client, distribution, "ICBC-1", 0)
    assert zero.status_code == 422 and zero.json()["code"] == "dividend.amount"
    assert zero.json()["detail"] == "金额须为正整数（单位：分）。"
    assert not Funding.objects.exists()


def test_the_api_and_the_page_take_a_bank_reference_in_any_case_or_width_as_the_same_payment(
    distribution, cast, client_for
):
    first = _fund(client_for(cast.issuer_a), distribution, "ICBC20261207001", 5_000)
    assert first.status_code == 200
    again = _fund(client_for(cast.operator), distribution, "icbc20261207001", 5_000)
    assert again.status_code == 200 and [f["bank_reference"] for f in again.json()["fundings"]] == ["ICBC20261207001"]
    told = _declare_on_the_page(client_for(cast.issuer_a), distribution, " ｉｃｂｃ２０２６１２０７００１ ", "50")
    assert told == ["代派资金已登记，待本公司核对银行到账后确认。"]  # the first record, returned
    assert list(Funding.objects.values_list("bank_reference", "amount_fen")) == [("ICBC20261207001", 5_000)]


@pytest.mark.parametrize(
    ("typed", "fen"), [("5", 500), ("5.1", 510), ("5.01", 501), ("１２.３４", 1234), (" 0.01 ", 1)]
)
def test_the_issuer_types_yuan_and_the_funding_is_recorded_in_exact_fen(distribution, cast, client_for, typed, fen):
    told = _declare_on_the_page(client_for(cast.issuer_a), distribution, "ICBC-1", typed)
    assert told == ["代派资金已登记，待本公司核对银行到账后确认。"]
    assert Funding.objects.get().amount_fen == fen
