"""Building counter objects for tests (and for the access matrix in tests/access_policy.py)."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from csdp.counter import handling
from csdp.counter.models import BusinessType
from csdp.counter.services import application_confirm_results, application_draft, application_submit, pending_round
from csdp.counter.states import Status


def pdf_upload(name: str = "申请材料.pdf") -> SimpleUploadedFile:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def zip_upload(name: str = "材料.zip", members: dict[str, bytes] | None = None) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in (members or {"申请书.txt": "申请书内容".encode()}).items():
            archive.writestr(member, data)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/zip")


def xlsx_upload(name: str = "结果.xlsx") -> SimpleUploadedFile:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["结果", 1])
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def exe_upload(name: str = "材料.pdf") -> SimpleUploadedFile:
    """A Windows executable renamed to look like a PDF."""
    return SimpleUploadedFile(
        name, b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode"
    )


def give_codes(institution, *codes: str) -> None:
    from csdp.issuers.models import IssuerSecurity

    for code in codes:
        IssuerSecurity.objects.get_or_create(code=code, defaults={"institution": institution})


def plain_type(code: str = "00") -> BusinessType:
    # 9x: more attachment-only types for tests that tell types apart (01–07 are structured now).
    if code.startswith("9"):
        return BusinessType.objects.get_or_create(
            code=code, defaults={"name": "测试业务（仅附件）", "filer_kinds": ["issuer"]}
        )[0]
    return BusinessType.objects.get(code=code)


def draft(user, *, type_code: str = "00", code: str | None = None, files=None, remark: str = "请办理", data=None):
    from csdp.counter.selectors import securities_codes_for

    code = code or securities_codes_for(user.institution)[0]
    return application_draft(
        user=user,
        business_type=plain_type(type_code),
        securities_code=code,
        remark=remark,
        data=data,
        files=[pdf_upload()] if files is None else files,
    )


def sign_and_submit(application, user, key):
    from csdp.keys.signing import signing_context
    from csdp.keys.testing import sign

    context = signing_context(user=user, digest=pending_round(application).digest)
    return application_submit(application=application, user=user, signature_payload=sign(key, context))


def drive(application, to_state: str, *, filer, key, operator):
    """Move a draft application along the happy path (with one return where needed) to ``to_state``."""
    if to_state == Status.DRAFT:
        return application
    if to_state == Status.WITHDRAWN:
        from csdp.counter.services import application_withdraw

        return application_withdraw(application=application, user=filer)
    application = sign_and_submit(application, filer, key)
    if to_state == Status.SUBMITTED:
        return application
    if to_state == Status.RETURNED:
        return handling.application_return(application=application, actor=operator, kind="modify", opinion="请补充材料")
    application = handling.application_accept(application=application, actor=operator)
    if to_state == Status.ACCEPTED:
        return application
    handling.result_attach(application=application, actor=operator, file=pdf_upload("结果报表.pdf"))
    application = handling.application_issue_results(application=application, actor=operator)
    if to_state == Status.RESULT_ISSUED:
        return application
    return application_confirm_results(application=application, user=filer)
