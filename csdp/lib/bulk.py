"""Moving whole tables between the database and Polars frames.

PostgreSQL: `COPY … FROM STDIN` in PostgreSQL's binary format (csdp/lib/pgbinary.py; CSV for a column
type the encoder does not know) and `COPY (…) TO STDOUT` in CSV, through psycopg's copy protocol — the
bulk path end-of-day work uses. SQLite (the embedded default): executemany / fetch in chunks; correct,
slower, fine for demo-sized data.
"""

from __future__ import annotations

import io
import logging
import re
import select
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

import polars as pl
import psycopg
from django.db import DatabaseError, connection, transaction
from psycopg import pq
from psycopg.generators import _fetch_many  # (the one private name: the end of a COPY, as psycopg's copy_from)

from csdp.lib.pgbinary import SUPPORTED, binary_stream

T = TypeVar("T")
DType = pl.DataType | type[pl.DataType]  # an instance (pl.Decimal(18, 2)) or a class (pl.Int64)

CHUNK_ROWS = 200_000


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def jit_off() -> None:
    """No JIT for the rest of the current transaction (``SET LOCAL``): for statements over a million
    rows whose plans' costs call for compiling them, where compiling took longer than it saved (a
    1M-holder roster; the 1M dividend end of day on a loaded machine, 27.2 · 23.7 · 28.7 s with it
    against 23.4 · 22.2 · 23.2 s without, alternating; no difference on a quiet one). Not for statements
    that run for a minute: the list date's parts at 10M holders were faster compiled
    (docs/performance.md, twelfth session)."""
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def copy_in(
    table: str, columns: Sequence[str], frame: pl.DataFrame, *, any_order: bool = False, chunk_rows: int = 0
) -> int:
    """Append ``frame`` (columns in ``columns`` order) to ``table``. Runs in the caller's transaction.
    ``any_order``: the rows may reach the table in another order (no serial id depends on it).
    ``chunk_rows``: the rows per COPY message batch (CHUNK_ROWS by default); smaller batches let the
    encoding of the next overlap PostgreSQL's taking in of this one for a frame of one default batch."""
    if frame.height == 0:
        return 0
    return copy_in_batches(table, columns, _slices(frame, chunk_rows), any_order=any_order)


def copy_in_batches(
    table: str, columns: Sequence[str], batches: Iterable[pl.DataFrame], *, any_order: bool = False
) -> int:
    """Append each frame of ``batches`` to ``table``, as one COPY; in the caller's transaction.

    On PostgreSQL the next batch is made and encoded in a thread while PostgreSQL takes in the
    current one, so a producer that parses its batches (the exchange file) overlaps the COPY. An
    exception from ``batches`` ends the COPY (PostgreSQL discards the rows it had, and the
    transaction, or the savepoint around the call, is to be rolled back) and is raised here."""
    columns, counted = list(columns), [0]

    def selected() -> Iterator[pl.DataFrame]:
        for batch in batches:
            counted[0] += batch.height
            yield batch.select(columns)

    cols = ", ".join(f'"{c}"' for c in columns)
    if is_postgres():
        types = column_types(table, columns)
        binary = all(t in SUPPORTED for t in types)
        chunks = binary_stream(selected(), types, any_order=any_order) if binary else map(_csv_bytes, selected())
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3 cursor under Django's wrapper
            with raw.copy(f'COPY "{table}" ({cols}) FROM STDIN WITH (FORMAT {"binary" if binary else "csv"})') as copy:
                for chunk in _ahead(chunks):
                    copy.write(chunk)
        return counted[0]
    sql = f'INSERT INTO "{table}" ({cols}) VALUES ({", ".join(["%s"] * len(columns))})'
    with connection.cursor() as cursor:
        for batch in selected():
            cursor.executemany(sql, batch.rows())
    return counted[0]


def column_types(table: str, columns: Sequence[str]) -> list[str]:
    """PostgreSQL's names of the columns' types (``bigint``, ``character varying`` …), in order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            [f'"{table}"'],
        )
        types = dict(cursor.fetchall())
    return [types[c] for c in columns]


def _slices(frame: pl.DataFrame, rows: int = 0) -> Iterator[pl.DataFrame]:
    rows = rows or CHUNK_ROWS  # read at call time (tests set a smaller CHUNK_ROWS)
    return (frame.slice(start, rows) for start in range(0, frame.height, rows))


def _csv_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, datetime_format="%Y-%m-%dT%H:%M:%S%.f%z")
    return buffer.getvalue()


def _ahead(chunks: Iterator[bytes | memoryview]) -> Iterator[bytes | memoryview]:
    """The next chunk is encoded (numpy / Polars, without the GIL) while PostgreSQL takes in the current one."""
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(next, chunks, None)
        while (chunk := pending.result()) is not None:
            pending = pool.submit(next, chunks, None)
            yield chunk


def copy_out(sql: str, params: Sequence[Any], schema: Mapping[str, DType]) -> pl.DataFrame:
    """Run a SELECT whose columns are ``schema``'s keys, in order, and return a frame of that schema."""
    if is_postgres():
        with connection.cursor() as cursor:
            raw = cursor.cursor
            query = raw.mogrify(sql, params) if params else sql
            buffer = _copy_to_buffer(raw, f"COPY ({query}) TO STDOUT WITH (FORMAT csv)")
        if buffer.tell() == 0:
            return pl.DataFrame(schema=schema)
        buffer.seek(0)
        return _read_typed_csv(buffer, schema)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pl.DataFrame(rows, schema=schema, orient="row")


