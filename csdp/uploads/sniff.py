"""Type by content, never by name: magic bytes, then a full decode for text.

The name only has to agree with the content: a ".pdf" holding a ZIP, or an executable under any
name, is refused. Executables and scripts are recognised by their headers (PE/MZ, ELF, Mach-O,
shebang) and by HTML/script markup in text.
"""

from __future__ import annotations

import codecs
import os
import unicodedata

from csdp.uploads.errors import UploadRejected
from csdp.uploads.kinds import TYPE_LABELS

HEAD_BYTES = 8192
CHUNK_BYTES = 1024 * 1024

EXECUTABLE_MAGIC = (
    b"MZ",  # DOS / Windows PE
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O universal binary (and Java class files)
    b"#!",  # a script for any interpreter
)
MARKUP_PREFIXES = ("<!doctype html", "<html", "<script", "<svg", "<?php", "<%")
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")

# What an extension claims. Text may carry several extensions; the name decides csv vs txt.
EXTENSION_CLAIMS = {
    ".pdf": "pdf",
    ".zip": "zip",
    ".png": "png",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".xlsx": "xlsx",
    ".csv": "csv",
    ".txt": "txt",
    ".dat": "txt",
    ".tsv": "txt",
}
PREFERRED_EXTENSION = {
    "pdf": ".pdf",
    "zip": ".zip",
    "png": ".png",
    "jpeg": ".jpg",
    "xlsx": ".xlsx",
    "csv": ".csv",
    "txt": ".txt",
}
TEXT_TYPES = frozenset({"csv", "txt"})
TEXT_ENCODINGS = ("utf-8-sig", "gbk")

EXECUTABLE_MESSAGE = "该文件是可执行程序或脚本，不允许上传。"


def clean_name(raw: str) -> str:
    """The name to keep and show: no directories (browsers may send C:\\fakepath\\…), no control or
    bidi-override characters (U+202E turns "gpj.exe" into a fake ".jpg"), at most 200 characters."""
    name = unicodedata.normalize("NFC", str(raw or "")).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    name = name.strip().rstrip(". ").strip()
    if len(name) > 200:
        stem, ext = os.path.splitext(name)
        name = stem[: 200 - len(ext)] + ext if len(ext) <= 16 else name[:200]
    return name or "未命名文件"


def extension_of(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def is_executable(head: bytes) -> bool:
    return head.startswith(EXECUTABLE_MAGIC)


def sniff_head(head: bytes) -> str | None:
    """The binary family from the first bytes: pdf, png, jpeg, "zip" (ZIP or XLSX), or None."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(ZIP_MAGIC):
        return "zip"
    return None


def text_encoding(path) -> str | None:
    """The encoding the whole file decodes with (UTF-8, with or without BOM, else GBK), or None when
    it is not text: a NUL byte anywhere, or bytes neither encoding accepts."""
    for encoding in TEXT_ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        first = ""
        try:
            with open(path, "rb") as fh:
                while chunk := fh.read(CHUNK_BYTES):
                    if b"\x00" in chunk:
                        return None
                    text = decoder.decode(chunk)
                    first = first or text[:1024]
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        if first.lstrip().lower().startswith(MARKUP_PREFIXES):
            raise UploadRejected("该文件是网页或脚本代码，不允许上传。")
        return "utf-8" if encoding == "utf-8-sig" else encoding
    return None


def check_name_matches(name: str, detected: str) -> str:
    """Refuse a name whose extension claims another type than the content; return the final type
    (for text, the extension picks csv or txt)."""
    ext = extension_of(name)
    claimed = EXTENSION_CLAIMS.get(ext)
    if detected in TEXT_TYPES and claimed in TEXT_TYPES:
        return claimed
    if claimed == detected:
        return detected
    actual = TYPE_LABELS[detected]
    if claimed is not None:
        raise UploadRejected(
            f"文件扩展名“{ext}”表示{TYPE_LABELS[claimed]}，但文件实际内容是{actual}。请确认选择了正确的文件。"
        )
    shown = f"“{ext}”" if ext else "（无扩展名）"
    raise UploadRejected(
        f"文件扩展名{shown}与文件实际内容（{actual}）不符，请使用 {PREFERRED_EXTENSION[detected]} 扩展名。"
    )
