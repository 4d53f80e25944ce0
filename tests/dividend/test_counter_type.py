"""权益分派 as counter business type 05: the issuer files the plan, an operator accepts it (preparing the
four-eyes approval with the seed), a different reviewer approves and the distribution is scheduled."""

from __future__ import annotations

import datetime as dt

import pytest

from csdp.approvals.models import Approval
from csdp.approvals.services import approval_approve
from csdp.counter.models import Status
from csdp.counter.services import CounterError
from csdp.dividend.models import CashStatus, Distribution
from csdp.lib.errors import CsdpError
from tests.counter.factories import draft, drive, give_codes
from tests.dividend.world import R, START, at, build

PLAN = {
    "cash_per_10": "1.234567",
    "bonus_per_10": "3",
    "transfer_per_10": "0",
    "record_date": R.isoformat(),
    "resolution_date": "2026-05-20",
    "method": "precise",
}


@pytest.fixture
def key_a(cast):
    from csdp.keys.testing import enrol_test_key

    return enrol_test_key(cast.issuer_a)


def _accepted_by(cast, key_a, handler, data=PLAN):
    build(cast.issuer_a)
    give_codes(cast.issuer_a.institution, "920001")
    at(START)
    application = draft(cast.issuer_a, type_code="05", code="920001", data=data)
    return drive(application, Status.ACCEPTED, filer=cast.issuer_a, key=key_a, operator=handler)


@pytest.fixture
def filed(cast, key_a):
    return _accepted_by(cast, key_a, cast.operator)


def _refused_as_the_same_person(approval, user) -> None:
    with pytest.raises(CsdpError) as refused:
        approval_approve(approval=approval, by=user)
    assert refused.value.code == "approval.same_person"
    assert refused.value.message == "经办人与复核人不能为同一人。"
    assert Approval.objects.get(pk=approval.pk).status == "prepared"


def test_an_administrator_who_accepted_the_plan_may_not_approve_it_though_the_role_may_and_a_reviewer_can(cast, key_a):
    # the administrator holds both the preparer's and the approver's role of dividend.plan (kinds.py): only
    # the same-person rule stands between them and approving their own acceptance
    application = _accepted_by(cast, key_a, cast.admin)
    approval = Approval.objects.get(kind="dividend.plan")
    assert approval.prepared_by == cast.admin
    _refused_as_the_same_person(approval, cast.admin)
    assert not Distribution.objects.exists()
    approval_approve(approval=approval, by=cast.reviewer)
    assert Distribution.objects.get(application_id=application.pk).status == "scheduled"


def test_an_administrator_who_prepared_a_withdrawal_may_not_approve_it_and_a_reviewer_can(filed, cast):
    from csdp.dividend.services import distribution_withdraw_prepare
    from csdp.ledger.models import LedgerAccount
    from tests.dividend.world import fund

    approval_approve(approval=Approval.objects.get(kind="dividend.plan"), by=cast.reviewer)
    d = Distribution.objects.get(application_id=filed.pk)
    fund(d, cast.issuer_a)
    funding = LedgerAccount.objects.get(pk=d.funding_account_id)
    funded = funding.credits_posted
    approval = distribution_withdraw_prepare(distribution=d, reason="股东大会决议撤回", by=cast.admin)
    _refused_as_the_same_person(approval, cast.admin)
    d.refresh_from_db()
    funding.refresh_from_db()
    assert d.status == "scheduled" and funding.credits_posted - funding.debits_posted == funded > 0
    approval_approve(approval=approval, by=cast.reviewer)
    d.refresh_from_db()
    funding.refresh_from_db()
    assert d.status == "withdrawn" and funding.credits_posted - funding.debits_posted == 0  # returned to the issuer


