"""DBF records and their CSV twin built as numpy byte matrices: the fast path of the participant
files, for the usual frame (ASCII text, integer numbers, dates).

Gives the same bytes as ``dbf.dbf_records`` + ``dbf.dbf_file_bytes`` and as Polars' ``write_csv`` of
the CSV columns; those stay the reference, and the path for everything ``matrix_path_applies``
refuses (GBK text, a CSV value Polars would quote, a negative decimal). Callers pass row pieces
small enough to stay in cache (a column written into a row-major matrix touches every row's cache
line) and check the widths first, as for the reference (``dbf.dbf_check_widths``).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cache

import numpy as np
import polars as pl

from csdp.lib.dbf import Field, is_ascii

SPACE = 32
_NEEDS_QUOTES = r'[,"\r\n]'  # Polars quotes a CSV value holding the separator, the quote or a line end


def matrix_path_applies(fields: Sequence[Field], frame: pl.DataFrame, *, ascii_text: bool | None = None) -> bool:
    """Whether ``record_pieces`` writes what the reference does: every C field ASCII text with nothing
    Polars would quote, N fields integer, D fields dates, and no negative decimal (no file type
    carries negative money; the matrix writer does not format a sign for the CSV — the reference does)."""
    schema = frame.schema
    text = [f.name for f in fields if f.type == "C"]
    if any(schema[n] != pl.Utf8 for n in text) or any(schema[f.name] != pl.Date for f in fields if f.type == "D"):
        return False
    if any(not schema[f.name].is_integer() for f in fields if f.type == "N"):
        return False
    if frame.height == 0:
        return True
    negative = [(pl.col(f.name) < 0).any() for f in fields if f.type == "N" and f.decimals]
    quoted = [pl.col(n).str.contains(_NEEDS_QUOTES).any() for n in text]
    if (negative or quoted) and any(frame.select(*negative, *quoted).row(0)):
        return False
    return ascii_text if ascii_text is not None else is_ascii(frame.select(text))


def csv_header(fields: Sequence[Field]) -> bytes:
    return (",".join(f.name for f in fields) + "\n").encode("ascii")


def record_pieces(fields: Sequence[Field], frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The frame's DBF records, an (n, record length) uint8 matrix, and its CSV lines as one uint8
    array. Only for frames ``matrix_path_applies`` accepts, after the width check."""
    layout = _Layout.of(tuple(fields))
    records = np.empty((frame.height, layout.record_length), np.uint8)
    records[:, 0] = SPACE  # not deleted
    if not frame.height:
        return records, np.empty(0, np.uint8)
    columns = _columns(fields, frame)
    csv_lengths = {}  # C fields: the bytes of each value in the CSV (an empty string is written "")
    for field, offset in zip(fields, layout.dbf_offsets, strict=True):
        if field.type == "C":
            csv_lengths[field.name] = _put_text(records, offset, field.length, columns[field.name])
        elif field.type == "N":
            _put_number(records, offset, field, columns[field.name])
        else:
            _put_date(records, offset, columns[field.name])
    return records, _csv_lines(fields, layout, records, csv_lengths)


def _columns(fields: Sequence[Field], frame: pl.DataFrame) -> dict[str, dict]:
    """What the writers need of each column, in two Polars calls (each Series method is one: at a few
    hundred rows a piece, their overhead would be most of the time): first the columns' extremes,
    null counts and whether a text is constant, then the values — a text joined into one string,
    padded only when some value is shorter than the field."""
    stats = frame.select(
        *[e for f in fields for e in (pl.col(f.name).null_count().alias(f"{f.name}.nulls"),
                                      _low(f).alias(f"{f.name}.low"), _high(f).alias(f"{f.name}.high"))],
        *[e for f in fields if f.type == "C" for e in (
            (pl.col(f.name) == pl.col(f.name).first()).all().alias(f"{f.name}.constant"),
            pl.col(f.name).first().alias(f"{f.name}.first"))],
    ).row(0, named=True)
    info = {f.name: {k: stats.get(f"{f.name}.{k}") for k in ("nulls", "low", "high", "constant", "first")}
            for f in fields}
    joined, per_row = [], []
    for f in fields:
        col, about = pl.col(f.name), info[f.name]
        if f.type == "C":
            about["constant"] = about["constant"] and not about["nulls"]
            about["full"] = not about["nulls"] and about["low"] == f.length
            if not about["constant"]:
                joined.append((col if about["full"] else col.fill_null("").str.pad_end(f.length)).str.join("").alias(f.name))
            per_row.append(col.str.len_bytes().fill_null(0).cast(pl.Int32).alias(f"{f.name}.lengths"))
        else:
            if f.type == "N" and not (about["low"] == about["high"] and not about["nulls"]):
                per_row.append(col.fill_null(0).alias(f"{f.name}.values"))
            if f.type == "D":
                per_row.append(col.to_physical().fill_null(_NO_DATE).alias(f"{f.name}.values"))
        if about["nulls"] and f.type != "D":
            per_row.append(col.is_null().alias(f"{f.name}.null"))
    texts = frame.select(joined).row(0, named=True) if joined else {}
    rows = frame.select(per_row)
    for f in fields:
        about = info[f.name]
        about["text"] = texts.get(f.name)
        for k in ("lengths", "values", "null"):
            about[k] = rows.get_column(f"{f.name}.{k}").to_numpy() if f"{f.name}.{k}" in rows.columns else None
        about["rows"] = frame.height
    return info


