"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server.

Each xdist worker launches one browser for its session; each test gets a fresh context (no shared
cookies). The live server listens on ``localhost`` (pytest-django's default), which WebAuthn needs:
http://localhost is a secure context and a valid relying-party id. Static files, including the npm
vendor assets under var/vendor (`make assets`), are served by the live server's static handler.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest

# Playwright's sync API runs an event loop in the test thread; Django would refuse ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium_or_skip() -> None:
    """Where chromium is missing (a developer's machine), skip with the reason; CI sets
    CSDP_REQUIRE_BROWSER=1 (.ci/run), where a missing browser is a failure, not a skip."""
    if os.path.exists(CHROMIUM):
        return
    message = f"浏览器测试已跳过：未找到 {CHROMIUM}（Debian/Ubuntu：sudo apt-get install chromium）"
    if os.environ.get("CSDP_REQUIRE_BROWSER") == "1":
        pytest.fail(message + "；CSDP_REQUIRE_BROWSER=1 要求运行浏览器测试。", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser(django_db_setup):
    from django.db import DEFAULT_DB_ALIAS, connections

    _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    # Once Playwright runs, Django's connection handler (context-local) hands this thread new
    # connection objects, which lack the post-migration snapshot that serialized rollback restores
    # before each transactional test (tests/dbstate.py). Share the snapshot, taken when the test
    # database was created (hence django_db_setup first), with every connection of the backend.
    default = connections[DEFAULT_DB_ALIAS]
    if hasattr(default, "_test_serialized_contents"):
        type(default)._test_serialized_contents = default._test_serialized_contents

    with sync_playwright() as playwright:
        # headless=True is Playwright's default and adds --headless itself; the flag is also listed
        # in CHROMIUM_ARGS so the command line reads the same wherever it is logged.
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def base_url(live_server) -> str:
    """The live server's URL with host ``localhost`` (WebAuthn refuses bare IP addresses)."""
    parts = urlsplit(live_server.url)
    return f"http://localhost:{parts.port}"


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()
