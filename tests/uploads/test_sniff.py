"""Type by content, never by extension."""

from __future__ import annotations

from csdp.uploads.sniff import clean_name
from csdp.uploads.services import upload_store
from tests.uploads.makers import (
    elf_executable,
    image_bytes,
    mz_executable,
    pdf_bytes,
    upload,
    xlsx_bytes,
    zip_bytes,
)


def test_it_rejects_a_windows_executable_named_pdf(assert_rejected):
    assert_rejected(upload("营业执照.pdf", mz_executable()), "scan", "可执行程序或脚本")


def test_it_rejects_a_linux_executable_named_zip(assert_rejected):
    assert_rejected(upload("材料.zip", elf_executable()), "archive_or_pdf", "可执行程序或脚本")


def test_it_rejects_a_mach_o_binary_and_a_shebang_script_whatever_their_name(assert_rejected):
    assert_rejected(upload("a.csv", b"\xcf\xfa\xed\xfe" + b"\x07" * 100), "data", "可执行程序或脚本")
    assert_rejected(upload("a.csv", b"#!/bin/sh\nrm -rf /\n"), "data", "可执行程序或脚本")


def test_it_rejects_html_posing_as_a_text_file(assert_rejected):
    assert_rejected(upload("a.txt", b"<!DOCTYPE html><script>alert(1)</script>"), "data", "网页或脚本")


def test_it_rejects_a_pdf_name_holding_a_zip(assert_rejected):
    message = assert_rejected(upload("申请.pdf", zip_bytes([("a.txt", b"a")])), "archive_or_pdf", "“.pdf”")

    assert "ZIP 压缩包" in message


def test_it_rejects_a_zip_name_holding_a_pdf(assert_rejected):
    assert_rejected(upload("申请.zip", pdf_bytes()), "archive_or_pdf", "扩展名“.zip”表示ZIP 压缩包")


def test_it_rejects_a_png_named_jpg(assert_rejected):
    assert_rejected(upload("照片.jpg", image_bytes("PNG")), "scan", "实际内容是PNG 图片")


def test_it_rejects_an_xlsx_named_zip_and_a_plain_zip_named_xlsx(assert_rejected):
    assert_rejected(upload("表.zip", xlsx_bytes()), "result", "实际内容是Excel")
    assert_rejected(upload("表.xlsx", zip_bytes([("a.txt", b"a")])), "result", "实际内容是ZIP 压缩包")


def test_it_rejects_a_good_file_with_a_foreign_or_missing_extension(assert_rejected):
    assert_rejected(upload("scan.exe", pdf_bytes()), "scan", "请使用 .pdf 扩展名")
    assert_rejected(upload("scan", pdf_bytes()), "scan", "（无扩展名）")


def test_it_rejects_a_type_the_kind_does_not_take(assert_rejected):
    assert_rejected(upload("数据.csv", b"a,b\n1,2\n"), "scan", "此处只能上传")
    assert_rejected(upload("照片.png", image_bytes("PNG")), "archive_or_pdf", "所选文件是PNG 图片")


def test_it_rejects_binary_data_that_is_no_known_type(assert_rejected):
    assert_rejected(upload("a.dat", b"abc\x00\x01\x02" * 50), "data", "无法识别的文件类型")
    assert_rejected(upload("a.dat", b"\xff\xfe\xfd\x80" * 50), "data", "无法识别的文件类型")


def test_it_takes_csv_in_gbk_and_records_the_encoding(db):
    data = "证券代码,证券简称\n920001,甲公司\n".encode("gbk")

    stored = upload_store(file=upload("名单.csv", data), kind="data")

    assert (stored.detected_type, stored.content_type) == ("csv", "text/csv; charset=gbk")


def test_it_takes_utf8_text_with_a_bom_as_txt(db):
    stored = upload_store(file=upload("说明.txt", "\ufeff说明\n".encode("utf-8")), kind="data")

    assert (stored.detected_type, stored.content_type) == ("txt", "text/plain; charset=utf-8")


def test_the_kept_name_has_no_directories_or_invisible_characters():
    assert clean_name("C:\\fakepath\\营业执照.pdf") == "营业执照.pdf"
    assert clean_name("photo\u202egpj.exe") == "photogpj.exe"
    assert clean_name("a\x00b.pdf ") == "ab.pdf"
    assert clean_name("../..") == "未命名文件"
    assert len(clean_name("长" * 300 + ".pdf")) == 200 and clean_name("长" * 300 + ".pdf").endswith(".pdf")
