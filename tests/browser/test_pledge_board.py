"""The pledge board in a real browser (seed 004): 张明 publishes a pledgor posting from his holdings;
the reviewer approves it; a lender with a valid posting filters the board, opens it, writes a private
message and reports it; the reviewer handles the report by restricting 张明's postings, which leave
the board. A <script> in the posting stays inert."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps

from csdp.accounts.models import User
from csdp.pledge.models import Posting
from csdp.pledge.models_social import Report, Thread
from tests.browser.harness import screenshot, session_login
from tests.pledge.factories import TODAY, board_user, freeze_clock, holdings_world, posting

pytestmark = pytest.mark.browser
XSS = "<script>window.__pledge_xss = 1</script>"


@pytest.fixture
def world(transactional_db):
    # The flush of transactional tests empties the rule tables the data migration filled.
    importlib.import_module("csdp.pledge.migrations.0002_rules_and_triggers").load(apps, None)
    freeze_clock()
    held = holdings_world()
    zhang = board_user("zhang", investor=held["investor"], name="张明")
    lender = board_user("lender", name="华兴小贷")
    posting(lender, title="华兴出借资金")  # the lender's own valid posting: the right to details
    reviewer = User.objects.create_user(
        username="reviewer",
        password="x-Pass-2026!",
        staff_role="reviewer",
        display_name="孙审核",
        email="r@example.test",
    )
    return {"zhang": zhang, "lender": lender, "reviewer": reviewer}


def _as(browser, base_url, user):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    session_login(page, base_url, user)
    return page


def test_publish_review_browse_message_report_and_moderate(browser, base_url, world):
    zhang = _as(browser, base_url, world["zhang"])
    zhang.goto(f"{base_url}/pledge/new/")
    zhang.select_option("#id_holding", label="0180000001 · 920188 悦龙科技 · 可质押 7,000 股")
    zhang.fill("#id_title", "悦龙科技 5000 股质押融资")
    zhang.fill("#id_quantity_shares", "5000")
    zhang.fill("#id_amount_yuan", "200000")
    zhang.fill("#id_term_months", "6")
    zhang.fill("#id_rate_min_percent", "5")
    zhang.fill("#id_rate_max_percent", "8")
    zhang.fill("#id_valid_until", (TODAY + dt.timedelta(days=30)).isoformat())
    zhang.fill("#id_description", XSS)
    with zhang.expect_navigation():
        zhang.click("#posting-form button[type=submit]")
    assert zhang.locator("#posting-status").inner_text() == "待审核"
    offer = Posting.objects.get(owner=world["zhang"])

    reviewer = _as(browser, base_url, world["reviewer"])
    reviewer.goto(f"{base_url}/pledge/review/")
    with reviewer.expect_navigation():
        reviewer.click("text=悦龙科技 5000 股质押融资")
    assert "检验通过" in reviewer.locator("main").inner_text()
    with reviewer.expect_navigation():
        reviewer.click("#review-form button[value=approve]")
    assert reviewer.locator("#posting-status").inner_text() == "待洽谈"

    lender = _as(browser, base_url, world["lender"])
    lender.goto(f"{base_url}/pledge/")
    lender.fill("#id_code", "920188")
    with lender.expect_navigation():
        lender.click("#board-filter button[type=submit]")
    # The code filter also lists lenders who accept any code (issue 17); the posting is there once.
    rows = lender.locator("#board tbody tr", has_text="悦龙科技 5000 股质押融资")
    assert rows.count() == 1
    with lender.expect_navigation():
        lender.click("text=悦龙科技 5000 股质押融资")
    assert lender.evaluate("window.__pledge_xss") is None  # the script in the description stayed text
    assert XSS in lender.locator(".user-text").inner_text()
    lender.fill("#message-form textarea", "您好，可以按年化 6% 洽谈吗？")
    with lender.expect_navigation():
        lender.click("#message-form button[type=submit]")
    assert "按年化 6% 洽谈" in lender.locator("#thread").inner_text()
    thread = Thread.objects.get(posting=offer)
    screenshot(lender, "pledge-thread")

    zhang.goto(f"{base_url}/pledge/messages/{thread.pk}/")
    assert "按年化 6% 洽谈" in zhang.locator("#thread").inner_text()

    lender.goto(f"{base_url}/pledge/{offer.pk}/")
    lender.click("text=举报此信息")
    lender.fill("#report-form textarea", "描述与实际持有不符")
    with lender.expect_navigation():
        lender.click("#report-form button[type=submit]")
    report = Report.objects.get(posting=offer)

    reviewer.goto(f"{base_url}/pledge/reports/")
    with reviewer.expect_navigation():
        reviewer.click(f"a[href='/pledge/reports/{report.pk}/']")
    with reviewer.expect_navigation():
        reviewer.click("text=发布用户管理")
    reviewer.select_option("#moderate-form select[name=kind]", "restrict")
    reviewer.fill("#moderate-form textarea", "经举报核实，限制发布")
    with reviewer.expect_navigation():
        reviewer.click("#moderate-form button[type=submit]")
    assert reviewer.locator("#restricted").inner_text() == "是"
    screenshot(reviewer, "pledge-moderation")

    lender.goto(f"{base_url}/pledge/")
    assert "悦龙科技 5000 股质押融资" not in lender.locator("#board").inner_text()
    for page in (zhang, reviewer, lender):
        page.context.close()
