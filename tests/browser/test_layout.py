"""Every menu page of every demo role at desktop and phone widths (issue 19 §6, §10): no page scrolls
sideways at 390 px (wide tables scroll inside their own box), numbers are right-aligned and unbroken,
the board's filters fold away on a phone, and a stored date comes back in its form unchanged."""

from __future__ import annotations

import pytest

from csdp.accounts.models import User
from csdp.accounts.demo import DEMO_USERS, demo_seed
from csdp.accounts.menu import menu_for
from tests.browser.harness import screenshot, session_login

pytestmark = pytest.mark.browser
WIDTHS = (1280, 390)

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  if (document.documentElement.scrollWidth > width + 1) {
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 1 && !el.closest('.table-scroll') && getComputedStyle(el).position !== 'fixed'
          && !el.closest('dialog')) {
        wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '') + ' ' + Math.round(r.right));
        if (wide.length > 4) break;
      }
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, wide};
}"""


@pytest.fixture
def demo_world(transactional_db):
    import importlib

    from django.apps import apps

    # The flush of transactional tests empties the rule tables the pledge migration filled.
    importlib.import_module("csdp.pledge.migrations.0002_rules_and_triggers").load(apps, None)
    demo_seed()


def _menu_urls(user) -> list[str]:
    from csdp.accounts.menu import split_user_settings

    left, settings_items = split_user_settings(menu_for(user))
    return ["/"] + [i["url"] for _, items in left for i in items] + [i["url"] for i in settings_items]


def test_no_menu_page_of_any_role_scrolls_sideways(browser, base_url, demo_world):
    offenders, seen = {}, 0
    for spec in DEMO_USERS:
        user = User.objects.get(username=spec.username)
        urls = _menu_urls(user)
        for width in WIDTHS:
            context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
            context.set_default_timeout(20_000)
            page = context.new_page()
            session_login(page, base_url, user)
            for url in urls:
                page.goto(base_url + url)
                page.wait_for_load_state("load")
                seen += 1
                found = page.evaluate(OVERFLOW)
                if found["scroll"] > found["width"] + 1:
                    offenders[f"{spec.username} {width}px {url}"] = found
                    screenshot(page, f"overflow-{spec.username}-{width}-{url}")
            context.close()
    assert seen > 100
    assert offenders == {}


def test_numbers_are_right_aligned_and_unbroken_and_the_board_filters_fold_on_a_phone(browser, base_url, demo_world):
    operator = User.objects.get(username="operator")
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 900})
    page = context.new_page()
    session_login(page, base_url, operator)
    page.goto(f"{base_url}/fees/notices/")
    cells = page.locator("td.num")
    assert cells.count() > 0
    assert cells.first.evaluate("c => [getComputedStyle(c).textAlign, getComputedStyle(c).whiteSpace]") == [
        "right",
        "nowrap",
    ]
    assert page.locator("th.num").count() > 0

    pledger = User.objects.get(username="pledger")
    session_login(page, base_url, pledger)
    page.goto(f"{base_url}/pledge/")
    folded = page.locator("details.fold-filters")
    if folded.count():  # a user without a valid posting sees only the summary, without filters
        assert folded.evaluate("d => d.open") is False
        screenshot(page, "board-390-filters-folded")
    context.close()


def test_a_stored_date_comes_back_in_its_form_unchanged(page, base_url, demo_world):
    """The pledge posting edit form shows the stored 有效期至 in its <input type=date> and, submitted
    unchanged, keeps it (issue 19 §1: 2020/01/01 was dropped by the browser and the submit failed)."""
    from csdp.pledge.models import Posting

    posting = (
        Posting.objects.filter(owner__username="pledger")
        .exclude(status__in=["pledged", "expired", "deleted"])
        .order_by("pk")
        .first()
    )
    assert posting is not None
    stored = posting.valid_until
    session_login(page, base_url, posting.owner)
    page.goto(f"{base_url}/pledge/{posting.pk}/edit/")
    assert page.locator("#id_valid_until").input_value() == stored.isoformat()
    with page.expect_navigation():
        page.click("#posting-form button[type=submit]")
    assert page.locator(".errorlist").count() == 0, page.locator(".errorlist").all_inner_texts()
    posting.refresh_from_db()
    assert posting.valid_until == stored
