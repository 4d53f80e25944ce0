"""What a reviewer reads of a 权益分派 approval: the issuer, the security, the plan per 10 shares in yuan and
shares, the dates, links to the application and the distribution — not the payload's ids and integers."""

from __future__ import annotations

from django.urls import reverse

from csdp.approvals.models import Approval
from csdp.approvals.services import approval_approve
from csdp.dividend.models import Distribution
from tests.dividend.test_counter_type import filed, key_a  # noqa: F401  (fixtures)
from tests.dividend.world import schedule


def _page(client_for, user, approval) -> str:
    return client_for(user).get(reverse("approvals:detail", args=[approval.pk])).content.decode()


def test_the_plan_approval_reads_as_the_plan_with_its_dates_and_not_as_its_payload(filed, cast, client_for):
    approval = Approval.objects.get(kind="dividend.plan")
    page = _page(client_for, cast.reviewer, approval)
    assert "<th>发行人</th><td>甲发行人股份有限公司</td>" in page
    assert "<th>证券</th><td>920001 甲股份</td>" in page
    assert "<th>每10股派现金（含税）</th><td>1.234567 元</td>" in page
    assert "<th>每10股送股</th><td>3 股</td>" in page
    assert "<th>除权除息日</th><td>2026-06-08</td>" in page and "<th>红股上市日</th><td>2026-06-09</td>" in page
    assert "<th>股东大会决议日期</th><td>2026-05-20</td>" in page  # as the issuer signed it
    assert "<th>代派资金截止日</th><td>2026-06-03</td>" in page  # a plan with cash
    assert reverse("counter:detail", args=[filed.pk]) in page
    for raw in ("cash_micro", "bonus_micro", "issuer_id", "seed", "precise"):
        assert raw not in page
    assert f"<dt>经办</dt><dd>{cast.operator.display_name}，" in page

    approval_approve(approval=approval, by=cast.reviewer)
    page = _page(client_for, cast.reviewer, Approval.objects.get(pk=approval.pk))
    distribution = Distribution.objects.get(application_id=filed.pk)
    assert reverse("dividend:detail", args=[distribution.pk]) in page
    assert "distribution_id" not in page and "list_date" not in page


def test_the_withdrawal_approval_names_the_distribution_its_reason_and_links_to_it(
    cast, client_for, settings, tmp_path
):
    from tests.dividend.world import build

    settings.CSDP_FILES_DIR = tmp_path
    build(cast.issuer_a)
    distribution = schedule(cast.issuer_a)
    client_for(cast.operator).post(f"/dividend/{distribution.pk}/withdraw/", {"reason": "股东大会撤回议案"})
    page = _page(client_for, cast.reviewer, Approval.objects.get(kind="dividend.withdraw"))
    assert "<th>证券</th><td>920001 甲股份</td>" in page and "<th>撤销原因</th><td>股东大会撤回议案</td>" in page
    assert "<th>派息日</th><td>2026-06-08</td>" in page
    assert reverse("dividend:detail", args=[distribution.pk]) in page and "distribution_id" not in page


def test_a_plan_without_cash_shows_no_funding_deadline(cast, key_a, client_for):
    from tests.dividend.test_counter_type import PLAN, _accepted_by

    _accepted_by(cast, key_a, cast.operator, data={**PLAN, "cash_per_10": "0"})
    page = _page(client_for, cast.reviewer, Approval.objects.get(kind="dividend.plan"))
    assert "<th>每10股送股</th><td>3 股</td>" in page and "代派资金截止日" not in page
