"""Upload kinds: what each place in the platform may receive, and how large.

A kind names a purpose ("scan" for registration materials, "archive_or_pdf" for virtual-counter
attachments …), the detected content types it accepts and its size limit. Every limit is also
capped by settings.CSDP_UPLOAD_MAX_BYTES, so one setting bounds every upload on a small server.
Apps that need another purpose call ``register_kind`` from their AppConfig.ready().
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

MB = 1024 * 1024

# Detected types (csdp.uploads.models.DetectedType values) and how they are named to users.
TYPE_LABELS = {
    "pdf": "PDF 文档",
    "zip": "ZIP 压缩包",
    "png": "PNG 图片",
    "jpeg": "JPEG 图片",
    "xlsx": "Excel 工作簿（.xlsx）",
    "csv": "CSV 文本",
    "txt": "文本文件",
}


@dataclass(frozen=True)
class UploadKind:
    code: str
    label: str
    types: frozenset[str]
    # None: only settings.CSDP_UPLOAD_MAX_BYTES applies.
    max_bytes: int | None = None

    @property
    def limit_bytes(self) -> int:
        ceiling = settings.CSDP_UPLOAD_MAX_BYTES
        return ceiling if self.max_bytes is None else min(self.max_bytes, ceiling)

    @property
    def types_label(self) -> str:
        return "、".join(TYPE_LABELS[t] for t in sorted(self.types))


_KINDS: dict[str, UploadKind] = {}


def register_kind(*, code: str, label: str, types, max_bytes: int | None = None) -> UploadKind:
    """Add a kind. Registering the same code twice with the same spec is a no-op (ready() may rerun);
    with a different spec it is a programming error."""
    unknown = set(types) - set(TYPE_LABELS)
    if unknown or not types:
        raise ValueError(f"register_kind({code!r}): unknown or no detected types {sorted(unknown)}")
    if max_bytes is not None and max_bytes < 1:
        raise ValueError(f"register_kind({code!r}): max_bytes must be positive")
    kind = UploadKind(code=code, label=label, types=frozenset(types), max_bytes=max_bytes)
    existing = _KINDS.get(code)
    if existing is not None and existing != kind:
        raise ValueError(f"upload kind {code!r} is already registered differently")
    _KINDS[code] = kind
    return kind


def get_kind(code: str) -> UploadKind:
    try:
        return _KINDS[code]
    except KeyError:
        raise ValueError(f"unknown upload kind {code!r}; register it with csdp.uploads.kinds.register_kind") from None


def all_kinds() -> list[UploadKind]:
    return sorted(_KINDS.values(), key=lambda k: k.code)


# 000 §一(一)8: licence, ID documents, 法定代表人证明书 … "加盖公章并彩色扫描上传".
register_kind(code="scan", label="扫描件", types={"pdf", "png", "jpeg"}, max_bytes=10 * MB)
# 000 §三(一)7: "合并成 1-2 个压缩包或 1 个 PDF 文件上传" — each attachment up to 50 MB.
register_kind(code="archive_or_pdf", label="业务申请材料", types={"zip", "pdf"}, max_bytes=50 * MB)
register_kind(code="spreadsheet", label="Excel 报送文件", types={"xlsx"}, max_bytes=20 * MB)
register_kind(code="result", label="办理结果文件", types={"pdf", "xlsx"}, max_bytes=50 * MB)
register_kind(code="data", label="数据文件", types={"csv", "txt"}, max_bytes=None)
