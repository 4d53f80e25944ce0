"""The distribution's page and API: funding idempotent by bank reference, another issuer sees nothing,
a withdrawal prepared by an operator and applied by a different reviewer."""

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


def test_funding_through_the_api_is_idempotent_by_bank_reference(distribution, cast, client_for):
    client = client_for(cast.issuer_a)
    first = _fund(client, distribution, "CMB-20260601-1", 123_456)
    assert first.status_code == 200 and first.json()["funded_fen"] == 123_456
    again = _fund(client, distribution, "CMB-20260601-1", 123_456)
    assert again.status_code == 200 and again.json()["funded_fen"] == 123_456
    other = _fund(client, distribution, "CMB-20260601-1", 99)
    assert other.status_code == 422 and other.json()["code"] == "dividend.bank_reference_reused"
    assert Funding.objects.count() == 1


def test_another_issuer_cannot_see_or_fund_the_distribution(distribution, cast, client_for):
    client = client_for(cast.issuer_b)
    assert client.get(f"/api/v1/dividend/distributions/{distribution.pk}").status_code == 404
    assert _fund(client, distribution, "X-1", 100).status_code == 404
    assert client.get(f"/dividend/{distribution.pk}/").status_code == 404


def test_the_issuer_funds_on_the_page_and_reads_the_result(distribution, cast, client_for):
    client = client_for(cast.issuer_a)
    response = client.post(
        f"/dividend/{distribution.pk}/fund/", {"bank_reference": "P-1", "amount_fen": "500"}, follow=True
    )
    assert response.status_code == 200 and "代派资金已入账" in response.content.decode()
    page = client.get(f"/dividend/{distribution.pk}/").content.decode()
    assert "P-1" in page and "待委托代派资金" in page


def test_a_withdrawal_is_prepared_by_an_operator_and_applied_by_a_reviewer(distribution, cast, client_for):
    client_for(cast.operator).post(f"/dividend/{distribution.pk}/withdraw/", {"reason": "股东大会撤回议案"})
    approval = Approval.objects.get(kind="dividend.withdraw")
    distribution.refresh_from_db()
    assert distribution.status == Status.SCHEDULED
    approval_approve(approval=approval, by=cast.reviewer)
    distribution.refresh_from_db()
    assert distribution.status == Status.WITHDRAWN and "股东大会撤回议案" in distribution.cash_note


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