def others_see_this_transaction() -> bool:
    """Whether another connection sees what this one reads, less what it has written itself: PostgreSQL,
    with no transaction around the current one — neither a caller's (whose writes are not committed) nor
    a test case's (Django's TestCase runs every test in one)."""
    blocks = connection.atomic_blocks
    return is_postgres() and (not blocks or (len(blocks) == 1 and not getattr(blocks[0], "_from_testcase", False)))


def on_own_connection(work: Callable[[], T]) -> T:
    """``work`` in a worker thread: on that thread's own connection (Django's are per thread), closed
    after it."""
    try:
        return work()
    finally:
        connection.close()


def copy_out_parts(sql: str, parts: Sequence[Sequence[Any]], schema: Mapping[str, DType]) -> pl.DataFrame:
    """``copy_out(sql, params)`` for each ``params`` of ``parts``, in one snapshot, concatenated in no
    particular order. On PostgreSQL, in the outermost transaction, the parts are read at once, each on
    its own connection in the snapshot this transaction exports (``pg_export_snapshot``) — the server
    builds and formats each part's rows on its own backend. That snapshot holds what was committed when
    it was taken, not what this transaction has written: the caller must have written nothing the read
    should see. Anywhere else (a caller's transaction, a test case's, SQLite), and if a reader's
    connection fails (refused at ``max_connections``, say), the parts are one statement (UNION ALL) on
    this connection: one snapshot still."""
    if not parts:
        return pl.DataFrame(schema=schema)
    if len(parts) > 1 and connection.in_atomic_block and others_see_this_transaction():
        try:
            return _parts_at_once(sql, parts, schema)
        except DatabaseError as error:  # a reader's own connection; this transaction is untouched
            logging.getLogger("csdp.bulk").warning("parallel read failed, read in one statement: %s", error)
    union = " UNION ALL ".join(f"SELECT * FROM ({sql}) p{n}" for n in range(len(parts)))
    return copy_out(union, [value for params in parts for value in params], schema)


def _parts_at_once(sql: str, parts: Sequence[Sequence[Any]], schema: Mapping[str, DType]) -> pl.DataFrame:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
    if not SNAPSHOT_ID.fullmatch(snapshot):  # it is spliced into SET, which takes no parameter
        raise ValueError(f"unexpected snapshot id {snapshot!r}")

    def read_in_snapshot(params: Sequence[Any]) -> pl.DataFrame:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                # The parts are the parallelism: one backend per core already. A part that also gathers
                # workers puts three processes on a core (R's snapshot at 10M holders: two parts at once
                # 8.1 s with workers, 5.9 s without; a pay-date group's two halves 1.89 → 1.69 s).
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            jit_off()
            return copy_out(sql, params, schema)

    # The exporting transaction stays open until every reader has its rows (future.result() below),
    # so the snapshot is still there to import.
    with ThreadPoolExecutor(len(parts)) as pool:
        futures = [pool.submit(on_own_connection, partial(read_in_snapshot, params)) for params in parts]
        return pl.concat([future.result() for future in futures], how="vertical")


SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+(-[0-9A-F]+)?")


def _copy_to_buffer(raw: Any, statement: str) -> io.BytesIO:
    """The rows of a ``COPY … TO STDOUT``, in one buffer. PostgreSQL sends one message per row, and
    psycopg's own iteration hands each through its wait loop (~3 µs a row of Python: 1.2 s for the 400k
    rows of a 100k-lot release); here libpq's rows are taken in a tight loop, the socket waited on only
    when libpq has none buffered (as psycopg's ``copy_from`` does), and the final result is psycopg's."""
    buffer = io.BytesIO()
    write = buffer.write
    with raw.copy(statement):
        pgconn = raw.connection.pgconn
        while True:
            size, data = pgconn.get_copy_data(1)
            if size > 0:
                write(data)
            elif size == 0:  # nothing buffered yet: wait for the socket
                select.select([pgconn.socket], [], [])
                pgconn.consume_input()
            else:  # the end of the rows (or an error): the statement's own result says which
                break
        results = raw.connection.wait(_fetch_many(pgconn))
        if len(results) != 1 or results[0].status != pq.ExecStatus.COMMAND_OK:
            raise psycopg.errors.error_from_result(results[-1], encoding=raw.connection.info.encoding)
    return buffer


