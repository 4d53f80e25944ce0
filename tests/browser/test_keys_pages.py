"""The USB-KEY pages in a real browser: the three login tabs, 国密证书管理 after 口令登录 (expiry date,
补办证书), and the staff key administration with a locked key and a certificate about to expire."""

from __future__ import annotations

import datetime as dt

from csdp.approvals.models import Approval
from csdp.approvals.services import approval_approve

import pytest

from csdp.clock.services import clock_now
from csdp.keys.models import Certificate, KeyDevice
from csdp.keys.testing import enrol_test_key
from tests.browser.harness import screenshot, session_login

pytestmark = pytest.mark.browser


def test_the_login_page_offers_u盾_口令_and_password_only_logins(page, base_url):
    page.goto(f"{base_url}/accounts/login/")
    tabs = page.get_by_role("navigation", name="登录方式")
    assert tabs.inner_text().split() == ["U盾登录", "口令登录", "仅密码登录"]
    tabs.get_by_text("口令登录").click()
    page.wait_for_url("**mode=sms")
    assert page.locator("img[alt^='图形验证码']").is_visible()
    assert page.locator("button[type=submit]").inner_text() == "获取口令"
    screenshot(page, "keys-login-sms-tab")


def test_口令登录_shows_the_certificate_expiry_and_the_reissue_entry(page, base_url, cast):
    key = enrol_test_key(cast.issuer_a)
    Certificate.objects.filter(pk=key.certificate.pk).update(not_after=clock_now() + dt.timedelta(days=10))
    session_login(page, base_url, cast.issuer_a, scope="password_sms")
    page.goto(f"{base_url}/keys/certificates/")
    text = page.locator("main").inner_text()
    assert "证书到期日期" in text and "剩余" in text and "现在即可申请更换 USB-KEY" in text
    assert page.get_by_role("link", name="补办证书").is_visible()
    # The renewal is offered from 60 days before expiry, also here (issue 19 §8): a valid certificate
    # still signs it with the key; an expired one is renewed from this session.
    assert page.get_by_role("button", name="申请更换 USB-KEY").is_visible()
    screenshot(page, "keys-certificates-password-sms")
    page.goto(f"{base_url}/")
    assert page.url == f"{base_url}/limited/"


def test_staff_see_a_locked_key_and_a_soon_expiring_certificate(page, base_url, cast):
    locked = enrol_test_key(cast.issuer_b)
    KeyDevice.objects.filter(pk=locked.device.pk).update(failed_pins=6, locked_at=clock_now())
    Certificate.objects.filter(pk=locked.certificate.pk).update(not_after=clock_now() + dt.timedelta(days=10))
    session_login(page, base_url, cast.admin)
    page.goto(f"{base_url}/keys/admin/")
    assert "已锁死" in page.locator("#k-devices + table, section[aria-labelledby=k-devices]").first.inner_text()
    expiring = page.locator("section[aria-labelledby=k-expiring]").inner_text()
    assert "issuer_b" in expiring
    screenshot(page, "keys-admin")
    row = page.locator("section[aria-labelledby=k-devices] tr", has_text="issuer_b")
    row.locator("input[name=reason]").first.fill("PIN 码重置申请 #1")
    with page.expect_navigation():
        row.get_by_role("button", name="重置 PIN 码").click()
    # Four-eyes (issue 20 §2): the reset waits for a second staff user.
    assert "须由另一名工作人员复核后生效" in page.locator(".messages").inner_text()
    assert KeyDevice.objects.get(pk=locked.device.pk).locked_at is not None
    approval_approve(approval=Approval.objects.get(kind="keys.pin_reset"), by=cast.reviewer)
    assert KeyDevice.objects.get(pk=locked.device.pk).locked_at is None