def _low(f: Field) -> pl.Expr:
    return pl.col(f.name).str.len_bytes().min() if f.type == "C" else pl.col(f.name).min()


def _high(f: Field) -> pl.Expr:
    return pl.col(f.name).str.len_bytes().max() if f.type == "C" else pl.col(f.name).max()


class _Layout:
    """Where each field sits in a DBF record and in a row of the CSV matrix (a field's slot, then its
    separator; a C field is at least 2 wide there, room for the "" of an empty string)."""

    def __init__(self, fields: tuple[Field, ...]):
        self.record_length = 1 + sum(f.length for f in fields)
        self.dbf_offsets, self.csv_offsets, self.csv_widths = [], [], []
        dbf_at = csv_at = 1
        for f in fields:
            width = max(f.length, 2) if f.type == "C" else f.length
            self.dbf_offsets.append(dbf_at)
            self.csv_offsets.append(csv_at)
            self.csv_widths.append(width)
            dbf_at += f.length
            csv_at += width + 1
        self.csv_width = csv_at  # column 0 stands for the DBF deletion flag and is never kept

    @staticmethod
    @cache
    def of(fields: tuple[Field, ...]) -> _Layout:
        return _Layout(fields)


def _slot(matrix: np.ndarray, offset: int, width: int) -> np.ndarray:
    """A view of ``width`` bytes at ``offset`` in every row, as one fixed-size string per row: one
    numpy call copies a whole column of values."""
    return np.ndarray((matrix.shape[0],), f"S{width}", matrix, offset, (matrix.strides[0],))


def _as_strings(data: bytes, width: int) -> np.ndarray:
    return np.frombuffer(data, f"S{width}")


# --- C: left-aligned, space padded ------------------------------------------------------------------

def _put_text(records: np.ndarray, offset: int, width: int, column: dict) -> tuple[np.ndarray, np.ndarray]:
    """Write the texts; return each value's length in the CSV (null 0, empty string 2 for "") and
    which values are empty strings."""
    slot = _slot(records, offset, width)
    if column["constant"]:  # the security code; a participant's own code
        slot[:] = column["first"].encode("ascii").ljust(width)
    else:
        slot[:] = _as_strings(column["text"].encode("ascii"), width)
    lengths = column["lengths"]
    empty = lengths == 0
    if column["null"] is not None:
        empty &= ~column["null"]
    lengths = np.where(empty, 2, lengths)
    return lengths, empty


# --- N: right-aligned; integers, or fixed decimals from integer minor units -------------------------

_GROUP = 4  # digits written per numpy call, through a table of 10^4 texts


@cache
def _digit_table(width: int, *, blank_leading: bool, zero: bytes) -> np.ndarray:
    """Texts of 0 … 10^width − 1, ``width`` wide: zero-padded, or with the leading zeros blank (the
    highest group of a number; ``zero`` is then what 0 is written as)."""
    if not blank_leading:
        return np.array([f"{v:0{width}d}".encode() for v in range(10**width)], f"S{width}")
    texts = [zero.rjust(width)] + [str(v).rjust(width).encode() for v in range(1, 10**width)]
    return np.array(texts, f"S{width}")


