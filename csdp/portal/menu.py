"""The left function bar (seed 000 §一(四): 首页左侧为功能栏). Each app registers its entries in its
AppConfig.ready(); the shell shows the entries of the user's role, grouped by section."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse

from csdp.accounts.roles import role_of


@dataclass(frozen=True)
class MenuItem:
    section: str
    label: str
    url_name: str
    roles: set[str] = field(default_factory=set)
    order: int = 500


_ITEMS: list[MenuItem] = []


def register(item: MenuItem) -> None:
    if item not in _ITEMS:
        _ITEMS.append(item)


def menu_for(user, current_path: str = "") -> list[tuple[str, list[dict]]]:
    role = role_of(user)
    if role is None:
        return []
    sections: dict[str, list[dict]] = {}
    for item in sorted(_ITEMS, key=lambda i: (i.order, i.label)):
        if role not in item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        sections.setdefault(item.section, []).append(
            {"label": item.label, "url": url, "active": current_path.startswith(url) and url != "/"}
        )
    return list(sections.items())
