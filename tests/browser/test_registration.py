"""Seed 000 §一(一) in a real browser: an issuer registers online through the whole wizard — the
agreement, 参与人用户, 在线注册, the institution and user forms, six scans, the SMS code, the review —
and a reviewer approves it; the approval creates the issuer's user and issues its USB-KEY."""

from __future__ import annotations

import pytest

from csdp.accounts.models import User
from csdp.issuers.models import Registration
from csdp.issuers.states import RegistrationStatus
from csdp.keys.models import KeyIssue
from csdp.lib.ids import make_resident_id, make_uscc
from csdp.notify.testing import last_code
from tests.browser.harness import login_as, screenshot
from tests.conftest import PASSWORD
from tests.uploads.makers import pdf_bytes

pytestmark = pytest.mark.browser

MOBILE = "13612345678"


def _next(page, label: str = "下一步"):
    with page.expect_navigation():
        page.get_by_role("button", name=label, exact=True).click()


def _register(page, base_url):
    page.goto(f"{base_url}/issuers/register/")
    with page.expect_navigation():
        page.get_by_role("button", name="我是发行人").click()
    _next(page, "同意")
    page.check("input[name=user_category][value=participant_user]")
    _next(page)
    page.check("input[name=method][value=online]")
    _next(page)

    page.check("input[name=institution_type][value=issuer_beijing]")
    page.fill("#id_name", "北京浏览器测试股份有限公司")
    page.fill("#id_uscc", make_uscc("91110108MA01BRWT1"))
    page.fill("#id_registered_address", "北京市海淀区测试路 1 号")
    page.fill("#id_legal_rep_name", "浏法人")
    page.fill("#id_securities_codes", "920888")
    page.fill("#id_licence_valid_from", "2015-01-01")
    page.check("#id_licence_long_term")
    page.check("#id_three_in_one")
    # 三证合一 greys out the organisation-code fields; 长期有效 the licence end date.
    assert page.locator("#id_org_code").is_disabled() and page.locator("#id_licence_valid_until").is_disabled()
    screenshot(page, "issuer-registration-institution")
    _next(page)

    page.fill("#id_username", "browser_ir")
    page.fill("#id_password", "Browser-Pass-2026!")
    page.fill("#id_password_again", "Browser-Pass-2026!")
    page.fill("#id_agent_name", "浏经办")
    page.select_option("#id_agent_id_type", "resident_id")
    page.fill("#id_agent_id_number", make_resident_id("11010519900307123"))
    page.fill("#id_mobile", MOBILE)
    page.fill("#id_email", "ir@browser.example")
    page.fill("#id_postal_province", "北京市")
    page.fill("#id_postal_city", "北京市")
    page.fill("#id_postal_district", "海淀区")
    page.fill("#id_postal_detail", "测试路 1 号 3 层")
    _next(page)

    scans = page.locator("input[type=file]")
    assert scans.count() == 5  # 三证合一: no organisation-code certificate
    for i in range(scans.count()):
        scans.nth(i).set_input_files({"name": f"scan{i}.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()})
    _next(page)

    _next(page, "获取验证码")
    page.fill("#id_code", last_code(MOBILE))
    _next(page)
    assert "北京浏览器测试股份有限公司" in page.locator("main").inner_text()
    screenshot(page, "issuer-registration-review")
    _next(page, "提交")
    assert page.locator("main h1").inner_text() == "注册申请已提交"


def test_an_issuer_registers_online_and_a_reviewer_approves_it(page, base_url, cast, settings):
    _register(page, base_url)
    registration = Registration.objects.get(username="browser_ir")
    assert registration.status == RegistrationStatus.SUBMITTED

    page.context.clear_cookies()
    login_as(page, base_url, "reviewer", PASSWORD, mode="password")
    page.goto(f"{base_url}/issuers/review/registrations/")
    with page.expect_navigation():
        page.get_by_role("link", name="北京浏览器测试股份有限公司").click()
    assert "营业执照" in page.locator("main").inner_text()
    _next(page, "审核通过")
    assert "USB-KEY 已制作并邮寄" in page.locator(".messages").inner_text()
    screenshot(page, "issuer-registration-approved")

    user = User.objects.get(username="browser_ir")
    assert user.institution.name == "北京浏览器测试股份有限公司"
    assert KeyIssue.objects.filter(user=user, model="grey").exists()
