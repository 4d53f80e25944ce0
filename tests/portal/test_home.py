"""The home page says what is due, per role (issue 19 §2): today's IPO cut-offs (T+1 15:30 and 16:00) for
the participant, an unpaid fee past its due date as 逾期, the certificate's renewal from 60 days before
expiry, the calendar's horizon and failed end-of-day steps for staff."""

from __future__ import annotations

import datetime as dt

import pytest

from csdp.accounts.models import User
from csdp.clock.services import clock_set
from csdp.ipo.models import EodStep, EodStepRun, Offering
from csdp.accounts.demo import demo_seed

pytestmark = pytest.mark.django_db


def _at(day: dt.date, hh: int, mm: int = 0) -> None:
    clock_set(moment=dt.datetime(day.year, day.month, day.day, hh, mm), frozen=True)


def _home(client_for, username: str) -> str:
    response = client_for(User.objects.get(username=username)).get("/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def demo():
    demo_seed()
    return Offering.objects.get(code="920219")


def test_the_participant_sees_todays_cutoffs_on_t_plus_1_and_late_ones_in_red(client_for, demo):
    t1 = demo.day(1)
    _at(t1, 10)
    page = _home(client_for, "participant")
    assert "今日截止" in page
    assert "申报申购资金不足的投资者" in page and "截止 15:30" in page
    assert "足额申购资金存入综合结算备付金账户" in page and "截止 16:00" in page

    _at(t1, 15, 45)
    page = _home(client_for, "participant")
    assert "截止 15:30（已过截止时间）" in page and "截止 16:00（已过截止时间）" not in page


def test_the_issuer_does_not_see_the_participants_cutoffs(client_for, demo):
    _at(demo.day(1), 10)
    assert "截止 15:30" not in _home(client_for, "issuer_b")


def test_an_unpaid_fee_past_its_due_date_is_overdue_for_the_payer_and_the_office(client_for, demo):
    from csdp.fees.models import PaymentNotice

    notice = PaymentNotice.objects.filter(status="issued").order_by("due_date").first()
    _at(notice.due_date + dt.timedelta(days=3), 10)
    payer = User.objects.filter(institution=notice.payer).order_by("pk").first()
    for username in (payer.username, "operator"):
        page = _home(client_for, username)
        assert f"付款通知 {notice.number}" in page and "逾期未缴" in page and "已逾期 3 天" in page, username


def test_staff_see_the_calendar_horizon_and_failed_end_of_day_steps(client_for, demo):
    EodStepRun.objects.filter(offering=demo, step=EodStep.T1_SETTLE).delete()
    EodStepRun.objects.create(
        offering=demo,
        step=EodStep.T1_SETTLE,
        business_date=demo.day(1),
        status="failed",
        error="备付金不足，交收未完成。",
    )
    _at(dt.date(2026, 11, 2), 10)
    page = _home(client_for, "operator")
    assert "日终处理失败" in page and "备付金不足，交收未完成。" in page
    assert "交易日历只维护至 2026-12-31" in page and "2027 年的休市安排导入前" in page
    assert "日终处理失败" not in _home(client_for, "participant")


def test_the_certificate_renewal_is_offered_from_60_days_and_after_expiry(client_for, cast):
    from csdp.keys.testing import enrol_test_key

    key = enrol_test_key(cast.issuer_a)
    expiry = key.certificate.not_after
    _at((expiry - dt.timedelta(days=70)).date(), 10)
    assert "证书将于" not in _home(client_for, "issuer_a")
    _at((expiry - dt.timedelta(days=59)).date(), 10)
    page = _home(client_for, "issuer_a")
    assert "USB-KEY 证书将于" in page and "/keys/certificates/renew/" in page
    _at((expiry + dt.timedelta(days=2)).date(), 10)
    page = _home(client_for, "issuer_a")
    assert "证书已于" in page and "/keys/certificates/renew/" in page


def test_the_home_page_needs_few_queries(client_for, demo, django_assert_max_num_queries):
    _at(demo.day(1), 10)
    client = client_for(User.objects.get(username="operator"))
    with django_assert_max_num_queries(80):
        assert client.get("/").status_code == 200


def test_the_offering_step_list_matches_its_state(demo):
    """A listed offering shows no step as still due: one the issuer filed outside the platform reads
    未经本平台办理, not 进行中 or 已逾期 (issue 19 §9)."""
    from csdp.ipo.timeline import timeline

    listed = Offering.objects.get(code="920188")
    states = {m.label: m.state for m in timeline(listed)}
    assert set(states.values()) <= {"done", "passed"}
    assert states["提交新股发行登记申请（限售股东、暂停业务承诺、代码切换申请）"] == "passed"
    _at(demo.day(1), 10)
    cleared = {m.label: m.state for m in timeline(demo)}
    assert cleared["申报申购资金不足的投资者（附件5）"] == "due"
    assert cleared["T日日终清算，发送申购清算数据"] == "done"


def test_every_page_names_its_icon_so_the_browser_does_not_ask_for_a_missing_favicon(client):
    from django.contrib.staticfiles import finders

    page = client.get("/accounts/login/").content.decode()
    assert '<link rel="icon" href="/static/csdp/favicon.svg"' in page
    assert finders.find("csdp/favicon.svg")
