"""The left function bar (seed 000 §一(四): 首页左侧为功能栏) and the 用户设置 menu at the top right
(页面右上方用户设置). Each app registers its entries in its AppConfig.ready(); the shell shows the
entries of the user's role — and, in a limited login scope, only those the scope may open — grouped by
section. Exactly one entry is current: the one whose link matches the page best."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, resolve, reverse
from django.urls.exceptions import Resolver404

from csdp.accounts.roles import role_of

USER_SETTINGS = "用户设置"  # shown at the top right, not in the left bar


@dataclass(frozen=True)
class MenuItem:
    section: str
    label: str
    url_name: str
    roles: set[str] = field(default_factory=set)
    order: int = 500
    query: str = ""  # e.g. "type=05": one business of the counter under 北京市场发行人服务
    section_order: int | None = None  # where the section goes; default: its first item's order


_ITEMS: list[MenuItem] = []


def register(item: MenuItem) -> None:
    if item not in _ITEMS:
        _ITEMS.append(item)


def _scope_allows(scope: str | None, url_name: str) -> bool:
    if not scope or scope == "full":
        return True
    from csdp.accounts.middleware import ALWAYS_ALLOWED, SCOPE_URL_NAMES  # at call time: tests patch it

    return url_name in ALWAYS_ALLOWED or url_name in SCOPE_URL_NAMES.get(scope, set())


def _current(entries: list[dict], current_path: str, current_query: str) -> dict | None:
    """The one entry for this page: the same path and query first, then the longest path prefix."""
    best, best_score = None, -1
    for entry in entries:
        path, _, query = entry["url"].partition("?")
        if path == "/":
            continue
        if current_path == path and query and query in current_query:
            score = 10_000 + len(path)
        elif current_path.startswith(path) and not query:
            score = len(path) + (1_000 if current_path == path else 0)
        else:
            continue
        if score > best_score:
            best, best_score = entry, score
    return best


def menu_for(
    user, current_path: str = "", scope: str | None = None, current_query: str = ""
) -> list[tuple[str, list[dict]]]:
    role = role_of(user)
    if role is None:
        return []
    sections: dict[str, list[dict]] = {}
    entries = []
    for item in sorted(_ITEMS, key=lambda i: (i.order, i.label)):
        if role not in item.roles or not _scope_allows(scope, item.url_name):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        if item.query:
            url = f"{url}?{item.query}"
        entry = {"label": item.label, "url": url, "active": False, "section": item.section}
        entries.append(entry)
        sections.setdefault(item.section, []).append(entry)
    current = _current(entries, current_path, current_query)
    if current is not None:
        current["active"] = True
    return list(sections.items())


def split_user_settings(menu: list[tuple[str, list[dict]]]) -> tuple[list, list[dict]]:
    """(the left bar's sections, the 用户设置 entries for the top right)."""
    left = [(section, items) for section, items in menu if section != USER_SETTINGS]
    settings_items = next((items for section, items in menu if section == USER_SETTINGS), [])
    return left, settings_items


def url_name_of(path: str) -> str:
    try:
        return resolve(path).view_name
    except Resolver404:
        return ""
