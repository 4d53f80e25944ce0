"""The zip guard: decide from the central directory, then stream every entry once, counting bytes.

Nothing is extracted to disk. The entry count is read from the end-of-central-directory record
before zipfile parses the directory, so a million-entry archive is refused without building a
million ZipInfo objects. Declared sizes are checked first (cheap), then every entry is decompressed
in memory chunk by chunk against the same limits, so a directory that lies about sizes cannot get
past them (zipfile also stops at the declared size and fails the CRC).
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass

from csdp.uploads.errors import UploadRejected
from csdp.uploads.kinds import MB
from csdp.uploads.sniff import EXECUTABLE_MAGIC

CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int = 1000
    max_total_bytes: int = 512 * MB  # uncompressed, whole archive
    max_entry_ratio: int = 100  # uncompressed : compressed, per entry
    max_total_ratio: int = 100  # uncompressed : archive size
    # Small entries may compress far better than 100:1 (a page of spaces) and harm nobody.
    ratio_grace_bytes: int = 1 * MB


DEFAULT_LIMITS = ZipLimits()

NESTED_EXTENSIONS = frozenset(
    {
        ".zip",
        ".zipx",
        ".rar",
        ".7z",
        ".gz",
        ".tgz",
        ".tar",
        ".bz2",
        ".tbz",
        ".xz",
        ".txz",
        ".lz",
        ".lzma",
        ".zst",
        ".cab",
        ".arj",
        ".iso",
        ".jar",
        ".war",
        ".apk",
    }
)
EXECUTABLE_EXTENSIONS = frozenset(
    {
        ".exe",
        ".dll",
        ".com",
        ".scr",
        ".pif",
        ".cpl",
        ".msi",
        ".msp",
        ".bat",
        ".cmd",
        ".ps1",
        ".psm1",
        ".vbs",
        ".vbe",
        ".js",
        ".jse",
        ".wsf",
        ".wsh",
        ".hta",
        ".lnk",
        ".reg",
        ".sh",
        ".bash",
        ".py",
        ".pl",
        ".rb",
        ".php",
        ".so",
        ".dylib",
        ".elf",
        ".app",
        ".command",
        ".desktop",
    }
)
NESTED_MAGIC = (
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"PK\x07\x08",
    b"Rar!\x1a\x07",
    b"7z\xbc\xaf\x27\x1c",
    b"\x1f\x8b",
    b"\xfd7zXZ\x00",
    b"MSCF",
    b"(\xb5/\xfd",
)
DRIVE_LETTER = re.compile(r"^[A-Za-z]:")
CORRUPT_MESSAGE = "压缩包已损坏或格式不受支持，无法检查，请重新打包后上传。"


def zip_inspect(path, *, limits: ZipLimits = DEFAULT_LIMITS) -> list[str]:
    """Refuse a dangerous or broken archive; return its entry names (as the uploader saw them)."""
    archive_bytes = os.path.getsize(path)
    count = _directory_entry_count(path, archive_bytes)
    if count is None:
        raise UploadRejected(CORRUPT_MESSAGE)
    if count > limits.max_entries:
        raise UploadRejected(f"压缩包内文件过多（{count} 个，上限 {limits.max_entries} 个），请拆分后上传。")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > limits.max_entries:
                raise UploadRejected(f"压缩包内文件过多（上限 {limits.max_entries} 个），请拆分后上传。")
            if all(info.is_dir() for info in infos):
                raise UploadRejected("压缩包内没有任何文件，请检查后重新上传。")
            names = [_check_entry(info) for info in infos]
            if len(set(names)) != len(names):
                raise UploadRejected("压缩包内有重名的文件，请重新打包后上传。")
            _check_declared_sizes(infos, archive_bytes, limits)
            _stream_entries(archive, infos, names, archive_bytes, limits)
    except UploadRejected:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError, OSError):
        # zipfile reports broken headers, CRC mismatches and unknown compression methods this way.
        raise UploadRejected(CORRUPT_MESSAGE) from None
    return names


def _directory_entry_count(path, archive_bytes: int) -> int | None:
    """Total entries from the end-of-central-directory record (ZIP64 record when the count overflows)."""
    with open(path, "rb") as fh:
        tail_bytes = min(archive_bytes, 22 + 65535)
        fh.seek(archive_bytes - tail_bytes)
        tail = fh.read(tail_bytes)
        pos = tail.rfind(b"PK\x05\x06")
        if pos < 0 or len(tail) - pos < 22:
            return None
        total = int.from_bytes(tail[pos + 10 : pos + 12], "little")
        if total != 0xFFFF or pos < 20 or not tail[pos - 20 : pos].startswith(b"PK\x06\x07"):
            return total
        fh.seek(int.from_bytes(tail[pos - 12 : pos - 4], "little"))
        record = fh.read(56)
        if not record.startswith(b"PK\x06\x06") or len(record) < 40:
            return total
        return int.from_bytes(record[32:40], "little")


def entry_display_name(info: zipfile.ZipInfo) -> str:
    """The name as the uploader's system wrote it: UTF-8 when flagged, else the bytes zipfile read as
    CP437 re-decoded as UTF-8 or GBK (Chinese Windows archivers write GBK without the flag)."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gbk"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _shown(name: str) -> str:
    return name if len(name) <= 80 else name[:77] + "…"


