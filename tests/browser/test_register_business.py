"""One issuer register business end to end in a real browser (issue 15): the issuer files a 02 新增股份登记
with its Excel data sheet, signed by the USB-KEY; the operator accepts it (which prepares the effect);
a different reviewer approves it on 复核 — the register changes at once (effective today), the
custodian's GFBD file is written; the operator sends the result; the issuer downloads it and finds the
new shares on the 持有人名册 of the effective date."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import load_workbook

from csdp.approvals.models import Approval, Status as ApprovalStatus
from csdp.counter.models import Application
from csdp.counter.states import Status
from csdp.register.models import HoldingChangeFile, Position
from tests.browser.harness import screenshot, session_login, virtual_authenticator
from tests.browser.test_counter_round_trip import _enrol_fido2_key, _pdf_bytes, _status, _submit_signed
from tests.register.businesses import LOCKUP, holder, holders_world, sheet

pytestmark = pytest.mark.browser
TODAY = dt.date(2026, 3, 30)


@pytest.fixture
def register_world(cast):
    from csdp.register.services import register_apply

    world = holders_world(cast)
    security, accounts = world["security"], world["accounts"]
    register_apply(  # the company is on the register already (its 01 was done)
        events=[
            {
                "security": security,
                "account": accounts[0],
                "event_type": "initial",
                "quantity_delta": 800_000,
                "business_date": TODAY - dt.timedelta(days=7),
                "key": "browser:i1",
            }
        ]
    )
    return world


def _xlsx(world, rows) -> bytes:
    return sheet([holder(world, *row) for row in rows]).read()


def test_an_issuer_business_changes_the_register_after_four_eyes_and_the_issuer_gets_the_result(
    browser, page, base_url, cast, register_world
):
    world = register_world
    virtual_authenticator(page)
    _enrol_fido2_key(page, base_url, cast.issuer_a)
    session_login(page, base_url, cast.issuer_a)

    # The issuer files 02 新增股份登记: 50,000 new shares locked up to LOCKUP for 李华, with the Excel sheet.
    page.goto(f"{base_url}/counter/new/notice/")
    page.check("input[name=acknowledged]")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.select_option("#id_securities_code", "920188")
    page.select_option("#id_business_type", label="02-新增股份登记")
    page.wait_for_selector("#id_typed-data_file")
    page.fill("#id_typed-effective_date", TODAY.isoformat())
    page.fill("#id_typed-declared", "50000")
    page.check("#id_typed-declaration")
    page.set_input_files(
        "#id_typed-data_file",
        files=[
            {
                "name": "持有明细.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": _xlsx({"accounts": world["accounts"]}, [(1, 50_000, "05", LOCKUP)]),
            }
        ],
    )
    page.fill("#id_remark", "定向发行新增股份，请办理登记")
    page.set_input_files(
        "#id_attachments",
        files=[{"name": "新增股份登记申请.pdf", "mimeType": "application/pdf", "buffer": _pdf_bytes()}],
    )
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    _submit_signed(page)
    assert _status(page) == Status.SUBMITTED, page.locator("main").inner_text()
    application = Application.objects.get()

    # The operator accepts it: the effect is prepared, not applied.
    staff = browser.new_context(locale="zh-CN").new_page()
    session_login(staff, base_url, cast.operator)
    staff.goto(f"{base_url}/counter/{application.pk}/")
    with staff.expect_navigation():
        staff.click("main form[action$='/accept/'] button[type=submit]")
    approval = Approval.objects.get(subject_id=str(application.pk))
    assert approval.status == ApprovalStatus.PREPARED
    assert not Position.objects.filter(account=world["accounts"][1]).exists()

    # A different reviewer approves it on 复核; effective today, it is applied at once.
    reviewer = browser.new_context(locale="zh-CN").new_page()
    session_login(reviewer, base_url, cast.reviewer)
    reviewer.goto(f"{base_url}/approvals/{approval.pk}/")
    assert "新增股份登记 920188" in reviewer.locator("main").inner_text()
    reviewer.click("button[value=approve]")
    with reviewer.expect_navigation():
        reviewer.locator("dialog#confirm-dialog").get_by_role("button", name="确定").click()
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPLIED, reviewer.locator("main").inner_text()
    screenshot(reviewer, "register-business-approved")

    # The register changed, the capital grew, the custodian's GFBD file is there.
    lot = Position.objects.get(account=world["accounts"][1], security=world["security"])
    assert (lot.share_nature, lot.lockup_end, lot.quantity) == ("05", LOCKUP, 50_000)
    world["security"].refresh_from_db()
    assert world["security"].issued_shares == 850_000
    gfbd = HoldingChangeFile.objects.get(business="02", file_format="csv")
    text = (Path(settings.CSDP_FILES_DIR) / gfbd.path).read_bytes().decode("gbk")
    assert world["accounts"][1].number in text and ",05,20270330,50000,50000,0,0," in text

    # The operator sends the result (the 持有人名册 of the effective date, attached by the apply).
    staff.goto(f"{base_url}/counter/{application.pk}/")
    with staff.expect_navigation():
        staff.click("main form[action$='/issue-results/'] button[type=submit]")
    assert _status(staff) == Status.RESULT_ISSUED, staff.locator("main").inner_text()

    # The issuer downloads it and finds the new shares on the list.
    page.goto(f"{base_url}/counter/{application.pk}/")
    with page.expect_download() as download:
        page.click("text=持有人名册.xlsx")
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    rows = [tuple(r) for r in book.active.iter_rows(values_only=True)]
    assert any(r[1] == world["accounts"][1].number and r[7] == 50_000 for r in rows if len(r) > 7)
    assert [r[7] for r in rows if r[0] == "登记股本"] == [850_000]
    screenshot(page, "register-business-result")
    staff.context.close()
    reviewer.context.close()
