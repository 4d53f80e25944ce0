"""The byte-matrix writer (csdp.lib.dbf_matrix) against the reference: the Polars DBF records and
Polars' write_csv of the CSV columns, over random frames and layouts."""

import datetime as dt
import io
import string

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from csdp.ipo.eod import participant_files as files
from csdp.ipo.eod.participant_files import _csv_text
from csdp.ipo.eod.layouts import LAYOUTS, Layout
from csdp.lib.dbf import DbfValueError, Field, dbf_file_bytes, dbf_records, header
from csdp.lib.dbf_matrix import csv_header, matrix_path_applies, record_pieces

DAY = dt.date(2026, 3, 16)
SCHEMA = {"C": pl.Utf8, "N": pl.Int64, "D": pl.Date}
# Printable ASCII, space included; the last four are what Polars quotes (the frame then takes the reference path).
ALPHABET = string.ascii_letters + string.digits + " #'.;-_/\\\t" + ',"\r\n'


@st.composite
def fields(draw):
    kind = draw(st.sampled_from("CND"))
    if kind == "D":
        return ("D", 8, 0)
    if kind == "C":
        return ("C", draw(st.integers(1, 12)), 0)
    decimals = draw(st.sampled_from([0, 2, 4]))
    return ("N", draw(st.integers(decimals + 2 if decimals else 1, 20)), decimals)  # "0.05" at the least


def values(kind, length, decimals):
    """Values that fit the field, with the edges drawn often: empty, zero, exactly the width."""
    if kind == "C":
        return st.one_of(
            st.none(),
            st.just(""),
            st.text(ALPHABET, max_size=length),
            st.text(ALPHABET, min_size=length, max_size=length),
        )
    if kind == "D":
        return st.one_of(st.none(), st.dates(dt.date(1990, 1, 1), dt.date(2099, 12, 31)))
    digits = length - (decimals + 1 if decimals else 0)  # of the integer part
    largest = min(10 ** (digits + decimals) - 1, 2**63 - 1)
    if decimals:  # the sign takes a digit's place, and the integer part is at least "0"
        smallest = -min(10 ** (digits - 1 + decimals) - 1, 2**63 - 1) if digits >= 2 else 0
    else:
        smallest = -min(10 ** (digits - 1) - 1, 2**63 - 1)
    edges = [v for v in (0, largest, smallest, 1, -1) if smallest <= v <= largest]  # -1 is too wide for "0.01" in 4
    return st.one_of(st.none(), st.sampled_from(edges), st.integers(smallest, largest))


@st.composite
def frames(draw, max_rows=40):
    shapes = draw(st.lists(fields(), min_size=1, max_size=6))
    layout_fields = tuple(Field(f"F{k}", kind, length, decimals) for k, (kind, length, decimals) in enumerate(shapes))
    rows = draw(st.integers(0, max_rows))
    constant = draw(st.booleans())  # a column of one value takes its own branch
    columns = {}
    for f in layout_fields:
        strategy = values(f.type, f.length, f.decimals)
        column = draw(st.lists(strategy, min_size=rows, max_size=rows))
        if constant and column:
            column = [column[0]] * rows
        columns[f.name] = pl.Series(f.name, column, dtype=SCHEMA[f.type])
    return layout_fields, pl.DataFrame(columns)


def reference(layout_fields, frame) -> tuple[bytes, bytes]:
    dbf = dbf_file_bytes(layout_fields, dbf_records(layout_fields, frame), on=DAY)
    out = io.BytesIO()
    _csv_text(Layout("TEST", "", "", "", layout_fields, ""), frame).write_csv(out)
    return dbf, out.getvalue()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames())
def test_the_matrix_writer_gives_the_reference_bytes_for_any_frame_it_accepts(drawn):
    layout_fields, frame = drawn
    assume(matrix_path_applies(layout_fields, frame))
    records, lines = record_pieces(layout_fields, frame)
    dbf = header(layout_fields, frame.height, DAY) + records.tobytes() + b"\x1a"
    assert (dbf, csv_header(layout_fields) + lines.tobytes()) == reference(layout_fields, frame)


def test_frames_with_gbk_text_a_value_to_quote_or_a_negative_decimal_are_left_to_the_reference():
    text, money = Field("T", "C", 6), Field("M", "N", 8, 2)
    frame = pl.DataFrame({"T": ["AB"], "M": [5]})
    assert matrix_path_applies((text, money), frame)
    assert not matrix_path_applies((text, money), frame.with_columns(pl.lit("悦龙").alias("T")))
    assert not matrix_path_applies((text, money), frame.with_columns(pl.lit("A,B").alias("T")))
    assert not matrix_path_applies((text, money), frame.with_columns(pl.lit(-5).alias("M")))


def _written(root, layout, frame, codes):
    done = files._write_type(root, layout, frame, codes, "920001", DAY)
    return {str(f.path.relative_to(root)): (f.path.read_bytes(), f.rows, f.sha256) for f in done}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(frames(max_rows=60), st.data())
