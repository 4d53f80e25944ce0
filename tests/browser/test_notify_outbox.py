"""The staff outbox in a real browser: the table refreshes itself (htmx, every 5 s), so a code sent
while the page is open appears without a reload."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from csdp.notify.codes import code_issue
from csdp.notify.testing import last_code
from tests.browser.harness import screenshot

pytestmark = pytest.mark.browser


def _log_in(page, base_url, user) -> None:
    client = Client()
    client.force_login(user)
    session = client.session
    session["login_scope"] = "full"
    session.save()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])


def test_a_code_sent_while_the_outbox_is_open_appears_without_a_reload(page, base_url, cast):
    _log_in(page, base_url, cast.reviewer)
    page.goto(f"{base_url}/notify/outbox/")
    table = page.locator("#outbox-table")
    assert "没有符合条件的消息。" in table.inner_text()
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    code_issue(purpose="register", mobile="13912345678")

    table.get_by_text(last_code("13912345678")).wait_for(timeout=12_000)
    assert navigations == []
    screenshot(page, "notify-outbox")