def _put_digits(records: np.ndarray, end: int, room: int, magnitude: np.ndarray, *, zero_padded: bool) -> None:
    """Write ``magnitude`` right-aligned in the ``room`` bytes before ``end``: fully zero-padded (the
    decimals), or with blanks left of the highest digit and 0 written as "0" (the integer part)."""
    digits = room if zero_padded else len(str(int(magnitude.max())))
    rest = magnitude
    written = 0
    while written < min(digits, room):
        width = min(_GROUP, room - written)
        rest, group = np.divmod(rest, 10**width)
        if zero_padded:
            texts = _digit_table(width, blank_leading=False, zero=b"")[group]
        else:  # where nothing is left above this group, its leading zeros are blanks
            full = _digit_table(width, blank_leading=False, zero=b"")
            lead = _digit_table(width, blank_leading=True, zero=b"0" if written == 0 else b"")
            texts = np.where(rest == 0, lead[group], full[group])
        written += width
        _slot(records, end - written, width)[:] = texts
    if written < room:
        _slot(records, end - room, room - written)[:] = b" " * (room - written)


def _number_text(value: int, field: Field) -> bytes:
    """One value as the reference writes it (``dbf._frame_field_expr``)."""
    if not field.decimals:
        return str(value).rjust(field.length).encode()
    whole, part = divmod(abs(value), 10**field.decimals)
    sign = "-" if value < 0 else ""
    return f"{sign}{whole}.{part:0{field.decimals}d}".rjust(field.length).encode()


def _put_number(records: np.ndarray, offset: int, field: Field, column: dict) -> None:
    end = offset + field.length
    low = column["low"]
    if low is None or column["values"] is None:  # all null; a constant (the price)
        _slot(records, offset, field.length)[:] = b" " * field.length if low is None else _number_text(low, field)
        return
    values = column["values"]
    magnitude = np.abs(values.astype(np.int64)) if low < 0 else values
    if field.decimals:
        whole, part = np.divmod(magnitude, 10**field.decimals)
        _put_digits(records, end, field.decimals, part, zero_padded=True)
        records[:, end - field.decimals - 1] = ord(".")
        _put_digits(records, end - field.decimals - 1, field.length - field.decimals - 1, whole, zero_padded=False)
    else:
        _put_digits(records, end, field.length, magnitude, zero_padded=False)
    if low < 0:  # the sign just left of the highest digit (decimals are never negative here)
        rows = np.flatnonzero(values < 0)
        digits = np.searchsorted(_POWERS_OF_TEN, magnitude[rows], side="right") + 1
        records[rows, end - digits - 1] = ord("-")
    if column["null"] is not None:
        _slot(records, offset, field.length)[column["null"]] = b" " * field.length


_POWERS_OF_TEN = np.array([10**k for k in range(1, 19)], np.int64)


# --- D: YYYYMMDD, null blank ---------------------------------------------------------------------

_EPOCH = dt.date(1970, 1, 1)


_NO_DATE = np.iinfo(np.int32).min


def _put_date(records: np.ndarray, offset: int, column: dict) -> None:
    slot = _slot(records, offset, 8)
    days = column["values"]
    if days.min() == days.max():  # the usual: one business date
        slot[:] = _date_text(int(days[0]))
        return
    distinct, which = np.unique(days, return_inverse=True)  # a handful: lockup ends
    slot[:] = np.array([_date_text(int(d)) for d in distinct], "S8")[which]


def _date_text(days: int) -> bytes:
    return b" " * 8 if days == _NO_DATE else (_EPOCH + dt.timedelta(days=days)).strftime("%Y%m%d").encode()


# --- CSV -------------------------------------------------------------------------------------------

def _csv_lines(fields: Sequence[Field], layout: _Layout, records: np.ndarray, csv_lengths: dict) -> np.ndarray:
    """The CSV lines from the DBF records: each field's slot copied, a separator after it, then the
    bytes kept — numbers and dates without their blanks (they hold none), texts for their length."""
    n = records.shape[0]
    lines = np.empty((n, layout.csv_width), np.uint8)
    lines[:, 0] = SPACE
    for k, (field, dbf_at, csv_at, width) in enumerate(
            zip(fields, layout.dbf_offsets, layout.csv_offsets, layout.csv_widths, strict=True)):
        _slot(lines, csv_at, field.length)[:] = _slot(records, dbf_at, field.length)
        if width > field.length:
            lines[:, csv_at + field.length:csv_at + width] = SPACE
        lines[:, csv_at + width] = ord("\n") if k == len(fields) - 1 else ord(",")
    keep = lines != SPACE
    for field, csv_at, width in zip(fields, layout.csv_offsets, layout.csv_widths, strict=True):
        if field.type != "C":
            continue
        lengths, empty = csv_lengths[field.name]
        if empty.any():
            _slot(lines, csv_at, 2)[empty] = b'""'
        keep[:, csv_at:csv_at + width] = np.arange(width) < lengths[:, None]
    return lines[keep]
