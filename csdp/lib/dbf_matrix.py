"""DBF records and their CSV twin for the usual frame (ASCII text, integer numbers, dates): the fast
path of the participant files.

A type's columns are taken out of Polars once (``matrix_columns``: numpy arrays aligned with the
frame's rows); the records and lines of any rows — one participant's, a piece at a time — are then
written by a small C kernel (``_fixedwidth.c``, built by ``pip install`` when a C compiler is present), one pass per row and
without the GIL. Gives the same bytes as ``dbf.dbf_records`` + ``dbf.dbf_file_bytes`` and as Polars'
``write_csv`` of the CSV columns; those stay the reference, and the path for everything
``matrix_path_applies`` refuses (GBK text, a CSV value Polars would quote, a negative decimal).
Callers check the widths first, as for the reference (``dbf.dbf_check_widths``); the kernel checks
them again and raises rather than write past a field.

The kernel is optional: without it (no compiler at install, or ``CSDP_FIXEDWIDTH_KERNEL=off`` to
measure or test the other path) ``matrix_path_applies`` says no and every file takes the reference
path — the same bytes, more slowly (docs/performance.md, "The C kernel").
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np
import polars as pl
from csdp.lib.dbf import DbfValueError, Field, ascii_expression, dbf_check_widths, is_ascii, width_expressions


def _kernel() -> ModuleType | None:
    if os.environ.get("CSDP_FIXEDWIDTH_KERNEL", "on") == "off":
        return None
    try:
        from csdp.lib import _fixedwidth  # type: ignore[attr-defined]  # a C extension: no source for mypy
    except ImportError:  # installed without a C compiler: the Polars reference path serves
        return None
    kernel: ModuleType = _fixedwidth
    return kernel


_fixedwidth = _kernel()
_NEEDS_QUOTES = r'[,"\r\n]'  # Polars quotes a CSV value holding the separator, the quote or a line end
TEXT, INT, CODE, CONST = 0, 1, 2, 3  # the kernel's field kinds
_INT64_MAX = 2**63 - 1
# What the kernel takes of a column: (kind, width, fixed length, values, lengths, nulls, DBF bytes, CSV
# bytes) — numpy arrays and bytes, by kind (see _text_spec, _number_spec, _date_spec, _const).
Spec = tuple[Any, ...]
Facts = dict[str, Any]  # one row of a frame's select: expression name → value


def matrix_path_applies(
    fields: Sequence[Field], frame: pl.DataFrame, *, ascii_text: bool | None = None, facts: Facts | None = None
) -> bool:
    """Whether ``records_of`` writes what the reference does: every C field ASCII text with nothing
    Polars would quote, N fields integer (within int64), D fields dates, and no negative decimal (no
    file type carries negative money; the reference's CSV is the one that formats such a sign).
    ``facts``: ``matrix_path_expressions`` already computed over the frame."""
    if _fixedwidth is None or not matrix_path_typed(fields, frame):
        return False
    if frame.height == 0:
        return True
    wanted = matrix_path_expressions(fields, frame)
    if facts is None:
        facts = frame.select(wanted).row(0, named=True) if wanted else {}
    if any(facts[e.meta.output_name()] for e in wanted):
        return False
    return ascii_text if ascii_text is not None else is_ascii(frame.select(f.name for f in fields if f.type == "C"))


def matrix_path_typed(fields: Sequence[Field], frame: pl.DataFrame) -> bool:
    """C fields are text, N fields integers, D fields dates."""
    schema = frame.schema
    return all(
        schema[f.name] == pl.Utf8
        if f.type == "C"
        else schema[f.name] == pl.Date
        if f.type == "D"
        else schema[f.name].is_integer()
        for f in fields
    )


def matrix_path_expressions(fields: Sequence[Field], frame: pl.DataFrame) -> list[pl.Expr]:
    """True where a column has what the fast path does not write (for fields of the right types)."""
    schema = frame.schema
    if not matrix_path_typed(fields, frame):
        return []
    return [
        *[(pl.col(f.name) < 0).any().alias(f"{f.name}.negative") for f in fields if f.type == "N" and f.decimals],
        *[pl.col(f.name).str.contains(_NEEDS_QUOTES).any().alias(f"{f.name}.quoted") for f in fields if f.type == "C"],
        *[
            (pl.col(f.name) > _INT64_MAX).any().alias(f"{f.name}.huge")
            for f in fields
            if f.type == "N" and schema[f.name] == pl.UInt64
        ],
    ]


def frame_facts(fields: Sequence[Field], frame: pl.DataFrame) -> Facts:
    """Everything the writers ask of a frame as a whole — widths, ASCII, what the fast path cannot
    write, each column's extremes — in one select: Polars computes them side by side in one pass
    instead of four (0.1–0.2 s a step at 1M orders)."""
    text = [f.name for f in fields if f.type == "C" and frame.schema[f.name] == pl.Utf8]
    wanted = width_expressions(fields, frame) + ([ascii_expression(text)] if text else [])
    if matrix_path_typed(fields, frame):
        wanted += matrix_path_expressions(fields, frame) + column_expressions(fields)
    return frame.select(wanted).row(0, named=True) if wanted else {}


def matrix_columns_checked(
    fields: Sequence[Field], frame: pl.DataFrame, order: np.ndarray | None = None
) -> MatrixColumns | None:
    """``matrix_columns`` of a frame the fast path writes as the reference would, its widths checked;
    None where it does not (the caller then takes the reference path, which decides and reports)."""
    facts = frame_facts(fields, frame)
    if not facts.get("ascii", True) or not matrix_path_applies(fields, frame, ascii_text=True, facts=facts):
        return None
    try:
        dbf_check_widths(fields, frame, facts)
    except DbfValueError:
        return None
    return matrix_columns(fields, frame, order, stats=facts)


def constant_spec(field: Field, value: object) -> Spec | None:
    """The spec of a column holding ``value`` on every row (the security code, the business date);
    None where the value does not fit the field or the fast path."""
    columns = matrix_columns_checked([field], pl.DataFrame({field.name: [value]}))
    return columns.specs[0] if columns is not None else None


def csv_header(fields: Sequence[Field]) -> bytes:
    return (",".join(f.name for f in fields) + "\n").encode("ascii")


class MatrixColumns:
    """A frame's fields as the kernel takes them, prepared once for the whole frame: a constant as its
    bytes, a text as fixed-width bytes (+ lengths and nulls), a number as int64, a date as an index
    into its few distinct values. A Polars call per participant and piece cost more than building the
    records (about 1 ms each, with two writer threads contending for Polars' pool)."""

    def __init__(self, fields: Sequence[Field], specs: list[Spec | None], height: int) -> None:
        self.fields, self.specs, self.height = tuple(fields), specs, height
        self.record_length = 1 + sum(f.length for f in fields)
        self.line_room = sum(_csv_room(f, spec) + 1 for f, spec in zip(fields, specs, strict=True))

    def specs_for(self, group: str | None) -> list[Spec | None]:
        """The specs, with the group field (left out: see ``matrix_columns``) as the constant ``group``."""
        if group is None:
            return self.specs
        return [spec or _text_const(f, group) for f, spec in zip(self.fields, self.specs, strict=True)]


def _csv_room(field: Field, spec: Spec | None) -> int:
    """The most CSV bytes one value of the field takes (an empty string is written "")."""
    return len(spec[7]) if spec and spec[0] == CONST else max(field.length, 2)


def matrix_columns(
    fields: Sequence[Field],
    frame: pl.DataFrame,
    order: np.ndarray | None = None,
    *,
    group: str | None = None,
    stats: Facts | None = None,
) -> MatrixColumns:
    """One Polars call for every column's extremes, null count and constancy; then one a column for
    the values (a text joined into one padded string: at 15M rows a column is 150 MB of text).
    ``order``: row numbers; the arrays are rearranged in that order (rows left out are dropped), a
    column at a time — the kernel then reads each participant's rows one after the other. Read
    where they lie in the frame (a participant's rows are spread over all of it), every row cost a
    cache miss per field: 0.5 s per million rows instead of 0.08 s. ``group``: a text field whose value
    is the same within each run of rows the caller asks for (the participant of a participant's file):
    not taken out at all; ``records_of`` is given its value."""
    if stats is None:
        stats = frame.select(column_expressions(fields)).row(0, named=True) if frame.height else {}
    specs: list[Spec | None] = []
    for f in fields:
        if f.name == group:
            specs.append(None)
            continue
        about = {k: stats.get(f"{f.name}.{k}") for k in ("nulls", "low", "high", "constant", "first")}
        spec = {"C": _text_spec, "N": _number_spec, "D": _date_spec}[f.type](f, frame, about)
        specs.append(spec if order is None else rearranged(spec, order))
    return MatrixColumns(fields, specs, frame.height if order is None else len(order))


def rearranged(spec: Spec, order: np.ndarray) -> Spec:
    """A spec whose rows are ``order`` (row numbers) of ``spec``'s."""
    kind, width, _, values, lengths, nulls, _, _ = spec
    if kind == CONST:
        return spec
    if kind == TEXT:
        values = values.reshape(-1, width).take(order, axis=0).reshape(-1)
    else:
        values = values.take(order)
    return (
        *spec[:3],
        values,
        None if lengths is None else lengths.take(order),
        None if nulls is None else nulls.take(order),
        *spec[6:],
    )


def column_expressions(fields: Sequence[Field]) -> list[pl.Expr]:
    """What ``matrix_columns`` reads of every column first: extremes, null count, constancy."""
    return [
        *[
            e
            for f in fields
            for e in (
                pl.col(f.name).null_count().alias(f"{f.name}.nulls"),
                _low(f).alias(f"{f.name}.low"),
                _high(f).alias(f"{f.name}.high"),
            )
        ],
        *[
            e
            for f in fields
            if f.type == "C"
            for e in (
                (pl.col(f.name) == pl.col(f.name).first()).all().alias(f"{f.name}.constant"),
                pl.col(f.name).first().alias(f"{f.name}.first"),
            )
        ],
    ]


def _low(f: Field) -> pl.Expr:
    return pl.col(f.name).str.len_bytes().min() if f.type == "C" else pl.col(f.name).min()


def _high(f: Field) -> pl.Expr:
    return pl.col(f.name).str.len_bytes().max() if f.type == "C" else pl.col(f.name).max()


def _const(f: Field, dbf: bytes, csv: bytes) -> Spec:
    return (CONST, f.length, 0, None, None, None, dbf, csv)


def _nulls(frame: pl.DataFrame, f: Field, about: Facts) -> np.ndarray | None:
    return frame.get_column(f.name).is_null().to_numpy().view(np.uint8) if about["nulls"] else None


def _text_const(f: Field, text: str) -> Spec:
    value = text.encode("ascii")
    return _const(f, value.ljust(f.length), value or b'""')


def _text_spec(f: Field, frame: pl.DataFrame, about: Facts) -> Spec:
    if not frame.height or (about["constant"] and not about["nulls"]):  # the security code
        return _text_const(f, about["first"] or "")
    column = frame.get_column(f.name)
    if not about["nulls"] and about["low"] == about["high"] == f.length:  # account numbers: every value full width
        # the bytes as they lie, one row per value (not joined into a Python string and encoded: two copies)
        matrix = column.cast(pl.Binary).bin.reinterpret(dtype=pl.Array(pl.UInt8, f.length)).to_numpy()
        return (TEXT, f.length, f.length, np.ascontiguousarray(matrix).reshape(-1), None, None, None, None)
    joined = column.fill_null("").str.pad_end(f.length).str.join("").item()
    strings = np.frombuffer(joined.encode("ascii"), np.uint8)
    if about["nulls"] or about["low"] != about["high"]:
        lengths = column.str.len_bytes().fill_null(0).cast(pl.Int32).to_numpy()
        return (TEXT, f.length, 0, strings, lengths, _nulls(frame, f, about), None, None)
    return (TEXT, f.length, about["low"], strings, None, None, None, None)  # every value as long


def _number_spec(f: Field, frame: pl.DataFrame, about: Facts) -> Spec:
    if frame.height and about["low"] == about["high"] and not about["nulls"]:  # the price
        text = _number_text(about["low"], f)
        return _const(f, text.rjust(f.length).encode("ascii"), text.encode("ascii"))
    if not frame.height:
        return _const(f, b" " * f.length, b"")
    values = frame.get_column(f.name).fill_null(0).cast(pl.Int64).to_numpy()
    return (INT, f.length, f.decimals, np.ascontiguousarray(values), None, _nulls(frame, f, about), None, None)


def _number_text(value: int, field: Field) -> str:
    """One value as the reference writes it (``dbf._frame_field_expr``)."""
    if not field.decimals:
        return str(value)
    whole, part = divmod(abs(value), 10**field.decimals)
    return f"{'-' if value < 0 else ''}{whole}.{part:0{field.decimals}d}"


def _date_spec(f: Field, frame: pl.DataFrame, about: Facts) -> Spec:
    """Dates are few (the business date; lock-up ends): each row an index into their texts."""
    if not frame.height or about["nulls"] == frame.height:
        return _const(f, b" " * 8, b"")
    if about["low"] == about["high"] and not about["nulls"]:
        text = about["low"].strftime("%Y%m%d").encode("ascii")
        return _const(f, text, text)
    column = frame.get_column(f.name)
    distinct = column.drop_nulls().unique().sort()
    codes = distinct.search_sorted(column.fill_null(distinct[0])).cast(pl.Int32).to_numpy().copy()
    if about["nulls"]:
        codes[column.is_null().to_numpy()] = -1
    table = "".join(d.strftime("%Y%m%d") for d in distinct.to_list()).encode("ascii")
    return (CODE, 8, 0, codes, None, None, table, table)


def records_of(
    columns: MatrixColumns, rows: np.ndarray | None, group: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """DBF records, an (n, record length) uint8 matrix, and the CSV lines as one uint8 array, of the
    frame's ``rows`` (row numbers, in the order wanted; None: every row in order); ``group``: the value
    of the group field on these rows."""
    rows = np.arange(columns.height, dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
    records = np.empty((len(rows), columns.record_length), np.uint8)
    if not len(rows):
        return records, np.empty(0, np.uint8)
    lines = np.empty(len(rows) * columns.line_room, np.uint8)
    if _fixedwidth is None:
        raise RuntimeError("records_of needs the C kernel: matrix_path_applies decides before")
    used = _fixedwidth.format_records(columns.specs_for(group), rows, records, lines)
    return records, lines[:used]


def record_pieces(fields: Sequence[Field], frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``records_of`` every row of ``frame``. Only for frames ``matrix_path_applies`` accepts, after
    the width check."""
    return records_of(matrix_columns(fields, frame), None)
