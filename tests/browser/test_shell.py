"""The shell in a real browser: every demo role logs in through the login form and lands on a
Chinese home page with its role in the top bar and its own entries in the left function bar
(seed 000 §一(四)); the virtual USB-KEY used by the key tests answers WebAuthn calls."""

from __future__ import annotations

import pytest

from csdp.accounts.roles import StaffRole
from csdp.accounts.demo import DEMO_PASSWORD, DEMO_USERS, demo_seed
from tests.browser.harness import login_as, screenshot, session_login, virtual_authenticator
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_the_live_server_is_reached_on_localhost(live_server, base_url):
    assert live_server.url.startswith("http://localhost:")
    assert base_url == live_server.url


def test_every_demo_role_logs_in_to_a_chinese_shell_with_its_own_function_bar(page, base_url, settings):
    # The shell is under test here, not the USB-KEY: lift the key requirement and use the password
    # mode, so that the issuers too (some demo issuers hold keys, one of them locked) complete the
    # login with their password. tests/keys drives the key step.
    settings.CSDP_KEY_REQUIRED_KINDS = set()
    demo_seed()
    for demo in DEMO_USERS:
        page.context.clear_cookies()
        try:
            login_as(page, base_url, demo.username, DEMO_PASSWORD, mode="password")
        except Exception:
            screenshot(page, f"login-failed-{demo.username}")
            raise

        refusal = page.locator("[role=alert]").all_inner_texts()
        assert page.url == f"{base_url}/", f"{demo.username} stopped at {page.url}: {refusal}"
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        who = page.locator(".topbar .who").inner_text()
        assert demo.display_name in who and demo.role_label in who
        sidebar = page.locator("#sidebar").inner_text()
        is_staff = demo.staff_role in set(StaffRole)
        assert ("待办" in sidebar) is is_staff, sidebar
        assert ("申请列表" in sidebar) is not is_staff, sidebar
        assert page.locator("main h1").inner_text() == "首页"
        screenshot(page, f"home-{demo.username}")


def test_a_wrong_password_keeps_the_user_on_the_login_page_with_a_chinese_message(page, base_url, cast):
    login_as(page, base_url, "participant", "not-the-password")

    assert page.url.startswith(f"{base_url}/accounts/login/")
    assert page.get_by_role("alert").inner_text() == "用户名或密码错误。"


def test_an_issuer_without_a_usb_key_is_not_let_in_on_the_password_alone(page, base_url, cast):
    login_as(page, base_url, "issuer_a", PASSWORD)

    assert page.url.startswith(f"{base_url}/accounts/login/")
    assert "USB-KEY" in page.get_by_role("alert").inner_text()
    page.goto(f"{base_url}/")
    assert page.url.startswith(f"{base_url}/accounts/login/")


def test_the_stylesheets_and_scripts_of_the_shell_are_served(page, base_url):
    failed = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.goto(f"{base_url}/accounts/login/")
    page.wait_for_load_state("networkidle")

    screenshot(page, "login")
    assert failed == []
    assert page.evaluate("typeof htmx") == "object"
    # pico.css sets the page font: the login card is styled, not browser defaults.
    assert page.evaluate("getComputedStyle(document.querySelector('.login-card')).maxWidth") != "none"


CREATE_P256_CREDENTIAL = """async () => {
  const challenge = crypto.getRandomValues(new Uint8Array(32));
  const credential = await navigator.credentials.create({publicKey: {
    challenge,
    rp: {id: "localhost", name: "CSDP"},
    user: {id: new TextEncoder().encode("issuer_a"), name: "issuer_a", displayName: "王经办"},
    pubKeyCredParams: [{type: "public-key", alg: -7}],
    authenticatorSelection: {residentKey: "required", userVerification: "required"},
    timeout: 10000,
  }});
  return {id: credential.id, algorithm: credential.response.getPublicKeyAlgorithm()};
}"""


def test_the_virtual_authenticator_creates_a_p256_credential_in_the_page(page, base_url):
    page.goto(f"{base_url}/accounts/login/")
    key = virtual_authenticator(page)
    assert key.credentials() == []

    created = page.evaluate(CREATE_P256_CREDENTIAL)

    assert created["algorithm"] == -7  # ES256: ECDSA on P-256 with SHA-256
    held = key.credentials()
    assert len(held) == 1 and held[0]["rpId"] == "localhost" and held[0]["isResidentCredential"]
    key.remove()


def test_a_key_whose_pin_check_fails_creates_no_credential(page, base_url):
    page.goto(f"{base_url}/accounts/login/")
    key = virtual_authenticator(page)
    key.set_user_verified(False)

    outcome = page.evaluate(
        "async (create) => { try { await (eval(create))(); return 'created'; } catch (e) { return e.name; } }",
        CREATE_P256_CREDENTIAL,
    )

    assert outcome == "NotAllowedError"
    assert key.credentials() == []


def test_session_login_opens_the_shell_with_the_scope_given(page, base_url, cast):
    session_login(page, base_url, cast.operator)
    page.goto(f"{base_url}/")
    assert page.locator(".topbar .who").inner_text() == "operator（业务办理）"

    page.context.clear_cookies()
    session_login(page, base_url, cast.participant, scope="password_only_unregistered")
    page.goto(f"{base_url}/")
    assert page.url == f"{base_url}/limited/"
    assert "功能受限" in page.locator("main h1").inner_text()
