"""Generated test files: valid documents of every type and the attacks the upload service refuses.
Everything is built in memory at test time; no binary fixture is committed."""

from __future__ import annotations

import io
import stat
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

MB = 1024 * 1024


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def pdf_bytes(
    *,
    pages: int = 1,
    password: str | None = None,
    javascript: str | None = None,
    launch: str | None = None,
    attachment: tuple[str, bytes] | None = None,
) -> bytes:
    from pypdf import PdfWriter
    from pypdf.actions import JavaScript
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if javascript:
        writer.add_open_action(JavaScript(javascript))  # lands in the /Names /JavaScript tree
    if launch:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject(launch)}
        )
    if attachment:
        writer.add_attachment(*attachment)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(fmt: str, size=(40, 30), mode: str = "RGB") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, size, color=0 if mode == "1" else (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def xlsx_bytes(rows=(("证券代码", "证券简称"), ("920001", "甲公司"))) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def zip_bytes(entries, *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    """entries: (name, data) pairs, or ZipInfo/data pairs for special attributes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return out.getvalue()


def xlsx_with_macros() -> bytes:
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes()))
    entries = [(info.filename, source.read(info)) for info in source.infolist()]
    return zip_bytes([*entries, ("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\x01" * 64)])


def symlink_zip() -> bytes:
    info = zipfile.ZipInfo("link-to-passwd")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return zip_bytes([("readme.txt", b"hello"), (info, b"/etc/passwd")])


def _patch_headers(data: bytes, *, flag_or: int = 0, central_size: int | None = None) -> bytes:
    """Rewrite fields of every local (PK\\3\\4) and central (PK\\1\\2) header of a small zip."""
    buf = bytearray(data)
    pos = buf.find(b"PK\x03\x04")
    while pos >= 0:
        flags = int.from_bytes(buf[pos + 6 : pos + 8], "little") | flag_or
        buf[pos + 6 : pos + 8] = flags.to_bytes(2, "little")
        pos = buf.find(b"PK\x03\x04", pos + 4)
    pos = buf.find(b"PK\x01\x02")
    while pos >= 0:
        flags = int.from_bytes(buf[pos + 8 : pos + 10], "little") | flag_or
        buf[pos + 8 : pos + 10] = flags.to_bytes(2, "little")
        if central_size is not None:
            buf[pos + 24 : pos + 28] = central_size.to_bytes(4, "little")
        pos = buf.find(b"PK\x01\x02", pos + 4)
    return bytes(buf)


def encrypted_zip() -> bytes:
    return _patch_headers(zip_bytes([("合同.pdf", pdf_bytes())], compression=zipfile.ZIP_STORED), flag_or=0x1)


def understated_zip() -> bytes:
    """The directory claims 1 KB; the entry really inflates to 4 MB."""
    return _patch_headers(zip_bytes([("data.txt", b"x" * (4 * MB))]), central_size=1024)


def raw_named_zip(raw_name: bytes) -> bytes:
    """A zip whose entry name is these bytes, without the UTF-8 flag (as Chinese Windows archivers
    write GBK names)."""
    placeholder = "R" * (len(raw_name) - 4) + ".pdf"
    data = zip_bytes([(placeholder, pdf_bytes())])
    return data.replace(placeholder.encode(), raw_name)


def gbk_named_zip() -> bytes:
    return raw_named_zip("报告.pdf".encode("gbk"))


def zip_bomb(inflated_bytes: int = 20 * MB) -> bytes:
    return zip_bytes([("zeros.txt", b"\x00" * inflated_bytes)])


def many_small_bombs(count: int = 40, each_bytes: int = 1000 * 1024) -> bytes:
    """Each entry below the per-entry grace, together far beyond the overall ratio."""
    zeros = b"0" * each_bytes
    return zip_bytes([(f"part{i}.txt", zeros) for i in range(count)])


def mz_executable() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"PE\x00\x00" + b"\x00" * 200


def elf_executable() -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200


def zip64_claiming(entries: int) -> bytes:
    """A small zip whose end records claim ``entries`` entries through a ZIP64 end record."""
    data = zip_bytes([("a.txt", b"a")])
    eocd = data.rfind(b"PK\x05\x06")
    body, end = data[:eocd], bytearray(data[eocd:])
    end[8:10] = end[10:12] = (0xFFFF).to_bytes(2, "little")
    cd_size, cd_offset = end[12:16], end[16:20]
    record = (
        b"PK\x06\x06"
        + (44).to_bytes(8, "little")
        + (45).to_bytes(2, "little") * 2
        + bytes(8)
        + entries.to_bytes(8, "little") * 2
        + bytes(cd_size)
        + bytes(4)
        + bytes(cd_offset)
        + bytes(4)
    )
    locator = b"PK\x06\x07" + bytes(4) + len(body).to_bytes(8, "little") + (1).to_bytes(4, "little")
    return body + record + locator + bytes(end)
