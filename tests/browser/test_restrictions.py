"""Issue 17 in a real browser: a board posting → the joint pledge registration (the lender files it
from the board, 张明 confirms it under his own login) → an operator prepares and a different reviewer
approves it → both parties see the 质押登记证明 and the register shows the pledge → a partial release."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps

from csdp.accounts.models import User
from csdp.approvals.models import Approval
from csdp.pledge.models import Side
from csdp.pledge.models_social import Thread
from csdp.register.models import Position
from csdp.restrictions.models import Pledge
from tests.browser.harness import screenshot, session_login
from tests.pledge.factories import TODAY, board_user, freeze_clock, holdings_world, posting
from tests.restrictions.factories import pdf_file

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    importlib.import_module("csdp.pledge.migrations.0002_rules_and_triggers").load(apps, None)
    freeze_clock()
    held = holdings_world()  # 张明: 10 000 free of which 2 000 frozen and 1 000 pledged
    zhang = board_user("zhang", investor=held["investor"], name="张明")
    lender = board_user("lender", name="华兴小贷")
    posting(lender, title="华兴出借资金")  # its own valid posting: the right to see details (004 §十四)
    offer = posting(zhang, side=Side.PLEDGOR, world=held, quantity=5_000, status="negotiating", title="悦龙科技质押")
    Thread.objects.create(posting=offer, starter=lender, recipient=zhang, last_message_at=offer.created_at)
    staff = {
        role: User.objects.create_user(
            username=role, password="x-Pass-2026!", staff_role=role, display_name=role, email=f"{role}@example.test"
        )
        for role in ("operator", "reviewer")
    }
    return {"zhang": zhang, "lender": lender, "offer": offer, "held": held, **staff}


def _as(browser, base_url, user):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    session_login(page, base_url, user)
    return page


def _approve(reviewer, base_url, approval):
    reviewer.goto(f"{base_url}/approvals/{approval.pk}/")
    reviewer.click("button[value=approve]")  # asks first: our own <dialog> (csdp.js, data-confirm)
    with reviewer.expect_navigation():
        reviewer.locator("dialog#confirm-dialog").get_by_role("button", name="确定").click()


def _pledged(held):
    return sum(p.pledged for p in Position.objects.filter(account=held["account"], security=held["stock"]))


def test_board_posting_to_registered_pledge_to_partial_release(browser, base_url, world, tmp_path):
    lender = _as(browser, base_url, world["lender"])
    lender.goto(f"{base_url}/pledge/{world['offer'].pk}/handoff/")
    assert lender.input_value("#id_pledgor_account") == "0180000001"  # a party: filled in from the posting
    assert lender.input_value("#id_counterparty") == "zhang"
    lender.fill("#id_debt_amount", "2000000")
    lender.fill("#id_debt_start", TODAY.isoformat())
    lender.fill("#id_debt_end", (TODAY + dt.timedelta(days=365)).isoformat())
    lender.fill("#id_contract_number", "HT-2026-088")
    contract = tmp_path / "质押合同.pdf"
    contract.write_bytes(pdf_file().read())
    lender.set_input_files("#id_materials", str(contract))
    with lender.expect_navigation():
        lender.click("#pledge-form button[type=submit]")
    with lender.expect_navigation():
        lender.click("#pledge-sign-form button[type=submit]")
    assert lender.locator("#pledge-status").inner_text() == "待对方确认"
    pledge = Pledge.objects.get()
    assert _pledged(world["held"]) == 1_000  # nothing on the register yet

    zhang = _as(browser, base_url, world["zhang"])
    zhang.goto(f"{base_url}/restrictions/pledges/{pledge.pk}/")
    with zhang.expect_navigation():
        zhang.click("#confirm-form button[type=submit]")
    assert zhang.locator("#pledge-status").inner_text() == "待审核"

    operator = _as(browser, base_url, world["operator"])
    operator.goto(f"{base_url}/restrictions/pledges/{pledge.pk}/")
    with operator.expect_navigation():
        operator.click("#review-form button[value=prepare]")
    reviewer = _as(browser, base_url, world["reviewer"])
    _approve(reviewer, base_url, Approval.objects.get(kind="restrictions.pledge"))

    pledge.refresh_from_db()
    assert pledge.status == "registered" and _pledged(world["held"]) == 6_000
    for party in (zhang, lender):
        party.goto(f"{base_url}/restrictions/pledges/{pledge.pk}/")
        assert party.locator("#pledge-status").inner_text() == "已登记"
        response = party.request.get(f"{base_url}/restrictions/pledges/{pledge.pk}/certificate.pdf")
        assert response.status == 200 and response.body().startswith(b"%PDF-")
    anyone = browser.new_page()  # not logged in
    anyone.goto(f"{base_url}/restrictions/verify/?code={pledge.verify_code}")
    assert pledge.number in anyone.locator("#verify-result").inner_text()
    world["offer"].refresh_from_db()
    assert world["offer"].status == "pledged"

    lender.goto(f"{base_url}/restrictions/pledges/{pledge.pk}/")
    lender.fill("#release-form input[name=quantity_shares]", "2000")
    with lender.expect_navigation():
        lender.click("#release-form button[type=submit]")
    with lender.expect_navigation():
        lender.click("button:has-text('签名提交解除申请')")
    operator.goto(f"{base_url}/restrictions/pledges/{pledge.pk}/")
    with operator.expect_navigation():
        operator.click("button[value=prepare]")
    _approve(reviewer, base_url, Approval.objects.get(kind="restrictions.release"))
    zhang.goto(f"{base_url}/restrictions/pledges/{pledge.pk}/")
    assert zhang.locator("#pledge-status").inner_text() == "部分解除"
    assert _pledged(world["held"]) == 4_000
    screenshot(zhang, "restrictions-partial-release")
