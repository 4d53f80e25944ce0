"""upload_store: the one way a file enters the platform.

Receive → check → store. The bytes are streamed into a private temp file inside the storage
directory (hashing and counting as they come, stopping at the kind's limit), checked by content,
then renamed into place and recorded in one transaction. Whatever fails — a check, the rename,
the insert, the audit record — the temp file, the stored file and the row are all gone.

A caller's own outer transaction can still roll back after upload_store returned; the row
vanishes with it and the file becomes an orphan, which ``storage_sweep`` (``csdp uploads_sweep``)
removes once it is older than an hour.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import models, transaction

from csdp.audit.services import audit_record
from csdp.uploads.errors import UploadRejected
from csdp.uploads.kinds import MB, TYPE_LABELS, UploadKind, get_kind
from csdp.uploads.models import StoredFile, storage_root
from csdp.uploads.sniff import (
    EXECUTABLE_MESSAGE,
    HEAD_BYTES,
    check_name_matches,
    clean_name,
    is_executable,
    sniff_head,
    text_encoding,
)
from csdp.uploads.verify import verify_image, verify_pdf, verify_xlsx
from csdp.uploads.zipguard import zip_inspect
from django.utils import timezone

__all__ = ["UploadRejected", "Inspection", "upload_store", "upload_check", "storage_sweep"]

CHUNK_BYTES = 1024 * 1024
# Everything of this service lives under <CSDP_STORAGE_DIR>/uploads/: other apps keep their own
# directories beside it (csdp.keys keeps its CA in ca/), and the sweep must never touch those.
AREA = "uploads"
TMP_DIR = f"{AREA}/tmp"
STORED_NAME = re.compile(rf"^{AREA}/[0-9a-f]{{2}}/[0-9a-f]{{32}}$")
TMP_NAME = re.compile(rf"^{TMP_DIR}/upload-[^/]+$")
XLSX_MARKERS = frozenset({"[Content_Types].xml", "xl/workbook.xml"})
# Which detected types a first-bytes family can turn into, to refuse early what the kind never takes.
FAMILY_TYPES = {"pdf": {"pdf"}, "png": {"png"}, "jpeg": {"jpeg"}, "zip": {"zip", "xlsx"}, None: {"csv", "txt"}}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "zip": "application/zip",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "txt": "text/plain",
}


@dataclass(frozen=True)
class Inspection:
    original_name: str
    detected_type: str
    content_type: str
    size_bytes: int
    sha256: str


@dataclass(frozen=True)
class _Received:
    path: Path
    size_bytes: int
    sha256: str


def upload_store(*, file, kind: str, owner=None, actor=None) -> StoredFile:
    """Check ``file`` (an UploadedFile, or anything with .name and .chunks() or .read()) for ``kind``
    and keep it for ``owner`` (an Institution, or None for anonymous registration drafts).
    Raises UploadRejected with a Chinese message; on any failure nothing is left behind."""
    spec = get_kind(kind)
    received = _receive(file, spec)
    final = None
    try:
        inspection = _inspect(received, clean_name(getattr(file, "name", "")), spec)
        relative = _new_storage_path()
        final = storage_root() / relative
        final.parent.mkdir(parents=True, exist_ok=True)
        with transaction.atomic():
            os.replace(received.path, final)
            stored = StoredFile.objects.create(
                kind=spec.code,
                original_name=inspection.original_name,
                detected_type=inspection.detected_type,
                content_type=inspection.content_type,
                size_bytes=inspection.size_bytes,
                sha256=inspection.sha256,
                storage_path=relative,
                owner_institution=owner,
                uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            audit_record(
                actor=actor,
                obj=stored,
                action="file.stored",
                data={
                    "kind": spec.code,
                    "original_name": stored.original_name,
                    "detected_type": stored.detected_type,
                    "size_bytes": stored.size_bytes,
                    "sha256": stored.sha256,
                    "owner_institution_id": stored.owner_institution_id,
                },
            )
    except BaseException:
        received.path.unlink(missing_ok=True)
        if final is not None:
            final.unlink(missing_ok=True)
        raise
    return stored


def upload_check(*, file, kind: str) -> Inspection:
    """Every check of upload_store without keeping anything (forms use it to show errors early)."""
    spec = get_kind(kind)
    received = _receive(file, spec)
    try:
        return _inspect(received, clean_name(getattr(file, "name", "")), spec)
    finally:
        received.path.unlink(missing_ok=True)


def _too_large(spec: UploadKind) -> UploadRejected:
    limit = spec.limit_bytes
    shown = f"{limit / MB:g} MB" if limit >= MB else f"{limit // 1024} KB"
    return UploadRejected(f"文件大小超过上限（{spec.label}最大 {shown}），请压缩或拆分后重新上传。")


def _chunks(file):
    if hasattr(file, "chunks"):
        yield from file.chunks(CHUNK_BYTES)
        return
    if hasattr(file, "seek"):
        file.seek(0)
    while chunk := file.read(CHUNK_BYTES):
        yield chunk


def _receive(file, spec: UploadKind) -> _Received:
    """Stream into a 0600 temp file next to the final place (same filesystem: the rename is atomic)."""
    declared = getattr(file, "size", None)
    if isinstance(declared, int) and declared > spec.limit_bytes:
        raise _too_large(spec)
    tmp_dir = storage_root() / TMP_DIR
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
    path, digest, size = Path(name), hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in _chunks(file):
                size += len(chunk)
                if size > spec.limit_bytes:
                    raise _too_large(spec)
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise UploadRejected("文件为空，请重新选择文件。")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return _Received(path=path, size_bytes=size, sha256=digest.hexdigest())


def _not_for_kind(spec: UploadKind, detected_label: str) -> UploadRejected:
    return UploadRejected(f"此处只能上传{spec.types_label}，所选文件是{detected_label}。")


def _inspect(received: _Received, name: str, spec: UploadKind) -> Inspection:
    with open(received.path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    if is_executable(head):
        raise UploadRejected(EXECUTABLE_MESSAGE)
    family = sniff_head(head)
    if not FAMILY_TYPES[family] & spec.types:
        label = TYPE_LABELS[family] if family else "文本或无法识别的文件"
        raise _not_for_kind(spec, label)
    encoding = ""
    if family == "zip":
        names = zip_inspect(received.path)
        detected = "xlsx" if set(names) >= XLSX_MARKERS else "zip"
        if detected == "xlsx" and any(n.lower().endswith("vbaproject.bin") for n in names):
            raise UploadRejected("Excel 文件含有宏（VBA 代码），不允许上传，请另存为不含宏的 .xlsx 后上传。")
    elif family is not None:
        detected = family
    else:
        encoding = text_encoding(received.path)
        if encoding is None:
            raise UploadRejected(f"无法识别的文件类型，此处只能上传{spec.types_label}。")
        detected = "txt"
    detected = check_name_matches(name, detected)
    if detected not in spec.types:
        raise _not_for_kind(spec, TYPE_LABELS[detected])
    _verify(received.path, detected)
    content_type = CONTENT_TYPES[detected] + (f"; charset={encoding}" if encoding else "")
    return Inspection(name, detected, content_type, received.size_bytes, received.sha256)


def _verify(path: Path, detected: str) -> None:
    if detected == "pdf":
        verify_pdf(path)
    elif detected in ("png", "jpeg"):
        verify_image(path, detected)
    elif detected == "xlsx":
        verify_xlsx(path)


def _new_storage_path() -> str:
    token = secrets.token_hex(16)
    return f"{AREA}/{token[:2]}/{token}"


def storage_sweep(*, older_than_s: int = 3600) -> list[str]:
    """Delete stored files that no StoredFile row names (left by a caller's rolled back transaction or
    a crash) and stale temp files, once older than ``older_than_s`` — younger ones may belong to an
    upload still in progress. Only names of this service's own shape are considered. Returns the
    relative paths removed."""
    root = storage_root()
    if not (root / AREA).is_dir():
        return []
    cutoff = time.time() - older_than_s
    candidates = {}
    for path in (root / AREA).rglob("*"):
        relative = path.relative_to(root).as_posix()
        if (
            (STORED_NAME.match(relative) or TMP_NAME.match(relative))
            and path.is_file()
            and path.stat().st_mtime < cutoff
        ):
            candidates[relative] = path
    known = set()
    names = [n for n in candidates if STORED_NAME.match(n)]
    for start in range(0, len(names), 500):
        batch = names[start : start + 500]
        known.update(StoredFile.objects.filter(storage_path__in=batch).values_list("storage_path", flat=True))
    removed = sorted(n for n in candidates if n not in known)
    for relative in removed:
        candidates[relative].unlink(missing_ok=True)
    return removed


def stored_files_orphans_purge(*, older_than_s: int | None = None) -> int:
    """Delete upload rows (and their files) that no business object references any more, once older
    than ``older_than_s`` (default CSDP_UPLOAD_ORPHAN_HOURS): a registration scan uploaded again, the
    files of a draft purged at its expiry, a filing refused whole, an upload whose form was never sent.
    Every upload is attached in the request that made it or the next step of the same form, so a day's
    grace never takes a file a user is still working with. References are found through every foreign
    key and many-to-many that points at StoredFile, so a new app's reference is seen without a change
    here. Returns the number of rows deleted."""
    if older_than_s is None:
        older_than_s = settings.CSDP_UPLOAD_ORPHAN_HOURS * 3600
    cutoff = timezone.now() - dt.timedelta(seconds=older_than_s)
    old = StoredFile.objects.filter(created_at__lt=cutoff)
    referenced = models.Q()
    for relation in StoredFile._meta.get_fields(include_hidden=True):
        if relation.auto_created and not relation.concrete:  # reverse FKs and M2Ms, related_name="+" too
            referenced |= models.Q(pk__in=relation.related_model._base_manager.values(relation.field.name))
    orphans = list(old.exclude(referenced).values_list("pk", "storage_path")) if referenced else []
    for start in range(0, len(orphans), 500):
        batch = orphans[start : start + 500]
        with transaction.atomic():
            StoredFile.objects.filter(pk__in=[pk for pk, _ in batch]).delete()
            paths = [storage_root() / path for _, path in batch]
            transaction.on_commit(lambda paths=paths: [p.unlink(missing_ok=True) for p in paths])
    return len(orphans)
