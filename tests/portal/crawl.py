"""Walk the portal as each demo role: every menu page, then the pages they link to (one level), and
give back the visible text of each — for the tests on text shown to users and on page layout."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.test import Client

from csdp.accounts.models import User
from csdp.accounts.demo import DEMO_USERS
from csdp.accounts.menu import menu_for

SKIP_PREFIXES = ("/static/", "/files/", "/api/", "/accounts/logout", "/keys/crl", "/keys/ca.pem")
DOWNLOADS = re.compile(r"(download|export|\.csv|\.xlsx|\.dbf|\.pdf|\.zip|/file)", re.I)


class _Text(HTMLParser):
    """Visible text (no script/style/template contents) and the GET links of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for name in ("title", "placeholder", "aria-label", "data-confirm", "alt"):
            if attrs.get(name) and tag != "meta":
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts), parser.links


@dataclass
class Page:
    role: str
    url: str
    text: str


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session["login_scope"] = "full"
    session.save()
    return client


def crawl(*, depth: int = 1, per_role_max: int = 120, usernames: list[str] | None = None) -> list[Page]:
    pages: list[Page] = []
    for spec in DEMO_USERS:
        if usernames and spec.username not in usernames:
            continue
        user = User.objects.get(username=spec.username)
        client = client_for(user)
        start = ["/"] + [item["url"] for _, items in menu_for(user) for item in items]
        seen: set[str] = set()
        frontier = list(dict.fromkeys(start))
        for _level in range(depth + 1):
            following: list[str] = []
            for url in frontier:
                if url in seen or len(seen) >= per_role_max:
                    continue
                seen.add(url)
                response = client.get(url)
                if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                    continue
                text, links = visible_text(response.content.decode())
                pages.append(Page(spec.username, url, text))
                for href in links:
                    target = urljoin(url, href)
                    parts = urlsplit(target)
                    if parts.netloc or not parts.path.startswith("/") or parts.path.startswith(SKIP_PREFIXES):
                        continue
                    if DOWNLOADS.search(parts.path):
                        continue
                    path = parts.path + (f"?{parts.query}" if parts.query else "")
                    following.append(path)
            frontier = following
    return pages


def demo_seed_fresh() -> None:
    """The demo world inside the caller's transaction. A transactional test before may have flushed the
    rule tables the pledge migration filled and the calendar's years and closed days (the calendar
    refuses a year it does not keep): load them again first."""
    import importlib

    from django.apps import apps

    from csdp.accounts.demo import demo_seed

    importlib.import_module("csdp.pledge.migrations.0002_rules_and_triggers").load(apps, None)
    importlib.import_module("csdp.clock.migrations.0002_load_holidays").load(apps, None)
    importlib.import_module("csdp.clock.migrations.0003_calendar_year").maintained(apps, None)
    demo_seed()
