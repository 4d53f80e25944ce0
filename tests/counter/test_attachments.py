"""000 §三(一)7: 1–2 zip archives or exactly one PDF, typed by content through the upload service."""

from __future__ import annotations

import pytest

from csdp.counter.attachments import check_attachment_set
from csdp.counter.models import Application, ApplicationFile
from csdp.counter.services import CounterError
from csdp.uploads.errors import UploadRejected
from csdp.uploads.models import StoredFile
from tests.counter.factories import draft, exe_upload, pdf_upload, xlsx_upload, zip_upload


def _files_of(app):
    return sorted(ApplicationFile.objects.filter(application=app).values_list("stored_file__detected_type", flat=True))


def test_it_accepts_one_zip(cast, codes):
    assert _files_of(draft(cast.issuer_a, files=[zip_upload()])) == ["zip"]


def test_it_accepts_two_zips(cast, codes):
    app = draft(cast.issuer_a, files=[zip_upload("一.zip"), zip_upload("二.zip")])
    assert _files_of(app) == ["zip", "zip"]


def test_it_accepts_exactly_one_pdf(cast, codes):
    assert _files_of(draft(cast.issuer_a, files=[pdf_upload()])) == ["pdf"]


@pytest.mark.parametrize(
    "files, message",
    [
        (lambda: [zip_upload("1.zip"), zip_upload("2.zip"), zip_upload("3.zip")], "共选择了 3 个文件"),
        (lambda: [zip_upload(), pdf_upload()], "PDF 文件只能单独上传"),
        (lambda: [pdf_upload("1.pdf"), pdf_upload("2.pdf")], "PDF 文件只能单独上传"),
        (lambda: [], "请上传申请材料"),
    ],
    ids=["three-zips", "zip-and-pdf", "two-pdfs", "none"],
)
def test_it_refuses_a_set_outside_the_rule_and_leaves_nothing(cast, codes, files, message):
    stored_before = StoredFile.objects.count()
    with pytest.raises(CounterError) as refused:
        draft(cast.issuer_a, files=files())
    assert message in refused.value.message
    assert not Application.objects.exists()
    assert StoredFile.objects.count() == stored_before


def test_it_refuses_a_renamed_executable_with_a_clear_message(cast, codes):
    with pytest.raises(CounterError) as refused:
        draft(cast.issuer_a, files=[exe_upload("申请材料.pdf")])
    assert refused.value.message
    assert not Application.objects.exists()
    assert not StoredFile.objects.exists()


def test_it_refuses_an_excel_workbook_although_it_is_a_zip_inside(cast, codes):
    with pytest.raises(CounterError):
        draft(cast.issuer_a, files=[xlsx_upload("材料.zip")])
    assert not Application.objects.exists()


def test_it_refuses_a_zip_with_a_path_traversal_name(cast, codes):
    with pytest.raises(CounterError):
        draft(cast.issuer_a, files=[zip_upload(members={"../../etc/passwd": b"x"})])
    assert not Application.objects.exists()


def test_it_refuses_a_pdf_that_does_not_parse(cast, codes):
    broken = pdf_upload()
    broken = type(broken)("坏.pdf", b"%PDF-1.4\n this is not a pdf body", content_type="application/pdf")
    with pytest.raises(CounterError):
        draft(cast.issuer_a, files=[broken])


@pytest.mark.parametrize("types", [["zip"], ["zip", "zip"], ["pdf"]])
def test_the_set_rule_passes_the_manuals_combinations(types):
    check_attachment_set(types)


@pytest.mark.parametrize("types", [[], ["pdf", "pdf"], ["zip", "pdf"], ["pdf", "zip"], ["zip", "zip", "zip"]])
def test_the_set_rule_refuses_everything_else(types):
    with pytest.raises(UploadRejected):
        check_attachment_set(types)