def _unsafe_path(name: str) -> bool:
    return (
        not name
        or "\x00" in name
        or "\\" in name
        or name.startswith("/")
        or bool(DRIVE_LETTER.match(name))
        or ".." in name.split("/")
    )


def _check_entry(info: zipfile.ZipInfo) -> str:
    name = entry_display_name(info)
    if any(_unsafe_path(n) for n in (name, info.filename, info.orig_filename)):
        raise UploadRejected(
            f"压缩包内文件名“{_shown(name)}”含有非法路径（绝对路径、“..”、反斜杠或盘符），不允许上传。"
        )
    if info.flag_bits & 0x1:
        raise UploadRejected(f"压缩包内文件“{_shown(name)}”已加密，请上传未加密的压缩包。")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise UploadRejected(f"压缩包内“{_shown(name)}”是符号链接，不允许上传。")
    if info.is_dir():
        return name
    ext = os.path.splitext(name.rstrip("/"))[1].lower()
    if ext in NESTED_EXTENSIONS:
        raise UploadRejected(f"压缩包内不能再包含压缩包（“{_shown(name)}”），请解压后重新打包。")
    if ext in EXECUTABLE_EXTENSIONS:
        raise UploadRejected(f"压缩包内文件“{_shown(name)}”是可执行程序或脚本，不允许上传。")
    return name


def _bomb(name: str) -> UploadRejected:
    return UploadRejected(f"压缩包内文件“{_shown(name)}”的压缩比异常（疑似压缩炸弹），不允许上传。")


def _check_declared_sizes(infos, archive_bytes: int, limits: ZipLimits) -> None:
    total = 0
    for info in infos:
        declared = info.file_size
        if declared > limits.ratio_grace_bytes and declared > limits.max_entry_ratio * max(info.compress_size, 1):
            raise _bomb(entry_display_name(info))
        total += declared
    _check_total(total, archive_bytes, limits)


def _check_total(total: int, archive_bytes: int, limits: ZipLimits) -> None:
    if total > limits.max_total_bytes:
        raise UploadRejected(f"压缩包解压后总大小超过上限（{limits.max_total_bytes // MB} MB），请拆分后上传。")
    if total > limits.ratio_grace_bytes and total > limits.max_total_ratio * archive_bytes:
        raise UploadRejected("压缩包整体压缩比异常（疑似压缩炸弹），不允许上传。")


def _looks_nested_or_executable(head: bytes) -> str | None:
    if head.startswith(EXECUTABLE_MAGIC):
        return "可执行程序或脚本"
    if head.startswith(NESTED_MAGIC) or head[257:262] == b"ustar" or (head[:3] == b"BZh" and head[4:10] == b"1AY&SY"):
        return "压缩包"
    return None


def _stream_entries(archive, infos, names, archive_bytes: int, limits: ZipLimits) -> None:
    total = 0
    for info, name in zip(infos, names):
        if info.is_dir():
            continue
        seen = 0
        with archive.open(info) as entry:
            head = entry.read(512)
            found = _looks_nested_or_executable(head)
            if found == "压缩包":
                raise UploadRejected(f"压缩包内不能再包含压缩包（“{_shown(name)}”），请解压后重新打包。")
            if found:
                raise UploadRejected(f"压缩包内文件“{_shown(name)}”是可执行程序或脚本，不允许上传。")
            chunk = head
            while chunk:
                seen += len(chunk)
                total += len(chunk)
                if seen > info.file_size:
                    raise UploadRejected(CORRUPT_MESSAGE)
                if seen > limits.ratio_grace_bytes and seen > limits.max_entry_ratio * max(info.compress_size, 1):
                    raise _bomb(name)
                _check_total(total, archive_bytes, limits)
                chunk = entry.read(CHUNK_BYTES)
