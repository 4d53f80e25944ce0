"""Generated hostile archives, each refused through upload_store with nothing left behind."""

from __future__ import annotations

import warnings
import zipfile

import pytest

from csdp.uploads.services import upload_store
from csdp.uploads.zipguard import ZipLimits, zip_inspect
from tests.uploads.makers import (
    MB,
    elf_executable,
    encrypted_zip,
    gbk_named_zip,
    many_small_bombs,
    pdf_bytes,
    symlink_zip,
    understated_zip,
    raw_named_zip,
    upload,
    zip64_claiming,
    zip_bomb,
    zip_bytes,
)

KIND = "archive_or_pdf"


def test_it_accepts_an_ordinary_archive_of_documents(db):
    data = zip_bytes([("材料/营业执照.pdf", pdf_bytes()), ("材料/说明.txt", "说明".encode()), ("材料/", b"")])

    stored = upload_store(file=upload("申请材料.zip", data), kind=KIND)

    assert stored.detected_type == "zip" and stored.content_type == "application/zip"


def test_it_reads_gbk_names_written_without_the_utf8_flag(db, tmp_path):
    path = tmp_path / "a.zip"
    path.write_bytes(gbk_named_zip())

    assert zip_inspect(path) == ["报告.pdf"]
    assert upload_store(file=upload("材料.zip", gbk_named_zip()), kind=KIND).detected_type == "zip"


def test_it_survives_a_name_that_is_neither_utf8_nor_gbk(db, tmp_path):
    path = tmp_path / "a.zip"
    path.write_bytes(raw_named_zip(b"\xff\xfe\x80.pdf"))

    assert zip_inspect(path) == [b"\xff\xfe\x80.pdf".decode("cp437")]


def test_it_rejects_an_archive_with_no_files(assert_rejected):
    assert_rejected(upload("空.zip", zip_bytes([])), KIND, "没有任何文件")
    assert_rejected(upload("空.zip", zip_bytes([("目录/", b"")])), KIND, "没有任何文件")


def test_it_rejects_a_zip_bomb_with_a_high_compression_ratio(assert_rejected):
    assert_rejected(upload("bomb.zip", zip_bomb()), KIND, "压缩比异常")


def test_it_rejects_many_small_entries_that_together_inflate_too_much(assert_rejected):
    assert_rejected(upload("bombs.zip", many_small_bombs()), KIND, "整体压缩比异常")


def test_it_rejects_an_archive_that_inflates_beyond_the_total_limit(db, tmp_path):
    path = tmp_path / "big.zip"
    path.write_bytes(zip_bytes([(f"{i}.txt", bytes(range(256)) * 4096) for i in range(3)]))

    with pytest.raises(Exception, match="总大小超过上限"):
        zip_inspect(path, limits=ZipLimits(max_total_bytes=2 * MB, max_entry_ratio=10**6, max_total_ratio=10**6))


def test_it_rejects_a_zip_whose_directory_understates_the_inflated_size(assert_rejected):
    assert_rejected(upload("liar.zip", understated_zip()), KIND, "压缩包已损坏")


def test_it_rejects_a_zip_with_too_many_entries(assert_rejected):
    data = zip_bytes([(f"f{i}.txt", b"x") for i in range(1001)], compression=zipfile.ZIP_STORED)

    assert_rejected(upload("many.zip", data), KIND, "文件过多（1001 个")


def test_it_counts_entries_from_the_zip64_end_record_before_parsing_the_directory(assert_rejected):
    assert_rejected(upload("huge.zip", zip64_claiming(70000)), KIND, "文件过多（70000 个")


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/passwd", "..\\evil.txt", "C:/x", "docs/../../evil.txt"])
def test_it_rejects_a_zip_with_a_path_traversal_name(assert_rejected, name):
    assert_rejected(upload("t.zip", zip_bytes([(name, b"owned")])), KIND, "非法路径")


def test_it_rejects_a_zip_with_a_zip_inside(assert_rejected):
    inner = zip_bytes([("a.txt", b"a")])

    assert_rejected(upload("n.zip", zip_bytes([("inner.zip", inner)])), KIND, "不能再包含压缩包")


def test_it_rejects_an_archive_hidden_under_an_innocent_name_inside_a_zip(assert_rejected):
    inner = zip_bytes([("a.txt", b"a")])

    assert_rejected(upload("n.zip", zip_bytes([("附件.txt", inner)])), KIND, "不能再包含压缩包")


@pytest.mark.parametrize("name", ["data.rar", "data.7z", "data.tar.gz", "data.tar"])
def test_it_rejects_other_archive_formats_inside_a_zip(assert_rejected, name):
    assert_rejected(upload("n.zip", zip_bytes([(name, b"whatever")])), KIND, "不能再包含压缩包")


def test_it_rejects_a_zip_with_an_encrypted_entry(assert_rejected):
    assert_rejected(upload("e.zip", encrypted_zip()), KIND, "已加密")


def test_it_rejects_a_zip_with_a_symlink_entry(assert_rejected):
    assert_rejected(upload("s.zip", symlink_zip()), KIND, "符号链接")


def test_it_rejects_an_executable_inside_a_zip_by_name_or_by_content(assert_rejected):
    assert_rejected(upload("x.zip", zip_bytes([("setup.exe", b"x")])), KIND, "可执行程序")
    assert_rejected(upload("x.zip", zip_bytes([("readme.txt", elf_executable())])), KIND, "可执行程序")


def test_it_rejects_duplicate_names_inside_a_zip(assert_rejected):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns while writing the duplicate we want
        data = zip_bytes([("a.txt", b"1"), ("a.txt", b"2")])

    assert_rejected(upload("d.zip", data), KIND, "重名")


def test_it_rejects_a_truncated_zip(assert_rejected):
    data = zip_bytes([("a.txt", b"hello" * 100)])

    assert_rejected(upload("cut.zip", data[: len(data) // 2]), KIND, "压缩包已损坏")