def test_accepting_prepares_the_plan_for_four_eyes_and_approval_schedules_it(filed, cast):
    approval = Approval.objects.get(kind="dividend.plan")
    assert approval.prepared_by == cast.operator and approval.payload["cash_micro"] == 1_234_567
    assert isinstance(approval.payload["seed"], int) and not Distribution.objects.exists()
    with pytest.raises(CsdpError) as refused:
        approval_approve(approval=approval, by=cast.operator)
    assert refused.value.code == "approval.role"  # an operator holds no approver role (the same person: below)
    approval_approve(approval=approval, by=cast.reviewer)
    d = Distribution.objects.get(application_id=filed.pk)
    assert (d.record_date, d.pay_date, d.list_date, d.funding_deadline) == (
        R,
        dt.date(2026, 6, 8),
        dt.date(2026, 6, 9),
        dt.date(2026, 6, 3),
    )
    assert d.seed == approval.payload["seed"] and d.cash_status == CashStatus.AWAITING


def test_a_plan_without_any_rate_is_refused(cast):
    build(cast.issuer_a)
    give_codes(cast.issuer_a.institution, "920001")
    at(START)
    with pytest.raises(CounterError, match="至少填写一项"):
        draft(
            cast.issuer_a,
            type_code="05",
            code="920001",
            data={**PLAN, "cash_per_10": "0", "bonus_per_10": "0", "transfer_per_10": "0"},
        )


def test_a_record_date_too_close_for_the_funding_deadline_is_refused(cast):
    build(cast.issuer_a)
    give_codes(cast.issuer_a.institution, "920001")
    at(dt.date(2026, 6, 3))
    with pytest.raises(CounterError, match="代派资金截止日"):
        draft(cast.issuer_a, type_code="05", code="920001", data=PLAN)


def test_the_issuer_is_told_the_funding_verdict_and_the_payment_and_downloads_the_result_on_its_application(
    filed, cast, settings, tmp_path
):
    from csdp.counter.handling import application_issue_results
    from csdp.counter.models import ApplicationFile
    from csdp.notify.models import OutboxMessage
    from tests.dividend.world import DEADLINE, LIST, PAY, eod, fund

    settings.CSDP_FILES_DIR = tmp_path / "files"
    approval_approve(approval=Approval.objects.get(kind="dividend.plan"), by=cast.reviewer)
    d = Distribution.objects.get(application_id=filed.pk)
    fund(d, cast.issuer_a)
    eod(DEADLINE)
    told = OutboxMessage.objects.filter(user=cast.issuer_a, purpose="dividend")
    assert told.filter(subject__contains="代派资金已足额到位").exists()
    for day in (R, PAY):
        eod(day)
    assert told.filter(subject__contains="现金红利已派发", body__contains="派发").exists()
    eod(LIST)
    results = ApplicationFile.objects.filter(application=filed, purpose="result")
    assert [r.stored_file.original_name for r in results] == ["QYJG920001_20260605.xlsx"]
    assert not ApplicationFile.objects.visible_to(cast.issuer_a).filter(purpose="result").exists()  # not sent yet
    application_issue_results(application=filed, actor=cast.operator)
    assert ApplicationFile.objects.visible_to(cast.issuer_a).filter(purpose="result").count() == 1


def test_the_issuer_is_told_why_the_cash_part_does_not_proceed(filed, cast, settings, tmp_path):
    from csdp.notify.models import OutboxMessage
    from tests.dividend.world import DEADLINE, eod, fund

    settings.CSDP_FILES_DIR = tmp_path / "files"
    approval_approve(approval=Approval.objects.get(kind="dividend.plan"), by=cast.reviewer)
    fund(Distribution.objects.get(application_id=filed.pk), cast.issuer_a, amount=100)
    eod(DEADLINE)
    sms = OutboxMessage.objects.get(user=cast.issuer_a, purpose="dividend", channel="sms")
    assert "不足" in sms.body and "现金红利不实施" in sms.body and "送股" in sms.body


