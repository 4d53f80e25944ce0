"""The USB-KEY in a real browser (seed 000 §一(二)(四)): the agent enrols a key with the code sent to the
mobile, then logs in with U盾登录 — the page asks the key to sign the server's challenge, the server
checks the PIN, and the initial PIN must be changed first. Once with a FIDO2 key (Chrome's virtual
authenticator, WebAuthn on http://localhost) and once with the WebCrypto software key in IndexedDB."""

from __future__ import annotations

import pytest

from csdp.keys.models import CertificateStatus, KeyDevice
from csdp.keys.services import key_issue
from csdp.notify.testing import last_code
from tests.browser.harness import login_as, screenshot, virtual_authenticator
from tests.conftest import PASSWORD
from tests.uploads.makers import image_bytes

pytestmark = pytest.mark.browser


def _enrol(page, base_url, user, button: str) -> None:
    key_issue(user=user, model="grey", actor=None)
    page.goto(f"{base_url}/keys/enrol/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_code", last_code(user.mobile))
    with page.expect_navigation():
        page.click("button[type=submit]")
    with page.expect_navigation():
        page.click(f"button[data-csdp-enrol={button}]")
    assert "USB-KEY 已启用" in page.locator("main").inner_text()
    screenshot(page, f"keys-enrolled-{button}")


def _key_login_and_change_pin(page, base_url, user, on_key_step=None) -> None:
    login_as(page, base_url, user.username, PASSWORD, mode="key")
    assert page.url == f"{base_url}/keys/login/key/"
    if on_key_step:
        on_key_step()
    page.fill("#id_pin", "123456")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url == f"{base_url}/keys/pin/", page.locator("main").inner_text()
    assert "请修改 PIN 码" in page.locator("main h1").inner_text()
    page.fill("#id_old_pin", "123456")
    page.fill("#id_new_pin", "864200")
    page.fill("#id_new_pin_again", "864200")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.url == f"{base_url}/"
    assert page.locator("main h1").inner_text() == "首页"


def test_an_agent_enrols_a_fido2_key_and_logs_in_with_it(page, base_url, cast):
    authenticator = virtual_authenticator(page)
    _enrol(page, base_url, cast.issuer_a, "webauthn")
    device = KeyDevice.objects.get(user=cast.issuer_a)
    assert device.kind == "webauthn" and device.rp_id == "localhost"
    assert device.certificates.get().status == CertificateStatus.ACTIVE
    assert len(authenticator.credentials()) == 1
    _key_login_and_change_pin(page, base_url, cast.issuer_a)
    screenshot(page, "keys-home-after-webauthn-login")


def test_an_agent_enrols_a_software_key_and_logs_in_with_it(page, base_url, cast):
    _enrol(page, base_url, cast.issuer_a, "software")
    device = KeyDevice.objects.get(user=cast.issuer_a)
    assert device.kind == "software"

    def private_key_is_not_extractable():
        # The private key stayed in the browser: IndexedDB holds a CryptoKey that cannot be exported.
        page.wait_for_function("() => window.csdpKeys !== undefined")
        held = page.evaluate(f"async () => (await window.csdpKeys.loadKey({device.credential_id!r})).extractable")
        assert held is False

    _key_login_and_change_pin(page, base_url, cast.issuer_a, on_key_step=private_key_is_not_extractable)


def test_a_key_that_fails_user_verification_does_not_log_in(page, base_url, cast):
    authenticator = virtual_authenticator(page)
    _enrol(page, base_url, cast.issuer_a, "webauthn")
    authenticator.set_user_verified(False)
    login_as(page, base_url, cast.issuer_a.username, PASSWORD, mode="key")
    page.fill("#id_pin", "123456")
    page.click("button[type=submit]")
    page.get_by_text("USB-KEY 签名未完成").wait_for()
    assert page.url == f"{base_url}/keys/login/key/"


PNG = image_bytes("PNG")


def test_a_renewal_is_signed_by_the_fido2_key_in_the_browser(page, base_url, cast):
    from csdp.keys.models import KeyApplication

    virtual_authenticator(page)
    _enrol(page, base_url, cast.issuer_a, "webauthn")
    _key_login_and_change_pin(page, base_url, cast.issuer_a)
    page.goto(f"{base_url}/keys/certificates/renew/")
    page.fill("#id_postal_address", "北京市 北京市 海淀区 中关村大街 1 号")
    for slot in ("licence", "legal_rep_id", "agent_id", "annex7"):
        page.set_input_files(f"#id_{slot}", files=[{"name": f"{slot}.png", "mimeType": "image/png", "buffer": PNG}])
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "确认提交" in page.locator("main h1").inner_text(), page.locator("main").inner_text()
    with page.expect_navigation():
        page.click("main button[type=submit]")  # keys.js asks the authenticator, then submits
    application = KeyApplication.objects.get(user=cast.issuer_a)
    assert application.signature.kind == "webauthn" and application.signature.verify()
    assert "已签名" in page.locator("main").inner_text()
    screenshot(page, "keys-renewal-signed")
