"""Irreversible actions ask first (issue 19 §4): reopening a closed day, revoking a certificate,
withdrawing a counter application, the final delete of a pledge posting. 取消 leaves everything as it
was; 确定 goes through. The question is our own <dialog> (csdp/static/csdp/csdp.js, data-confirm)."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps

from csdp.clock.models import ClosedDay
from csdp.counter.models import Application
from csdp.counter.states import Status
from csdp.keys.models import Certificate
from csdp.keys.testing import enrol_test_key
from csdp.pledge.models import Posting
from csdp.pledge.states import PostingStatus
from tests.browser.harness import screenshot, session_login
from tests.counter.factories import draft, give_codes

pytestmark = pytest.mark.browser

CLOSED = dt.date(2026, 12, 30)


def _declined_then_confirmed(page, button, still_there, gone, name: str) -> None:
    url = page.url
    button.click()
    dialog = page.locator("dialog#confirm-dialog")
    assert dialog.is_visible()
    assert dialog.inner_text().strip()
    screenshot(page, f"confirm-{name}")
    dialog.get_by_role("button", name="取消").click()
    assert not dialog.is_visible()
    page.wait_for_timeout(300)
    assert page.url == url and still_there(), "取消 must leave the object untouched"

    button.click()
    with page.expect_navigation():
        dialog.get_by_role("button", name="确定").click()
    assert gone()


def _prepared(kind: str) -> int:
    from csdp.approvals.models import Approval

    return Approval.objects.filter(kind=kind).count()


def _approve_as(page, base_url, reviewer, kind: str) -> None:
    """The reviewer's 复核通过 is where the change takes effect: it asks too."""
    from csdp.approvals.models import Approval

    approval = Approval.objects.get(kind=kind)
    page.context.clear_cookies()
    session_login(page, base_url, reviewer)
    page.goto(f"{base_url}/approvals/{approval.pk}/")
    button = page.get_by_role("button", name="复核通过")
    button.click()
    dialog = page.locator("dialog#confirm-dialog")
    assert dialog.is_visible()
    dialog.get_by_role("button", name="取消").click()
    approval.refresh_from_db()
    assert approval.status == "prepared"
    button.click()
    with page.expect_navigation():
        dialog.get_by_role("button", name="确定").click()


@pytest.mark.parametrize("width", [1280, 390])
def test_reopening_a_closed_day_asks_first(page, base_url, cast, width):
    from csdp.clock.services import closed_day_add as add

    page.set_viewport_size({"width": width, "height": 900})
    add(day=CLOSED, reason="测试休市", actor=cast.admin)
    session_login(page, base_url, cast.admin)
    page.goto(f"{base_url}/calendar/?year=2026")
    row = page.locator("tr", has_text="2026-12-30")
    # Reopening is four-eyes: 确定 files it for review; the reviewer's approval reopens the day.
    _declined_then_confirmed(
        page,
        row.get_by_role("button", name="取消休市"),
        lambda: _prepared("clock.open_day") == 0,
        lambda: _prepared("clock.open_day") == 1,
        f"closed-day-{width}",
    )
    assert ClosedDay.objects.filter(date=CLOSED).exists()
    _approve_as(page, base_url, cast.reviewer, "clock.open_day")
    assert not ClosedDay.objects.filter(date=CLOSED).exists()


def test_revoking_a_certificate_asks_first(page, base_url, cast):
    certificate = enrol_test_key(cast.issuer_a).certificate
    session_login(page, base_url, cast.admin)
    page.goto(f"{base_url}/keys/admin/")
    form = page.locator(f"form[action$='/certificates/{certificate.pk}/revoke/']")
    form.locator("input[name=reason]").fill("测试作废")
    kind = "keys.certificate_revoke"
    _declined_then_confirmed(
        page,
        form.get_by_role("button", name="作废证书"),
        lambda: _prepared(kind) == 0,
        lambda: _prepared(kind) == 1,
        "certificate",
    )
    _approve_as(page, base_url, cast.reviewer, kind)
    assert Certificate.objects.get(pk=certificate.pk).status == "revoked"


def test_withdrawing_an_application_asks_first(page, base_url, cast):
    give_codes(cast.issuer_a.institution, "920001")
    application = draft(cast.issuer_a, code="920001")
    session_login(page, base_url, cast.issuer_a)
    page.goto(f"{base_url}/counter/{application.pk}/")

    def status():
        return Application.objects.get(pk=application.pk).status

    _declined_then_confirmed(
        page,
        page.get_by_role("button", name="撤回申请"),
        lambda: status() == Status.DRAFT,
        lambda: status() == Status.WITHDRAWN,
        "withdraw",
    )


def test_the_final_delete_of_a_posting_asks_first(page, base_url, transactional_db):
    from tests.pledge.factories import board_user, freeze_clock, posting

    importlib.import_module("csdp.pledge.migrations.0002_rules_and_triggers").load(apps, None)
    freeze_clock()
    lender = board_user("lender", name="华兴小贷")
    offer = posting(lender, title="华兴出借资金")
    session_login(page, base_url, lender)
    page.goto(f"{base_url}/pledge/{offer.pk}/")

    def status():
        return Posting.objects.get(pk=offer.pk).status

    _declined_then_confirmed(
        page,
        page.get_by_role("button", name="删除", exact=True),
        lambda: status() == PostingStatus.OPEN,
        lambda: status() == PostingStatus.DELETED,
        "posting-delete",
    )
