"""Moving whole tables between the database and Polars frames.

PostgreSQL: `COPY … FROM STDIN` / `COPY (…) TO STDOUT` in CSV through psycopg's copy protocol — the
bulk path end-of-day work uses (a million rows in about a second). SQLite (the embedded default):
executemany / fetch in chunks; correct, slower, fine for demo-sized data.
"""
from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import polars as pl
from django.db import connection

CHUNK_ROWS = 200_000


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def copy_in(table: str, columns: Sequence[str], frame: pl.DataFrame) -> int:
    """Append ``frame`` (columns in ``columns`` order) to ``table``. Runs in the caller's transaction."""
    if frame.height == 0:
        return 0
    frame = frame.select(list(columns))
    if is_postgres():
        cols = ", ".join(f'"{c}"' for c in columns)
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3 cursor under Django's wrapper
            with raw.copy(f'COPY "{table}" ({cols}) FROM STDIN WITH (FORMAT csv)') as copy:
                for chunk in _csv_chunks(frame):
                    copy.write(chunk)
        return frame.height
    placeholders = ", ".join(["%s"] * len(columns))
    cols = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{table}" ({cols}) VALUES ({placeholders})'
    with connection.cursor() as cursor:
        for start in range(0, frame.height, CHUNK_ROWS):
            cursor.executemany(sql, frame.slice(start, CHUNK_ROWS).rows())
    return frame.height


def _csv_chunks(frame: pl.DataFrame) -> Iterator[bytes]:
    """The frame as CSV, CHUNK_ROWS at a time; the next chunk is written (Polars, without the GIL)
    while PostgreSQL takes in the current one."""
    def encode(start: int) -> bytes:
        buffer = io.BytesIO()
        frame.slice(start, CHUNK_ROWS).write_csv(buffer, include_header=False, datetime_format="%Y-%m-%dT%H:%M:%S%.f%z")
        return buffer.getvalue()

    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(encode, 0)
        for start in range(CHUNK_ROWS, frame.height + CHUNK_ROWS, CHUNK_ROWS):
            chunk = pending.result()
            if start < frame.height:
                pending = pool.submit(encode, start)
            yield chunk


def copy_out(sql: str, params: Sequence, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Run a SELECT whose columns are ``schema``'s keys, in order, and return a frame of that schema."""
    if is_postgres():
        with connection.cursor() as cursor:
            raw = cursor.cursor
            query = raw.mogrify(sql, params) if params else sql
            buffer = io.BytesIO()
            with raw.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
                for block in copy:
                    buffer.write(block)
        if buffer.tell() == 0:
            return pl.DataFrame(schema=schema)
        buffer.seek(0)
        return _read_typed_csv(buffer, schema)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pl.DataFrame(rows, schema=schema, orient="row")


def _read_typed_csv(buffer: io.BytesIO, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    # Read as text, then cast: PostgreSQL writes booleans as t/f, which Polars does not parse itself.
    text_schema = {name: pl.Utf8 for name in schema}
    frame = pl.read_csv(buffer, has_header=False, new_columns=list(schema), schema=text_schema)
    casts = []
    for name, dtype in schema.items():
        column = pl.col(name)
        if dtype == pl.Boolean:
            casts.append((column == "t").alias(name))
        elif dtype == pl.Utf8:
            casts.append(column.fill_null(""))
        else:
            casts.append(column.cast(dtype))
    return frame.with_columns(casts)


def delete_where(table: str, column: str, value) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{table}" WHERE "{column}" = %s', [value])
        return cursor.rowcount


def lookup(values: pl.Series, *, table: str, key: str, value: str, dtype: pl.DataType = pl.Int64) -> pl.DataFrame:
    """Map many keys to a column of ``table`` set-based: stage the keys, join in the database, read
    back (columns ``key`` and ``value``). Keys without a row are absent from the result."""
    keys = pl.DataFrame({"k": values.unique().drop_nulls().cast(pl.Utf8)})
    if keys.height == 0:
        return pl.DataFrame(schema={key: pl.Utf8, value: dtype})
    stage = "lookup_stage"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {stage}")
        cursor.execute(f"CREATE TEMPORARY TABLE {stage} (k VARCHAR(64) PRIMARY KEY)")
        copy_in(stage, ("k",), keys)
        found = copy_out(f'SELECT t."{key}", t."{value}" FROM "{table}" t JOIN {stage} s ON s.k = t."{key}"', [],
                         {key: pl.Utf8, value: dtype})
        cursor.execute(f"DROP TABLE {stage}")
    return found
