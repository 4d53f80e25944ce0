"""The vectorised binary COPY encoder gives, byte for byte, what a plain per-row encoder written from
PostgreSQL's documentation gives; and PostgreSQL reads it back as the same rows."""

import datetime as dt
import struct
import zoneinfo

import polars as pl
import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from csdp.lib.bulk import copy_in, copy_out
from csdp.lib.pgbinary import SIGNATURE, TRAILER, BinaryEncodeError, binary_stream, encode_rows

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
PG_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
TYPES = ["bigint", "integer", "character varying", "boolean", "date", "timestamp with time zone"]


def _reference_field(value, pg_type: str) -> bytes:
    if value is None:
        return struct.pack(">i", -1)
    if pg_type == "bigint":
        data = struct.pack(">q", value)
    elif pg_type == "integer":
        data = struct.pack(">i", value)
    elif pg_type == "character varying":
        data = value.encode("utf-8")
    elif pg_type == "boolean":
        data = b"\x01" if value else b"\x00"
    elif pg_type == "date":
        data = struct.pack(">i", (value - dt.date(2000, 1, 1)).days)
    else:
        delta = value - PG_EPOCH
        data = struct.pack(">q", (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)
    return struct.pack(">i", len(data)) + data


def _reference(rows: list[tuple]) -> bytes:
    return b"".join(
        struct.pack(">h", len(TYPES)) + b"".join(_reference_field(v, t) for v, t in zip(row, TYPES)) for row in rows
    )


def _frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        orient="row",
        schema={
            "big": pl.Int64,
            "small": pl.Int32,
            "text": pl.Utf8,
            "flag": pl.Boolean,
            "day": pl.Date,
            "at": pl.Datetime("us", "Asia/Shanghai"),
        },
    )


# From 1992: Shanghai has had no daylight saving since 1991 (a skipped local hour is no instant).
moments = st.datetimes(
    min_value=dt.datetime(1992, 1, 1), max_value=dt.datetime(2090, 1, 1), timezones=st.just(SHANGHAI)
)
row = st.tuples(
    st.none() | st.integers(-(2**63), 2**63 - 1),
    st.none() | st.integers(-(2**31), 2**31 - 1),
    st.none() | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.none() | st.booleans(),
    st.none() | st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 1, 1)),
    st.none() | moments,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(row, max_size=40))
def test_every_row_is_encoded_as_the_documented_format_says(rows):
    assert encode_rows(_frame(rows), TYPES) == _reference(rows)


def _split_rows(data: bytes) -> list[bytes]:
    rows, at = [], 0
    while at < len(data):
        start, (count,) = at, struct.unpack_from(">h", data, at)
        at += 2
        for _ in range(count):
            (size,) = struct.unpack_from(">i", data, at)
            at += 4 + max(size, 0)
        rows.append(data[start:at])
    return rows


texts = st.none() | st.sampled_from(["", "P001", "P0001", "110101199003071234", "北京"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**12), texts, texts), min_size=1, max_size=60), st.booleans())
def test_rows_grouped_by_their_length_pattern_are_the_same_rows(rows, any_order):
    frame = pl.DataFrame(rows, orient="row", schema={"seq": pl.Int64, "a": pl.Utf8, "b": pl.Utf8})
    types = ["bigint", "character varying", "character varying"]
    reference = b"".join(
        struct.pack(">h", 3)
        + b"".join(_reference_field(v, t) for v, t in zip(row, ["bigint", "character varying", "character varying"]))
        for row in rows
    )
    encoded = encode_rows(frame, types, any_order=any_order)
    if any_order:
        assert sorted(_split_rows(encoded)) == sorted(_split_rows(reference))
    else:
        assert encoded == reference


def test_the_stream_is_signature_chunks_trailer():
    rows = [
        (i, i, "证券" * i, i % 2 == 0, dt.date(2026, 3, 16), dt.datetime(2026, 3, 16, 9, 30, tzinfo=SHANGHAI))
        for i in range(5)
    ]
    frame = _frame(rows)
    chunks = [bytes(c) for c in binary_stream((frame.slice(k, 2) for k in range(0, 5, 2)), TYPES)]
    assert chunks[0] == SIGNATURE and chunks[-1] == TRAILER
    assert len(chunks) == 2 + 3
    assert b"".join(chunks[1:-1]) == _reference(rows)


def test_a_value_too_wide_for_its_column_is_refused_not_wrapped():
    with pytest.raises(BinaryEncodeError):
        encode_rows(pl.DataFrame({"n": [2**31]}), ["integer"])


def test_a_naive_timestamp_is_refused_rather_than_guessed():
    with pytest.raises(BinaryEncodeError):
        encode_rows(pl.DataFrame({"at": [dt.datetime(2026, 3, 16, 9, 30)]}), ["timestamp with time zone"])


@pytest.mark.django_db
def test_postgresql_reads_the_rows_back_as_they_were():
    if connection.vendor != "postgresql":
        pytest.skip("binary COPY is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE binary_round_trip (big bigint, small integer, text varchar(40), "
            "flag boolean, day date, at timestamptz)"
        )
    rows = [
        (
            2**62,
            -7,
            "北京证券交易所",
            True,
            dt.date(2026, 3, 16),
            dt.datetime(2026, 3, 16, 9, 30, 1, 5, tzinfo=SHANGHAI),
        ),
        (None, None, None, None, None, None),
        (-1, 0, "", False, dt.date(1999, 12, 31), dt.datetime(1999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)),
    ]
    frame = _frame(rows)
    copy_in("binary_round_trip", frame.columns, frame)
    back = copy_out(
        "SELECT big, small, text, flag, day, at FROM binary_round_trip ORDER BY small NULLS FIRST, big",
        [],
        {"big": pl.Int64, "small": pl.Int32, "text": pl.Utf8, "flag": pl.Boolean, "day": pl.Utf8, "at": pl.Utf8},
    )
    assert back["big"].to_list() == [None, 2**62, -1]
    assert back["text"].to_list() == ["", "北京证券交易所", ""]  # copy_out reads a NULL text as ""
    assert back["flag"].to_list() == [None, True, False]
    assert back["day"].to_list() == ["", "2026-03-16", "1999-12-31"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT at FROM binary_round_trip WHERE at IS NOT NULL ORDER BY at")
        assert [r[0] for r in cursor.fetchall()] == [rows[2][5], rows[0][5]]


@pytest.mark.django_db(transaction=True)
def test_copy_out_reads_every_row_of_a_large_result_and_raises_an_error_met_midway():
    """copy_out takes libpq's rows in its own loop: all of a result larger than libpq's buffer arrive, in
    order; a statement failing after some rows were sent raises PostgreSQL's error, and the connection
    is usable again once the transaction is rolled back."""
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    import psycopg
    from django.db import transaction

    rows = copy_out("SELECT g, 'row ' || g FROM generate_series(1, 300000) g", [], {"n": pl.Int64, "t": pl.Utf8})
    assert rows.height == 300_000 and rows["n"].to_list() == list(range(1, 300_001))
    assert rows["t"][-1] == "row 300000"
    with pytest.raises(psycopg.errors.DivisionByZero), transaction.atomic():
        copy_out("SELECT g, 1 / (250000 - g) FROM generate_series(1, 300000) g", [], {"n": pl.Int64, "x": pl.Int64})
    assert copy_out("SELECT 1", [], {"one": pl.Int64})["one"].to_list() == [1]
