"""dBase III (.dbf) writer for participant data files (rules.md §8: brokers' back offices read DBF,
GBK text, field names of up to 10 characters).

Only the types the interfaces use: C (text, GBK, left-aligned, space-padded), N (integer or fixed
decimals, right-aligned), D (YYYYMMDD). The header's language-driver byte is 0x4D (code page 936),
so dbfread, LibreOffice and FoxPro decode the text as GBK without being told.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl

from csdp.lib.publish import put_in_place

ENCODING = "gbk"
LANGUAGE_DRIVER_GBK = 0x4D


@dataclass(frozen=True)
class Field:
    name: str  # ≤ 10 ASCII characters, upper case by convention
    type: str  # "C", "N" or "D"
    length: int
    decimals: int = 0
    title: str = ""  # Chinese meaning, for docs/interfaces.md

    def __post_init__(self) -> None:
        if not (1 <= len(self.name) <= 10) or not self.name.isascii():
            raise ValueError(f"DBF field name {self.name!r} must be 1–10 ASCII characters")
        if self.type not in "CND" or len(self.type) != 1:
            raise ValueError(f"DBF field type {self.type!r} is not supported")
        if self.type == "D" and self.length != 8:
            raise ValueError("D fields are 8 wide")
        if not 1 <= self.length <= 254:
            raise ValueError("DBF field length must be 1–254")


class DbfValueError(ValueError):
    pass


def _encode_text(value: object, width: int, name: str) -> bytes:
    raw = ("" if value is None else str(value)).encode(ENCODING)
    if len(raw) > width:
        raise DbfValueError(f"{name}: {value!r} is {len(raw)} bytes in GBK, wider than {width}")
    return raw.ljust(width, b" ")


def _encode_number(value: Any, field: Field) -> bytes:
    if value is None:
        return b" " * field.length
    if isinstance(value, float):
        raise DbfValueError(f"{field.name}: floats are not written (money is integer fen or Decimal)")
    if field.decimals:
        text = f"{Decimal(value):.{field.decimals}f}"
    else:
        if isinstance(value, Decimal) and value != value.to_integral_value():
            raise DbfValueError(f"{field.name}: {value} has decimals, field has none")
        text = str(int(value))
    if len(text) > field.length:
        raise DbfValueError(f"{field.name}: {text} does not fit in {field.length} characters")
    return text.rjust(field.length).encode("ascii")


def _encode_date(value: object, name: str) -> bytes:
    if value is None:
        return b" " * 8
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        raise DbfValueError(f"{name}: {value!r} is not a date")
    return value.strftime("%Y%m%d").encode("ascii")


def encode_record(fields: Sequence[Field], row: Mapping[str, Any]) -> bytes:
    parts = [b" "]  # not deleted
    for field in fields:
        value = row.get(field.name)
        if field.type == "C":
            parts.append(_encode_text(value, field.length, field.name))
        elif field.type == "N":
            parts.append(_encode_number(value, field))
        else:
            parts.append(_encode_date(value, field.name))
    return b"".join(parts)


def header(fields: Sequence[Field], record_count: int, on: dt.date) -> bytes:
    record_length = 1 + sum(f.length for f in fields)
    header_length = 32 + 32 * len(fields) + 1
    head = struct.pack(
        "<BBBBIHH20x", 0x03, on.year - 1900, on.month, on.day, record_count, header_length, record_length
    )
    head = head[:29] + bytes([LANGUAGE_DRIVER_GBK]) + head[30:]
    descriptors = b"".join(
        struct.pack("<11sc4xBB14x", f.name.encode("ascii"), f.type.encode("ascii"), f.length, f.decimals)
        for f in fields
    )
    return head + descriptors + b"\r"


def write_dbf(
    target: Path | BinaryIO, fields: Sequence[Field], rows: Iterable[Mapping[str, Any]], *, on: dt.date
) -> int:
    """Write rows to a .dbf file; returns the record count. A bad value raises before anything
    is written to a path (the records are encoded first), so no half file is left behind."""
    encoded = [encode_record(fields, row) for row in rows]
    data = header(fields, len(encoded), on) + b"".join(encoded) + b"\x1a"
    if isinstance(target, Path | str):
        path = Path(target)
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    else:
        target.write(data)
    return len(encoded)


# --- set-based writer for end-of-day files ---------------------------------------------------
# The same layout as write_dbf, built with Polars expressions over the whole frame: no Python loop
# per record, so a participant file of millions of rows is written in seconds.


def _frame_field_expr(field: Field, *, ascii_text: bool = False) -> pl.Expr:
    col = pl.col(field.name)
    if field.type == "C":
        text = col.cast(pl.Utf8).fill_null("")
        if ascii_text:  # one byte per character: pad to the width (widths were checked before)
            return text.str.pad_end(field.length)
        # GBK: ASCII is one byte, every other character two; pad to the width in bytes.
        extra = text.str.count_matches(r"[^\x00-\x7F]")
        return pl.concat_str([text, pl.lit(" " * field.length)]).str.slice(0, field.length - extra)
    if field.type == "D":
        return col.dt.strftime("%Y%m%d").fill_null(" " * 8)
    if field.decimals:
        # Decimal fields are written from integer minor units (fen): 12345 → "123.45".
        scale = 10**field.decimals
        sign = pl.when(col < 0).then(pl.lit("-")).otherwise(pl.lit(""))
        text = pl.concat_str(
            [
                sign,
                (col.abs() // scale).cast(pl.Utf8),
                pl.lit("."),
                (col.abs() % scale).cast(pl.Utf8).str.zfill(field.decimals),
            ]
        )
    else:
        text = col.cast(pl.Utf8)
    return text.fill_null("").str.pad_start(field.length)


_INTEGER_TYPES = ("Int64", "Int32", "Int16", "Int8", "UInt64", "UInt32", "UInt16", "UInt8")


def _number_extremes(field: Field) -> list[pl.Expr]:
    """The largest magnitude on each side of zero (of the integer part): the text of |v| grows with
    |v|, so they decide the widest text _frame_field_expr makes (sign + digits [+ "." + decimals])."""
    col = pl.col(field.name)
    whole = col.abs() // 10**field.decimals if field.decimals else col.abs()
    return [
        whole.filter(col >= 0).max().alias(f"{field.name}.pos"),
        whole.filter(col < 0).max().alias(f"{field.name}.neg"),
    ]


def _number_too_wide(field: Field, extremes: Mapping[str, Any]) -> bool:
    point = field.decimals + 1 if field.decimals else 0
    widest_pos, widest_neg = extremes[f"{field.name}.pos"], extremes[f"{field.name}.neg"]
    return bool(
        (widest_pos is not None and len(str(widest_pos)) + point > field.length)
        or (widest_neg is not None and 1 + len(str(widest_neg)) + point > field.length)
    )


def _text(field: Field) -> pl.Expr:
    return pl.col(field.name).cast(pl.Utf8).fill_null("")


def _text_too_wide(field: Field, frame: pl.DataFrame, extremes: Mapping[str, Any]) -> bool:
    if (extremes[f"{field.name}.bytes"] or 0) <= field.length:
        return False  # GBK never takes more bytes than UTF-8, so this is enough — and it is the usual case
    text = _text(field)
    size = text.str.len_chars() + text.str.count_matches(r"[^\x00-\x7F]")
    return bool(frame.select((size > field.length).any()).item())


def width_expressions(fields: Sequence[Field], frame: pl.DataFrame) -> list[pl.Expr]:
    """What the width check reads of the frame: each field's extremes (one select computes them side
    by side, and may compute other facts of the frame with them)."""
    if _not_integer(fields, frame):
        return []
    wanted = [e for f in fields if f.type == "N" for e in _number_extremes(f)]
    return wanted + [_text(f).str.len_bytes().max().alias(f"{f.name}.bytes") for f in fields if f.type == "C"]


def _not_integer(fields: Sequence[Field], frame: pl.DataFrame) -> str | None:
    for field in fields:
        if field.type == "N" and str(frame.schema[field.name]) not in _INTEGER_TYPES:
            return f"{field.name}: N fields are written from integer columns (fen for decimals)"
    return None


def _frame_width_errors(
    fields: Sequence[Field], frame: pl.DataFrame, extremes: Mapping[str, Any] | None = None
) -> list[str]:
    """From the extremes (``width_expressions``, computed here unless given); the rare GBK text whose
    UTF-8 is wider than the field is measured again in GBK."""
    if problem := _not_integer(fields, frame):
        return [problem]
    if extremes is None:
        wanted = width_expressions(fields, frame)
        extremes = frame.select(wanted).row(0, named=True) if wanted else {}
    problems = []
    for field in fields:
        if field.type == "D":
            continue
        wide = _number_too_wide(field, extremes) if field.type == "N" else _text_too_wide(field, frame, extremes)
        if wide:
            problems.append(f"{field.name}: a value is wider than {field.length}")
    return problems


def dbf_check_widths(fields: Sequence[Field], frame: pl.DataFrame, extremes: Mapping[str, Any] | None = None) -> None:
    """Raise DbfValueError naming every field with a value too wide — before anything is written."""
    problems = _frame_width_errors(fields, frame, extremes)
    if problems:
        raise DbfValueError("; ".join(problems))


def dbf_records(
    fields: Sequence[Field], frame: pl.DataFrame, *, checked: bool = False, ascii_text: bool | None = None
) -> pl.DataFrame:
    """The frame's DBF records as one string column ``r`` (frame order), after checking every width
    once; raises DbfValueError before anything is written. ``checked`` and ``ascii_text``: the caller
    already checked the widths / knows whether the C fields are ASCII, over a frame this one is part of."""
    if not checked:
        dbf_check_widths(fields, frame)
    if ascii_text is None:
        ascii_text = is_ascii(frame.select([f.name for f in fields if f.type == "C"]))
    fields_text = [_frame_field_expr(f, ascii_text=ascii_text) for f in fields]
    return frame.select(pl.concat_str([pl.lit(" "), *fields_text]).alias("r"))


def dbf_file_bytes(
    fields: Sequence[Field], records: pl.DataFrame, *, on: dt.date, ascii_only: bool | None = None
) -> bytes:
    """The whole .dbf file for records made by ``dbf_records``: header, records, end-of-file mark."""

    if ascii_only is None:
        ascii_only = is_ascii(records, "r")
    out = io.BytesIO()
    out.write(header(fields, records.height, on))
    if records.height and ascii_only:
        # ASCII is the same bytes in GBK and UTF-8: Polars writes the records itself, no Python string.
        records.write_csv(out, include_header=False, quote_style="never", line_terminator="")
    elif records.height:
        out.write(records.select(pl.col("r").str.join("")).item().encode(ENCODING))
    out.write(b"\x1a")
    return out.getvalue()


WRITE_SLICE = 256 << 10


def write_sliced(out: BinaryIO, data: bytes | memoryview) -> None:
    """``out.write(data)`` in slices of at most 256 KiB. The kernel sizes a new page-cache folio by the
    write: a 2 MiB write takes 2 MiB blocks, which on our VMs the hypervisor has taken back (free page
    reporting) and must fault in again, while small blocks come back warm: 176 MB of files in 2 MiB
    writes 0.33–0.35 s, in 256 KiB writes 0.03 s (docs/performance.md, "Page-cache writes")."""
    view = memoryview(data)
    for at in range(0, len(view), WRITE_SLICE):
        out.write(view[at : at + WRITE_SLICE])


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a .part file beside ``path``, then rename it over: a reader sees the old file or the
    new one, never half of one. Inside a step's staging the rename waits for its commit (publish.py)."""
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".part")
    with open(tmp, "wb") as out:
        write_sliced(out, data)
    put_in_place(tmp, path)


