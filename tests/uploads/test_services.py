from __future__ import annotations

import hashlib
import io
import os
import re
import time

import pytest

from csdp.audit.models import AuditEvent
from csdp.uploads.models import StoredFile
from csdp.uploads.services import UploadRejected, storage_sweep, upload_check, upload_store
from tests.uploads.conftest import files_under
from tests.uploads.makers import MB, image_bytes, pdf_bytes, upload, xlsx_bytes, zip_bytes


def test_it_stores_a_valid_pdf_with_its_sha256_size_and_owner(cast, storage):
    data = pdf_bytes(pages=2)
    owner = cast.issuer_a.institution

    stored = upload_store(file=upload("营业执照.pdf", data), kind="scan", owner=owner, actor=cast.issuer_a)

    stored.refresh_from_db()
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.size_bytes == len(data)
    assert (stored.kind, stored.detected_type, stored.content_type) == ("scan", "pdf", "application/pdf")
    assert stored.original_name == "营业执照.pdf"
    assert stored.owner_institution == owner and stored.uploaded_by == cast.issuer_a
    with stored.open() as fh:
        assert fh.read() == data
    assert files_under(storage) == [stored.storage_path]


def test_it_names_the_stored_file_randomly_never_after_the_upload(cast, storage):
    stored = upload_store(file=upload("../../etc/passwd.pdf", pdf_bytes()), kind="scan", owner=None)

    assert stored.original_name == "passwd.pdf"
    assert "passwd" not in stored.storage_path and ".." not in stored.storage_path
    assert re.fullmatch(r"uploads/[0-9a-f]{2}/[0-9a-f]{32}", stored.storage_path)


def test_it_records_an_audit_event_for_each_stored_file(cast):
    stored = upload_store(
        file=upload("a.png", image_bytes("PNG")), kind="scan", actor=cast.issuer_a, owner=cast.issuer_a.institution
    )

    event = AuditEvent.objects.for_object(stored).get()
    assert event.action == "file.stored" and event.actor == cast.issuer_a
    assert event.data["sha256"] == stored.sha256 and event.data["kind"] == "scan"


def test_it_stores_an_anonymous_draft_without_owner_or_uploader(db):
    stored = upload_store(file=upload("身份证.jpg", image_bytes("JPEG")), kind="scan")

    assert stored.owner_institution is None and stored.uploaded_by is None
    assert stored.detected_type == "jpeg" and stored.content_type == "image/jpeg"


def test_it_accepts_any_object_with_name_and_read(db):
    class Plain(io.BytesIO):
        name = "清单.xlsx"

    stored = upload_store(file=Plain(xlsx_bytes()), kind="spreadsheet")

    assert stored.detected_type == "xlsx"


def test_it_refuses_an_empty_file(assert_rejected):
    assert_rejected(upload("空.pdf", b""), "scan", "文件为空")


def test_it_refuses_a_file_over_the_kind_limit_before_reading_it_all(assert_rejected):
    big = b"%PDF-1.7\n" + b"0" * (10 * MB)

    message = assert_rejected(upload("大.pdf", big), "scan", "文件大小超过上限")

    assert "10 MB" in message


def test_it_counts_the_bytes_itself_when_the_declared_size_lies(assert_rejected):
    class Lying(io.BytesIO):
        name = "大.pdf"
        size = 100

    assert_rejected(Lying(b"%PDF-1.7\n" + b"0" * (10 * MB)), "scan", "文件大小超过上限")


def test_each_kind_has_its_own_limit(db, settings):
    settings.CSDP_UPLOAD_MAX_BYTES = 64 * 1024
    data = b"a,b\n" + b"1,2\n" * 20000  # 80 KB of CSV

    with pytest.raises(UploadRejected, match="64 KB"):
        upload_store(file=upload("数据.csv", data), kind="data")


def test_it_leaves_nothing_when_the_database_write_fails(cast, storage, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr("csdp.uploads.services.audit_record", broken)

    with pytest.raises(RuntimeError):
        upload_store(file=upload("a.pdf", pdf_bytes()), kind="scan", owner=cast.issuer_a.institution)

    assert StoredFile.objects.count() == 0
    assert files_under(storage) == []


def test_it_refuses_an_unknown_kind(db):
    with pytest.raises(ValueError, match="unknown upload kind"):
        upload_store(file=upload("a.pdf", pdf_bytes()), kind="video")


def test_upload_check_runs_the_checks_and_keeps_nothing(db, storage):
    inspection = upload_check(
        file=upload("附件.zip", zip_bytes([("说明.txt", "你好".encode())])), kind="archive_or_pdf"
    )

    assert inspection.detected_type == "zip" and inspection.original_name == "附件.zip"
    assert files_under(storage) == [] and StoredFile.objects.count() == 0


def _old_file(path, data: bytes = b"x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    an_hour_ago = time.time() - 3700
    os.utime(path, (an_hour_ago, an_hour_ago))
    return path


def test_the_sweep_removes_orphans_and_stale_temp_files_but_keeps_stored_ones(db, storage):
    stored = upload_store(file=upload("a.pdf", pdf_bytes()), kind="scan")
    _old_file(storage / stored.storage_path, pdf_bytes())
    _old_file(storage / "uploads" / "ab" / ("ab" + "0" * 30), b"left by a rolled-back caller")
    _old_file(storage / "uploads" / "tmp" / "upload-crashed", b"half an upload")

    removed = storage_sweep(older_than_s=3600)

    assert removed == ["uploads/ab/ab" + "0" * 30, "uploads/tmp/upload-crashed"]
    assert files_under(storage) == [stored.storage_path]


def test_the_sweep_never_touches_other_apps_files_in_the_storage_directory(db, storage):
    _old_file(storage / "ca" / "ca.pem")  # csdp.keys keeps its CA here
    _old_file(storage / "uploads" / "ca" / "ca.pem")
    _old_file(storage / "uploads" / "notes.txt")

    assert storage_sweep(older_than_s=3600) == []
    assert files_under(storage) == ["ca/ca.pem", "uploads/ca/ca.pem", "uploads/notes.txt"]


def test_the_sweep_spares_young_files_of_uploads_in_progress(db, storage):
    (storage / "uploads" / "tmp").mkdir(parents=True)
    (storage / "uploads" / "tmp" / "upload-now").write_bytes(b"arriving")

    assert storage_sweep(older_than_s=3600) == []
