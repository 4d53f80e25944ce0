"""Failure and suspension through the pages and the API (seed 002 第五章): who records, what each party
sees, escaping, the counter pages for type 15."""

import datetime as dt

import pytest

from csdp.approvals.models import Approval
from csdp.counter.models import Status
from csdp.ipo.models import OfferingStatus, RefundItem, StopRefund
from csdp.ipo.services import reserve_deposit
from csdp.keys.testing import enrol_test_key
from csdp.ledger.selectors import balance_of
from tests.ipo.world import T, at
from tests.ipo.stop_world import T3, _underwriter_user
from tests.ipo.stop_world import loaded, stopped_5_2  # noqa: F401 (pytest fixtures)


pytestmark = pytest.mark.django_db


# ---- pages and API --------------------------------------------------------------------------------------


def test_the_operator_records_a_suspension_on_the_offering_page_and_everyone_sees_what_follows(
    loaded, cast, client_for
):
    offering, _, _ = loaded
    at(T, 15)
    operator = client_for(cast.operator)
    assert "记录北交所确认的发行失败或中止" in operator.get(f"/ipo/{offering.pk}/").content.decode()
    response = operator.post(
        f"/ipo/{offering.pk}/stop/",
        {
            "kind": "suspended",
            "confirmed_at": "2026-03-16T14:30",
            "reference": "北证发〔2026〕2号",
            "reason": "<script>alert(1)</script>突发事件",
        },
    )
    assert response.status_code == 302
    assert "中止发行" not in client_for(cast.issuer_a).get(f"/ipo/{offering.pk}/").content.decode()  # not yet
    _approve_as_reviewer(client_for, cast)
    page = client_for(cast.issuer_a).get(f"/ipo/{offering.pk}/").content.decode()
    assert "中止发行" in page and "T日日终前确认" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;突发事件" in page and "<script>alert(1)" not in page
    assert "15-发行失败或中止" in page  # the issuer is pointed to the counter application


def test_a_bad_stop_form_is_answered_in_chinese_and_changes_nothing(loaded, cast, client_for):
    offering, _, _ = loaded
    response = client_for(cast.operator).post(f"/ipo/{offering.pk}/stop/", {"kind": "other"}, follow=True)
    assert "选择一个有效的选项" in response.content.decode()
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.SUBSCRIBING


def _approve_as_reviewer(client_for, cast):
    approval = Approval.objects.get(kind="ipo.stop_record", status="prepared")
    same = client_for(cast.operator).post(f"/approvals/{approval.pk}/decide/", {"action": "approve"}, follow=True)
    assert "您的角色不能复核" in same.content.decode()  # the operator who prepared it cannot approve it
    client_for(cast.reviewer).post(f"/approvals/{approval.pk}/decide/", {"action": "approve"})
    return approval


def test_the_api_prepares_a_stop_that_a_reviewer_approves_and_it_reports_its_stage(loaded, cast, client_for):
    offering, _, _ = loaded
    at(T, 15)
    client = client_for(cast.operator)
    body = {"kind": "failed", "confirmed_at": "2026-03-16T14:00:00+08:00", "reference": "X1", "reason": "认购不足"}
    response = client.post(f"/api/v1/ipo/offerings/{offering.pk}/stop", body, content_type="application/json")
    assert response.status_code == 202 and response.json()["status"] == "prepared"
    pending = client.post(
        f"/api/v1/ipo/offerings/{offering.pk}/stop", {**body, "reference": "X9"}, content_type="application/json"
    )
    assert pending.status_code == 422 and "待复核" in pending.json()["detail"]
    _approve_as_reviewer(client_for, cast)
    again = client.post(f"/api/v1/ipo/offerings/{offering.pk}/stop", body, content_type="application/json")
    assert again.status_code == 422 and "已记录" in again.json()["detail"]
    shown = client_for(cast.issuer_a).get(f"/api/v1/ipo/offerings/{offering.pk}").json()
    assert shown["status"] == "failed" and shown["stop"]["reference"] == "X1"


def test_the_underwriter_funds_its_account_for_the_refund_from_the_offering_page(stopped_5_2, cast, client_for):
    from csdp.accounts.models import User

    offering, _, _ = stopped_5_2
    user = User.objects.create(username="uw1", institution=offering.underwriter, display_name="华信经办")
    client = client_for(user)
    assert "自营结算备付金账户可用余额 0.00 元" in client.get(f"/ipo/{offering.pk}/").content.decode()
    client.post(f"/ipo/{offering.pk}/underwriter-deposit/", {"amount": "12.34", "reference": "W1"})
    assert balance_of(offering.underwriter_account).posted_fen == 1234


def test_the_interest_application_goes_through_the_counter_pages(stopped_5_2, cast, client_for):
    from django.urls import reverse

    from csdp.counter.models import Application, BusinessType
    from tests.counter.factories import pdf_upload, sign_and_submit

    offering, s1, _ = stopped_5_2
    at(T3, 10)
    reserve_deposit(institution=offering.underwriter, amount_fen=100_00, reference="uw", actor=None)
    filer = _underwriter_user(offering)
    underwriter = client_for(filer)
    underwriter.post(reverse("counter:notice"), {"acknowledged": "1"})
    underwriter.post(
        reverse("counter:new"),
        {
            "securities_code": "920188",
            "business_type": BusinessType.objects.get(code="15").pk,
            "attachments": [pdf_upload("书面申请、委托退款授权书和公告.pdf")],
            "typed-materials": "on",
            "typed-refund_interest": "on",
            "typed-annual_rate": "0.35",
            "typed-day_count": "360",
        },
    )
    application = Application.objects.get(business_type__code="15")
    assert application.rounds.get().data["annual_rate"] == "0.35"  # exact text, never a float
    sign_and_submit(application, filer, enrol_test_key(filer))
    client_for(cast.operator).post(reverse("counter:accept", args=[application.pk]), {"accept-opinion": "同意返还利息"})
    application.refresh_from_db()
    assert application.status == Status.ACCEPTED
    assert StopRefund.objects.get(offering=offering, item=RefundItem.INTEREST).amount_fen == 109
    assert application.files.filter(purpose="result").exists()  # the Excel report of what was done


def test_a_confirmation_time_without_a_zone_is_taken_as_beijing_time(loaded, cast, client_for):
    offering, _, _ = loaded
    at(T, 15)
    body = {"kind": "failed", "confirmed_at": "2026-03-16T14:00:00", "reference": "X2", "reason": "认购不足"}
    response = client_for(cast.operator).post(
        f"/api/v1/ipo/offerings/{offering.pk}/stop", body, content_type="application/json"
    )
    assert response.status_code == 202
    _approve_as_reviewer(client_for, cast)
    beijing = dt.timezone(dt.timedelta(hours=8))
    offering.stop.refresh_from_db()
    assert offering.stop.confirmed_at == dt.datetime(2026, 3, 16, 14, 0, tzinfo=beijing)
