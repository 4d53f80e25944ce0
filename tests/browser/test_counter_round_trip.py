"""The virtual counter in a real browser (seed 000 §三): the agent acknowledges the notice, picks a
code, reads the guide swapped in by htmx, uploads one PDF and submits it signed by the USB-KEY
(Chrome's virtual FIDO2 authenticator); the operator returns it with an opinion; the agent uploads
a corrected archive and resubmits, signed again; the operator accepts it and sends a result report;
the agent downloads it and confirms — 办结."""

from __future__ import annotations

import io

import pytest

from csdp.counter.models import Application
from csdp.counter.states import Status
from csdp.keys.services import key_issue
from csdp.notify.testing import last_code
from tests.browser.harness import screenshot, session_login, virtual_authenticator
from tests.conftest import PASSWORD
from tests.counter.factories import give_codes

pytestmark = pytest.mark.browser


def _pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _zip_bytes() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("验资报告.txt", "验资报告（补充）".encode())
    return buffer.getvalue()


def _enrol_fido2_key(page, base_url, user) -> None:
    key_issue(user=user, model="grey", actor=None)
    page.goto(f"{base_url}/keys/enrol/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_code", last_code(user.mobile))
    with page.expect_navigation():
        page.click("button[type=submit]")
    with page.expect_navigation():
        page.click("button[data-csdp-enrol=webauthn]")


def _submit_signed(page) -> None:
    """提交 on the confirm page: keys.js asks the key to sign, then posts the form."""
    assert "确认并提交" in page.locator("main h1").inner_text()
    assert page.locator("input[data-csdp-sign]").count() == 1
    with page.expect_navigation():
        page.click("#submit-form button[type=submit]")


def _status(page) -> str:
    return page.locator("[data-status]").get_attribute("data-status")


def test_an_application_goes_round_trip_to_finished(browser, page, base_url, cast):
    give_codes(cast.issuer_a.institution, "920001")
    virtual_authenticator(page)
    _enrol_fido2_key(page, base_url, cast.issuer_a)
    session_login(page, base_url, cast.issuer_a)

    # 新申报业务: 温馨提示 → 已阅 → code → guide (htmx) → type → remark → one PDF.
    page.goto(f"{base_url}/counter/new/notice/")
    page.check("input[name=acknowledged]")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.select_option("#id_securities_code", "920001")
    page.select_option("#id_business_type", label="00-其他")
    page.wait_for_selector("text=业务指南：00-其他")
    page.fill("#id_remark", "登记证明文件出具，请审核")  # 00: the attachment-only type (01–06 are structured)
    page.set_input_files(
        "#id_attachments",
        files=[{"name": "新增股份登记申请.pdf", "mimeType": "application/pdf", "buffer": _pdf_bytes()}],
    )
    screenshot(page, "counter-new-application")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    _submit_signed(page)
    assert _status(page) == Status.SUBMITTED, page.locator("main").inner_text()
    application = Application.objects.get()
    assert application.rounds.get().signature.verify()

    # The operator returns it with an opinion.
    staff = browser.new_context(locale="zh-CN").new_page()
    session_login(staff, base_url, cast.operator)
    staff.goto(f"{base_url}/counter/queue/")
    with staff.expect_navigation():
        staff.click(f"text={application.reference}")
    staff.click("text=退回（请修改 / 确认材料）")
    staff.select_option("#id_return-kind", "modify")
    staff.fill("#id_return-opinion", "缺少验资报告，请补充后重新提交。")
    with staff.expect_navigation():
        staff.click("main form[action$='/return/'] button[type=submit]")
    assert _status(staff) == Status.RETURNED

    # The agent sees the opinion, uploads a corrected archive and resubmits, signed again.
    page.goto(f"{base_url}/counter/{application.pk}/")
    with page.expect_navigation():
        page.click("text=根据办理意见处理")
    assert "缺少验资报告" in page.locator("main").inner_text()
    page.fill("#id_remark", "已补充验资报告")
    page.set_input_files(
        "#id_attachments", files=[{"name": "补充材料.zip", "mimeType": "application/zip", "buffer": _zip_bytes()}]
    )
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    _submit_signed(page)
    assert _status(page) == Status.SUBMITTED

    # The operator accepts it, attaches a result report and sends it back.
    staff.goto(f"{base_url}/counter/{application.pk}/")
    with staff.expect_navigation():
        staff.click("main form[action$='/accept/'] button[type=submit]")
    staff.set_input_files(
        "#id_file", files=[{"name": "新增股份登记结果.pdf", "mimeType": "application/pdf", "buffer": _pdf_bytes()}]
    )
    with staff.expect_navigation():
        staff.click("main form[action$='/results/'] button[type=submit]")
    with staff.expect_navigation():
        staff.click("main form[action$='/issue-results/'] button[type=submit]")
    assert _status(staff) == Status.RESULT_ISSUED
    screenshot(staff, "counter-staff-results-sent")

    # The agent downloads the report from 业务列表 and confirms: 办结.
    page.goto(f"{base_url}/counter/list/")
    with page.expect_navigation():
        page.click(f"text={application.reference}")
    with page.expect_download() as download:
        page.click("text=新增股份登记结果.pdf")
    assert download.value.suggested_filename == "新增股份登记结果.pdf"
    with page.expect_navigation():
        page.click("text=确认结果并提交（办结）")
    assert _status(page) == Status.FINISHED
    assert "本业务已办结" in page.locator("main").inner_text()
    screenshot(page, "counter-finished")

    application.refresh_from_db()
    assert application.status == Status.FINISHED
    assert [r.signature.verify() for r in application.rounds.order_by("number")] == [True, True]
    staff.context.close()
