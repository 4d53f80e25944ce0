"""Helpers for browser tests: log in through the real form, drive a virtual WebAuthn authenticator
(Chrome DevTools Protocol, WebAuthn domain), save screenshots. Imported by tests/browser/conftest.py
and by any browser test that needs them (the USB-KEY enrolment and signing tests)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

# The options of a USB-KEY: a roaming CTAP2 key that holds resident credentials and verifies its user
# (the PIN of seed 000 §一(四)); isUserVerified answers every PIN prompt with success.
AUTHENTICATOR_OPTIONS = {
    "protocol": "ctap2",
    "transport": "usb",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
}


class VirtualAuthenticator:
    """A virtual authenticator attached to one page; credentials() lists what it holds."""

    def __init__(self, page: Page, **overrides):
        self.page = page
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("WebAuthn.enable", {"enableUI": False})
        options = {**AUTHENTICATOR_OPTIONS, **overrides}
        self.authenticator_id: str = self.cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})[
            "authenticatorId"
        ]

    def credentials(self) -> list[dict]:
        reply = self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.authenticator_id})
        return reply["credentials"]

    def set_user_verified(self, verified: bool) -> None:
        """False makes the next PIN prompt fail, as a wrong PIN would."""
        self.cdp.send(
            "WebAuthn.setUserVerified", {"authenticatorId": self.authenticator_id, "isUserVerified": verified}
        )

    def clear(self) -> None:
        self.cdp.send("WebAuthn.clearCredentials", {"authenticatorId": self.authenticator_id})

    def remove(self) -> None:
        """Unplug the key."""
        self.cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": self.authenticator_id})


def virtual_authenticator(page: Page, **overrides) -> VirtualAuthenticator:
    return VirtualAuthenticator(page, **overrides)


def login_as(page: Page, base_url: str, username: str, password: str, mode: str = "key") -> Page:
    """Submit the real login form (mode: "key" U盾登录, "sms" 口令登录, "password") and wait for the
    next page. Users who need no USB-KEY land on their page; an issuer goes on to the key step."""
    page.goto(f"{base_url}/accounts/login/?mode={mode}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    with page.expect_navigation():
        page.locator("form:has(#id_password) button[type=submit]").click()
    return page


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG under test-artifacts/screenshots/ and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def session_login(page: Page, base_url: str, user, scope: str = "full") -> Page:
    """Give the browser a logged-in session without going through the form (for tests about a page,
    not about logging in): the same session a completed login leaves, with its login scope."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = client.session
    session["login_scope"] = scope
    session.save()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])
    return page
