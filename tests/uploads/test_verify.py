"""Each detected type must open in its own parser."""

from __future__ import annotations

from csdp.uploads.services import upload_store
from tests.uploads.makers import image_bytes, pdf_bytes, upload, xlsx_bytes, xlsx_with_macros, zip_bytes


def test_it_takes_a_valid_pdf(db):
    assert upload_store(file=upload("a.pdf", pdf_bytes()), kind="archive_or_pdf").detected_type == "pdf"


def test_it_rejects_a_pdf_header_that_does_not_parse(assert_rejected):
    data = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nnot really a pdf\n"

    assert_rejected(upload("坏.pdf", data), "scan", "PDF 文件已损坏")


def test_it_rejects_an_encrypted_pdf(assert_rejected):
    assert_rejected(upload("密.pdf", pdf_bytes(password="secret")), "scan", "已加密")


def test_it_rejects_a_pdf_with_no_pages(assert_rejected):
    assert_rejected(upload("空.pdf", pdf_bytes(pages=0)), "scan", "没有任何页面")


def test_it_rejects_a_pdf_with_javascript(assert_rejected):
    assert_rejected(upload("js.pdf", pdf_bytes(javascript="app.alert(1);")), "scan", "脚本")


def test_it_rejects_a_pdf_that_launches_a_program_when_opened(assert_rejected):
    assert_rejected(upload("launch.pdf", pdf_bytes(launch="cmd.exe")), "scan", "自动执行")


def test_it_rejects_a_pdf_with_an_embedded_file(assert_rejected):
    assert_rejected(upload("att.pdf", pdf_bytes(attachment=("setup.exe", b"MZ"))), "scan", "内嵌了附件")


def test_it_rejects_a_pdf_that_is_also_a_zip(assert_rejected):
    polyglot = pdf_bytes() + zip_bytes([("a.txt", b"a")])

    assert_rejected(upload("poly.pdf", polyglot), "scan", "夹带了压缩包")


def test_it_takes_png_and_jpeg_images(db):
    assert upload_store(file=upload("a.png", image_bytes("PNG")), kind="scan").detected_type == "png"
    assert upload_store(file=upload("a.jpeg", image_bytes("JPEG")), kind="scan").detected_type == "jpeg"


def test_it_rejects_an_image_with_too_many_pixels(assert_rejected):
    # 8000 x 8000 one-bit pixels: a few kilobytes on disk, 64 million pixels decoded.
    assert_rejected(upload("bomb.png", image_bytes("PNG", size=(8000, 8000), mode="1")), "scan", "像素过多")


def test_it_rejects_a_truncated_png_and_a_truncated_jpeg(assert_rejected):
    png, jpeg = image_bytes("PNG", size=(300, 300)), image_bytes("JPEG", size=(300, 300))

    assert_rejected(upload("cut.png", png[: len(png) // 2]), "scan", "图片文件已损坏")
    assert_rejected(upload("cut.jpg", jpeg[: len(jpeg) // 2]), "scan", "图片文件已损坏")


def test_it_takes_an_xlsx_made_by_openpyxl(db):
    stored = upload_store(file=upload("报送.xlsx", xlsx_bytes()), kind="spreadsheet")

    assert stored.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_it_rejects_an_xlsx_with_macros(assert_rejected):
    assert_rejected(upload("宏.xlsx", xlsx_with_macros()), "spreadsheet", "含有宏")


def test_it_rejects_an_xlsx_whose_parts_are_garbage(assert_rejected):
    data = zip_bytes([("[Content_Types].xml", b"<not xml"), ("xl/workbook.xml", b"<nope")])

    assert_rejected(upload("坏.xlsx", data), "spreadsheet", "Excel 文件已损坏")