def test_every_participant_gets_the_reference_files_from_the_matrix_writer(tmp_path_factory, monkeypatch, drawn, data):
    layout_fields, frame = drawn
    codes = [f"K{k:03d}" for k in range(data.draw(st.integers(1, 6)))]
    owners = data.draw(st.lists(st.sampled_from(codes + ["K999"]), min_size=frame.height, max_size=frame.height))
    if data.draw(st.booleans()):  # each participant's rows together, as the EOD frames are (by_participant)
        owners.sort()
    frame = frame.with_columns(pl.Series("JSCY", owners, dtype=pl.Utf8))  # K999: rows of nobody asked for
    layout = Layout("TEST", "", "", "", (Field("JSCY", "C", 4), *layout_fields), "")
    monkeypatch.setattr(files, "PIECE_ROWS", data.draw(st.sampled_from([1, 3, 16_384])))  # files of several pieces
    fast = _written(tmp_path_factory.mktemp("fast"), layout, frame, codes)
    monkeypatch.setattr(files, "matrix_path_applies", lambda *args, **kwargs: False)
    assert fast == _written(tmp_path_factory.mktemp("reference"), layout, frame, codes)


def test_a_value_too_wide_refuses_the_whole_type_before_any_file_is_written(tmp_path):
    frame = pl.DataFrame(
        {
            "JSCY": ["K001", "K002"],
            "ZQDM": ["920001"] * 2,
            "XWDM": ["300001"] * 2,
            "GDDM": ["0300000001", "0300000002"],
            "SQBH": [1, 2],
            "JDJE": [100, 10**16],
            "RQ": [DAY] * 2,
        }
    )
    with pytest.raises(DbfValueError, match="JDJE"):
        files._write_type(tmp_path, LAYOUTS["JDSJ"], frame, ["K001", "K002"], "920001", DAY)
    assert not list(tmp_path.rglob("*.*"))


def test_a_negative_amount_reads_the_same_in_the_csv_twin_as_in_the_dbf():
    money = Field("M", "N", 8, 2)
    frame = pl.DataFrame({"M": [-5, -12345, 7, None]})
    assert _csv_text(Layout("TEST", "", "", "", (money,), ""), frame)["M"].to_list() == [
        "-0.05",
        "-123.45",
        "0.07",
        None,
    ]
    assert [r.strip() for r in dbf_records((money,), frame)["r"].to_list()] == ["-0.05", "-123.45", "0.07", ""]


# --- the C kernel's own guards: whatever its caller gets wrong, it raises instead of writing past a buffer


def _kernel_input():
    from csdp.lib.dbf_matrix import matrix_columns

    fields = (Field("T", "C", 4), Field("M", "N", 8, 2), Field("D", "D", 8))
    frame = pl.DataFrame({"T": ["AB", "ABCD"], "M": [5, 12345], "D": [DAY, None]})
    return matrix_columns(fields, frame)


def test_the_kernel_refuses_a_row_number_outside_the_columns():
    _fixedwidth = pytest.importorskip("csdp.lib._fixedwidth")  # the kernel is optional

    columns = _kernel_input()
    records = np.empty((1, columns.record_length), np.uint8)
    with pytest.raises(IndexError, match="row number out of range"):
        _fixedwidth.format_records(columns.specs, np.array([2], np.int64), records, np.empty(64, np.uint8))


def test_the_kernel_refuses_a_lines_buffer_too_small_for_the_rows():
    _fixedwidth = pytest.importorskip("csdp.lib._fixedwidth")  # the kernel is optional

    columns = _kernel_input()
    records = np.empty((2, columns.record_length), np.uint8)
    with pytest.raises(ValueError, match="too small"):
        _fixedwidth.format_records(columns.specs, np.array([0, 1], np.int64), records, np.empty(20, np.uint8))


def test_the_kernel_refuses_a_number_wider_than_its_field_even_if_the_width_check_was_skipped():
    _fixedwidth = pytest.importorskip("csdp.lib._fixedwidth")  # the kernel is optional

    columns = _kernel_input()
    kind, width, decimals, values, *rest = columns.specs[1]
    wide = (kind, width, decimals, np.array([10**9, 1], np.int64), *rest)  # "10000000.00" in 8
    records = np.empty((1, columns.record_length), np.uint8)
    with pytest.raises(ValueError, match="wider than its field"):
        _fixedwidth.format_records(
            [columns.specs[0], wide, columns.specs[2]], np.array([0], np.int64), records, np.empty(64, np.uint8)
        )


def test_the_kernel_refuses_records_of_the_wrong_size():
    _fixedwidth = pytest.importorskip("csdp.lib._fixedwidth")  # the kernel is optional

    columns = _kernel_input()
    with pytest.raises(ValueError, match="record length"):
        _fixedwidth.format_records(
            columns.specs, np.array([0], np.int64), np.empty(5, np.uint8), np.empty(64, np.uint8)
        )