def test_the_confirm_page_shows_the_derived_dates_before_the_issuer_signs(cast, client_for):
    build(cast.issuer_a)
    give_codes(cast.issuer_a.institution, "920001")
    at(START)
    application = draft(cast.issuer_a, type_code="05", code="920001", data=PLAN)
    page = client_for(cast.issuer_a).get(f"/counter/{application.pk}/confirm/").content.decode()
    for label, day in (
        ("除权除息日（推算）", "2026-06-08"),
        ("派息日（推算）", "2026-06-08"),
        ("红股上市日（推算）", "2026-06-09"),
        ("代派资金到账截止日（推算）", "2026-06-03 日终"),
    ):
        assert f'<th scope="row">{label}</th><td>{day}</td>' in page


def test_a_rate_too_large_or_with_more_than_six_decimals_is_told_in_chinese_punctuation(cast):
    from csdp.dividend.counter_types import DistributionForm

    form = DistributionForm(data={**PLAN, "cash_per_10": "1.2345678", "bonus_per_10": "12345678901"})
    assert form.errors["cash_per_10"] == ["每10股派现金须为普通小数写法的非负数（如 1.5），最多 6 位小数。"]
    assert form.errors["bonus_per_10"] == ["整数部分不超过 10 位。"]


def test_the_guide_asks_for_no_payment_voucher_and_says_where_funding_is_declared():
    from csdp.dividend.counter_types import guide_text

    guide = guide_text()
    assert "资金划付凭证" not in guide and "在该权益分派页面登记银行流水号和金额" in guide


def _filing_refused(cast, data, *, code="920001", today=START) -> str:
    build(cast.issuer_a)
    give_codes(cast.issuer_a.institution, code)
    at(today)
    with pytest.raises(CounterError) as refused:
        draft(cast.issuer_a, type_code="05", code=code, data=data)
    return refused.value.message


@pytest.mark.parametrize(
    ("resolution", "told"),
    [
        ("2026-06-02", "股东大会决议日期 2026-06-02 晚于今天，请填写已召开的股东大会的决议日期。"),
        ("2026-06-08", "股东大会决议日期 2026-06-08 晚于今天，请填写已召开的股东大会的决议日期。"),
        ("not-a-date", "股东大会决议日期须为有效的日期（YYYY-MM-DD）。"),
        (None, "请填写股东大会决议日期。"),
    ],
)
def test_a_resolution_date_in_the_future_or_after_the_record_date_or_missing_is_refused_at_filing(
    cast, resolution, told
):
    data = {k: v for k, v in {**PLAN, "resolution_date": resolution}.items() if v is not None}
    assert _filing_refused(cast, data) == told


def test_the_form_refuses_a_resolution_date_after_the_record_date_on_its_field(cast):
    from csdp.dividend.counter_types import DistributionForm

    at(dt.date(2026, 6, 20))  # a late "today", so that only the record date stands in the way
    form = DistributionForm({**PLAN, "resolution_date": "2026-06-06"})
    assert not form.is_valid()
    assert form.errors["resolution_date"] == [f"股东大会决议日期 2026-06-06 晚于股权登记日 {R}。"]


@pytest.mark.parametrize("cash", ["1e3", "1E+3", "+1", ".5", "1.", "1.2345678", " 1,000"])
def test_a_rate_written_other_than_as_a_plain_decimal_is_refused_by_the_form_and_at_filing(cast, cash):
    from csdp.dividend.counter_types import DistributionForm

    at(START)
    form = DistributionForm({**PLAN, "cash_per_10": cash})
    assert not form.is_valid()
    assert form.errors["cash_per_10"] == ["每10股派现金须为普通小数写法的非负数（如 1.5），最多 6 位小数。"]
    assert _filing_refused(cast, {**PLAN, "cash_per_10": cash}) == (
        "每10股派现金须为普通小数写法的非负数（如 1.5），最多 6 位小数。"
    )


def test_a_plain_rate_is_stored_and_shown_as_written(db):
    from csdp.dividend.counter_types import DistributionForm

    at(START)
    form = DistributionForm({**PLAN, "cash_per_10": "1000", "bonus_per_10": "0.500000"})
    assert form.is_valid(), form.errors
    assert (form.json_data()["cash_per_10"], form.json_data()["bonus_per_10"]) == ("1000", "0.500000")