class PartFile:
    """A file written to ``<path>.part`` and renamed over ``path`` when complete (a reader sees the
    old file or the new one, never half of one), hashed as it is written; on an error the .part file is
    removed."""

    def __init__(self, path: Path) -> None:
        self.path, self.tmp = path, path.with_suffix(path.suffix + ".part")
        self._hash = hashlib.sha256()

    def __enter__(self) -> PartFile:
        self._out = open(self.tmp, "wb")
        return self

    def write(self, data: bytes | memoryview) -> None:
        write_sliced(self._out, data)
        self._hash.update(data)

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self._out.close()
        if kind is None:
            self.sha256 = self._hash.hexdigest()
            put_in_place(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)


def write_dbf_records(
    path: Path, fields: Sequence[Field], records: pl.DataFrame, *, on: dt.date, ascii_only: bool | None = None
) -> int:
    """Write records made by ``dbf_records`` (or a slice of them) atomically."""
    write_atomically(path, dbf_file_bytes(fields, records, on=on, ascii_only=ascii_only))
    return records.height


def write_dbf_frame(path: Path, fields: Sequence[Field], frame: pl.DataFrame, *, on: dt.date) -> int:
    """Write a Polars DataFrame (columns named as the fields; N fields with decimals given in integer
    minor units) to a .dbf file, atomically. Raises DbfValueError before writing on any value too wide."""
    return write_dbf_records(path, fields, dbf_records(fields, frame), on=on)


def ascii_expression(columns: Sequence[str]) -> pl.Expr:
    """True when every value of ``columns`` is ASCII (in UTF-8, a text is ASCII exactly when it has
    as many bytes as characters)."""
    return pl.all_horizontal(
        [(pl.col(c).str.len_bytes() == pl.col(c).str.len_chars()).fill_null(True).all() for c in columns]
        or [pl.lit(True)]
    ).alias("ascii")


def is_ascii(frame: pl.DataFrame, column: str | None = None) -> bool:
    """True when every text column (or ``column``) holds only ASCII characters."""
    columns = [column] if column else [n for n, t in frame.schema.items() if t == pl.Utf8]
    if not columns or frame.height == 0:
        return True
    return bool(frame.select(ascii_expression(columns)).item())
