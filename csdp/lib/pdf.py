"""A small text-only PDF writer for certificates (质押登记证明), with no dependency: Chinese text in
Adobe's standard CID font STSong-Light (encoding UniGB-UCS2-H, character collection Adobe-GB1), which
PDF readers supply themselves, so nothing is embedded (PDF 1.7 §9.7.5.2, the predefined CMaps).

    pdf = text_pdf(title="…", lines=[(72, 760, 18, "证券质押登记证明"), (72, 720, 11, "…")])

Each line is (x, y, size, text) in points from the bottom-left corner of an A4 page.
"""

from __future__ import annotations

A4 = (595, 842)


def _hex_ucs2(text: str) -> str:
    # UCS-2 big-endian: characters outside the BMP cannot be drawn in this font; shown as "?".
    return "".join(f"{ord(c) if ord(c) < 0x10000 else 0x3F:04X}" for c in text)


def _literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def text_pdf(*, title: str, lines: list[tuple[int, int, int, str]]) -> bytes:
    stream = "".join(f"BT /F1 {size} Tf {x} {y} Td <{_hex_ucs2(text)}> Tj ET\n" for x, y, size, text in lines)
    content = stream.encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {A4[0]} {A4[1]}] /Resources << /Font << /F1 5 0 R >> >> "
        f"/Contents 4 0 R >>".encode("ascii"),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 7 0 R /DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 "
        b"/Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
        f"<< /Title <FEFF{_hex_ucs2(title)}> /Producer ({_literal('CSDP')}) >>".encode("ascii"),
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode("ascii") + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode("ascii")
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode("ascii")
    return bytes(out)