def test_a_plan_on_a_security_with_no_registered_shares_is_refused_at_filing(cast):
    from csdp.securities.models import SecurityStatus
    from csdp.securities.services import security_create

    build(cast.issuer_a)
    security = security_create(
        code="920002", name="乙股份", kind="stock", market="BSE", issuer=cast.issuer_a.institution
    )
    security.status, security.issued_shares = SecurityStatus.PENDING, 0  # an IPO in progress: nothing registered
    security.save(update_fields=["status", "issued_shares"])
    give_codes(cast.issuer_a.institution, "920002")
    at(START)
    with pytest.raises(CounterError) as refused:
        draft(cast.issuer_a, type_code="05", code="920002", data=PLAN)
    assert refused.value.message == "证券 920002 尚无登记股本（如首次公开发行的股份尚未登记），不能实施权益分派。"


def test_the_approval_checks_the_registered_shares_again(cast):
    from csdp.dividend.services import DividendError
    from csdp.securities.services import security_create
    from tests.dividend.world import schedule

    build(cast.issuer_a)
    security_create(code="920002", name="乙股份", kind="stock", market="BSE", issuer=cast.issuer_a.institution)
    with pytest.raises(DividendError) as refused:
        schedule(cast.issuer_a, code="920002")
    assert refused.value.code == "dividend.no_capital" and "尚无登记股本" in refused.value.message
    assert not Distribution.objects.exists()


def test_a_withdrawn_plan_ends_its_counter_application_through_the_counters_machine(filed, cast):
    from csdp.audit.models import AuditEvent
    from csdp.dividend.services import distribution_withdraw_prepare

    approval_approve(approval=Approval.objects.get(kind="dividend.plan"), by=cast.reviewer)
    d = Distribution.objects.get(application_id=filed.pk)
    filed.refresh_from_db()
    assert filed.status == Status.ACCEPTED
    approval = distribution_withdraw_prepare(distribution=d, reason="股东大会决议撤回", by=cast.operator)
    approval_approve(approval=approval, by=cast.reviewer)
    filed.refresh_from_db()
    assert filed.status == Status.WITHDRAWN
    last = filed.transitions.last()
    assert (last.from_state, last.to_state, last.actor, last.actor_kind) == (
        Status.ACCEPTED,
        Status.WITHDRAWN,
        cast.reviewer,
        "staff",
    )
    assert last.reason == "权益分派已撤销：股东大会决议撤回"
    assert AuditEvent.objects.filter(
        object_id=str(filed.pk), action="counter.withdrawn", from_state=Status.ACCEPTED, actor=cast.reviewer
    ).exists()


def test_a_plan_the_reviewer_rejects_goes_back_to_the_issuer_and_its_corrected_round_can_be_accepted(
    filed, cast, key_a
):
    from csdp.approvals.services import approval_reject
    from csdp.counter.handling import application_accept
    from csdp.counter.models import Application
    from csdp.counter.services import round_prepare
    from tests.counter.factories import sign_and_submit

    approval = Approval.objects.get(kind="dividend.plan")
    approval_reject(approval=approval, by=cast.reviewer, reason="股东大会决议与方案不一致")
    application = Application.objects.get(pk=filed.pk)
    assert application.status == Status.RETURNED and not Distribution.objects.exists()
    assert application.opinions.last().text == "复核未通过，股东大会决议与方案不一致"
    # corrected (a different cash rate) and signed again: accepted, a new approval of the new plan
    round_prepare(application=application, user=cast.issuer_a, data={**PLAN, "cash_per_10": "1.5"})
    sign_and_submit(application, cast.issuer_a, key_a)
    application_accept(application=Application.objects.get(pk=filed.pk), actor=cast.operator)
    second = Approval.objects.filter(kind="dividend.plan").exclude(pk=approval.pk).get()
    assert second.status == "prepared" and second.payload["cash_micro"] == 1_500_000
