"""The attachment rule of the counter: "合并成 1-2 个压缩包或 1 个 PDF 文件上传" (000 §三(一)7).

The upload service (kind "archive_or_pdf") decides what each file is by its content, caps its size,
guards zips and parses PDFs; this module decides whether the set of files is acceptable.
"""

from __future__ import annotations

from csdp.uploads.errors import UploadRejected
from csdp.uploads.services import upload_store

KIND = "archive_or_pdf"
DATA_KIND = "spreadsheet"  # a structured form's data file (StructuredForm.data_files): an Excel sheet
MAX_FILES = 2
RULE_TEXT = "附件须为 1-2 个 ZIP 压缩包，或 1 个 PDF 文件。"


def check_attachment_count(files) -> None:
    """Before anything is stored: at least one file, at most two."""
    if not files:
        raise UploadRejected("请上传申请材料。" + RULE_TEXT)
    if len(files) > MAX_FILES:
        raise UploadRejected(f"共选择了 {len(files)} 个文件。" + RULE_TEXT)


def check_attachment_set(detected_types: list[str]) -> None:
    """After the upload service detected each type: zips alone (1–2), or exactly one PDF."""
    count = len(detected_types)
    if count == 0 or count > MAX_FILES:
        raise UploadRejected(RULE_TEXT)
    if all(t == "zip" for t in detected_types):
        return
    if detected_types == ["pdf"]:
        return
    if "pdf" in detected_types and count > 1:
        raise UploadRejected("PDF 文件只能单独上传 1 个，不能与其他文件同时上传。" + RULE_TEXT)
    raise UploadRejected(RULE_TEXT)


def store_attachments(*, files, owner, actor) -> list:
    """Store the files through the upload service and check the set. Call inside a transaction:
    a refused set raises UploadRejected and the caller's rollback leaves nothing behind."""
    check_attachment_count(files)
    stored = [upload_store(file=f, kind=KIND, owner=owner, actor=actor) for f in files]
    check_attachment_set([s.detected_type for s in stored])
    return stored


def store_data_files(*, files, owner, actor) -> list:
    """A structured form's data files, each through the upload service (kind ``DATA_KIND``); no set rule."""
    return [upload_store(file=f, kind=DATA_KIND, owner=owner, actor=actor) for f in files]