def _read_typed_csv(buffer: io.BytesIO, schema: Mapping[str, DType]) -> pl.DataFrame:
    # Integers and text are parsed as their type; the rest as text, then cast: PostgreSQL writes booleans
    # as t/f, which Polars does not parse itself. (Reading every column as text first held about five
    # times the frame at once: +0.56 GB for a million entitlements, the 10M end of day's peak.)
    direct = {name for name, dtype in schema.items() if dtype == pl.Utf8 or dtype.is_integer()}
    read_as = {name: (dtype if name in direct else pl.Utf8) for name, dtype in schema.items()}
    frame = pl.read_csv(buffer, has_header=False, new_columns=list(schema), schema=read_as)
    casts = []
    for name, dtype in schema.items():
        column = pl.col(name)
        if dtype == pl.Boolean:
            casts.append((column == "t").alias(name))
        elif dtype == pl.Utf8:
            casts.append(column.fill_null(""))
        elif dtype == pl.Date:  # Polars 2 casts no text to a date; PostgreSQL's CSV writes ISO dates
            casts.append(column.str.to_date("%Y-%m-%d"))
        elif name not in direct:
            casts.append(column.cast(dtype))
    return frame.with_columns(casts)


def partition_replace(
    table: str, *, key: str, value: int, columns: Sequence[str], frame: pl.DataFrame, primary_key: Sequence[str]
) -> int:
    """Replace the rows of ``table`` whose ``key`` is ``value`` with ``frame``; in the caller's
    transaction. The rows go in key order: the primary key is then built from presorted input."""
    frame = _in_key_order(frame, [c for c in primary_key if c != key])
    return partition_replace_batches(
        table, key=key, value=value, columns=columns, batches=_slices(frame), primary_key=primary_key
    )


def partition_replace_batches(
    table: str,
    *,
    key: str,
    value: int,
    columns: Sequence[str],
    batches: Iterable[pl.DataFrame],
    primary_key: Sequence[str],
) -> int:
    """Replace the rows of ``table`` whose ``key`` is ``value`` with the rows of ``batches``, taken in
    as they come (copy_in_batches); in the caller's transaction, which an exception from ``batches``
    leaves to be rolled back.

    PostgreSQL, where ``table`` is partitioned by LIST (``key``) (docs/ipo.md, Storage at scale): the
    value's rows are one partition, built aside and swapped in — COPY into a fresh table that has no
    index yet, its primary key built by one sort, then attached. Inserting a million rows into a live
    primary-key index cost more than the COPY itself (measured in docs/performance.md). The CHECK
    written at creation lets ATTACH skip its validation scan. Locks: ATTACH takes SHARE UPDATE
    EXCLUSIVE on the parent (two loads wait for each other, readers do not); dropping an earlier
    partition (a reload) takes ACCESS EXCLUSIVE until commit. Elsewhere: DELETE, then insert.
    """
    value = int(value)
    if not (is_postgres() and _partitioned(table)):
        delete_where(table, key, value)
        return copy_in_batches(table, columns, batches, any_order=True)
    part = partition_name(table, key, value)
    quoted_key = ", ".join(f'"{c}"' for c in primary_key)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "{part}"')
        cursor.execute(f'DELETE FROM "{table}" WHERE "{key}" = %s', [value])  # rows in the DEFAULT partition
        cursor.execute(
            f'CREATE TABLE "{part}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS, '
            f'CHECK ("{key}" = {value}))'
        )
    rows = copy_in_batches(part, columns, batches, any_order=True)  # keyed by its columns: order is the index's job
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{part}" ADD PRIMARY KEY ({quoted_key})')
        cursor.execute(f'ALTER TABLE "{table}" ATTACH PARTITION "{part}" FOR VALUES IN ({value})')
    return rows


def partition_name(table: str, key: str, value: int) -> str:
    """The partition ``partition_replace`` loads ``value``'s rows into (the migrations that partition a
    table name existing values' partitions the same way)."""
    return f"{table}_{key}_{int(value)}"


def partition_analyze(table: str, *, key: str, value: int) -> None:
    """Statistics for ``value``'s rows just loaded by ``partition_replace`` (PostgreSQL): its own
    partition when it has one — every later read names the value and reads that partition alone — else
    the table. A fresh partition has none, and the planner would take it for a few rows."""
    if not is_postgres():
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f'"{partition_name(table, key, value)}"'])
        part = cursor.fetchone()[0]
        cursor.execute(f'ANALYZE "{part or table}"')


def _in_key_order(frame: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """Rows in key order, so the primary key is built from presorted input (the exchange's file
    usually is in sequence order already: then nothing is copied)."""
    if frame.height == 0 or (len(key) == 1 and frame.get_column(key[0]).is_sorted()):
        return frame
    return frame.sort(key)


def _partitioned(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass", [f'"{table}"'])
        return cursor.fetchone() is not None


def delete_where(table: str, column: str, value: Any) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{table}" WHERE "{column}" = %s', [value])
        deleted: int = cursor.rowcount
        return deleted


def lookup(values: pl.Series, *, table: str, key: str, value: str, dtype: DType = pl.Int64) -> pl.DataFrame:
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
        found = copy_out(
            f'SELECT t."{key}", t."{value}" FROM "{table}" t JOIN {stage} s ON s.k = t."{key}"',
            [],
            {key: pl.Utf8, value: dtype},
        )
        cursor.execute(f"DROP TABLE {stage}")
    return found
