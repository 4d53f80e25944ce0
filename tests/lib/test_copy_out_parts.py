"""copy_out_parts (csdp/lib/bulk.py): the parts of one read, on PostgreSQL in the outermost transaction
each on its own connection in that transaction's snapshot; elsewhere one after another here."""

from __future__ import annotations

import threading

import polars as pl
import pytest
from django.db import OperationalError, connection, transaction

from csdp.lib import bulk
from csdp.lib.bulk import copy_out_parts

SCHEMA = {"part": pl.Int64, "backend": pl.Int64, "jit": pl.String, "workers": pl.String}
SQL = (
    "SELECT CAST(%s AS BIGINT), CAST(pg_backend_pid() AS BIGINT), current_setting('jit'),"
    " current_setting('max_parallel_workers_per_gather')"
)

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="snapshots are PostgreSQL's")


def _backend() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_parts_of_an_outermost_transaction_are_read_on_their_own_connections_without_workers():
    with transaction.atomic():
        here = _backend()
        frame = copy_out_parts(SQL, [[1], [2]], SCHEMA)
    assert sorted(frame.get_column("part").to_list()) == [1, 2]
    backends = set(frame.get_column("backend").to_list())
    assert len(backends) == 2 and here not in backends
    assert set(frame.get_column("jit").to_list()) == {"off"}
    assert set(frame.get_column("workers").to_list()) == {"0"}  # each part is a core's work already


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_every_part_reads_the_snapshot_of_the_call_not_a_commit_made_before_its_own_read(monkeypatch):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE parts_probe (n bigint)")
    try:
        imported = threading.Barrier(2)  # both readers have imported the snapshot, not read yet
        committed = threading.Event()
        real_jit_off = bulk.jit_off

        def commit_a_row() -> None:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("INSERT INTO parts_probe VALUES (1)")  # autocommit, its own connection
            finally:
                connection.close()

        def jit_off_then_wait_for_the_commit() -> None:  # called in each reader after the import
            real_jit_off()
            if imported.wait(timeout=30) == 0:
                writer = threading.Thread(target=commit_a_row)
                writer.start()
                writer.join()
                committed.set()
            assert committed.wait(timeout=30)

        monkeypatch.setattr(bulk, "jit_off", jit_off_then_wait_for_the_commit)
        sql = "SELECT CAST(%s AS BIGINT), CAST(COUNT(*) AS BIGINT), '' FROM parts_probe"
        with transaction.atomic():
            frame = copy_out_parts(sql, [[1], [2]], {"part": pl.Int64, "seen": pl.Int64, "jit": pl.String})
        assert frame.sort("part").get_column("seen").to_list() == [0, 0]  # the row came after the snapshot
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM parts_probe")
            assert cursor.fetchone()[0] == 1  # and it was committed before the readers' COPY
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE parts_probe")


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_reader_whose_connection_fails_leaves_the_read_to_one_statement_here(monkeypatch, caplog):
    def refused(work):
        raise OperationalError("FATAL: sorry, too many clients already")

    monkeypatch.setattr(bulk, "on_own_connection", refused)
    with transaction.atomic():
        here = _backend()
        frame = copy_out_parts(SQL, [[1], [2]], SCHEMA)
    assert sorted(frame.get_column("part").to_list()) == [1, 2]
    assert set(frame.get_column("backend").to_list()) == {here}
    assert "too many clients" in caplog.text


@pytest.mark.django_db
def test_inside_a_test_cases_transaction_the_parts_are_one_statement_here():
    if connection.vendor != "postgresql":
        frame = copy_out_parts("SELECT %s, 0, '', ''", [[1], [2]], SCHEMA)
        assert frame.get_column("part").to_list() == [1, 2]
        return
    here = _backend()  # the test case's transaction holds what the test wrote: others would not see it
    frame = copy_out_parts(SQL, [[1], [2]], SCHEMA)
    assert frame.get_column("part").to_list() == [1, 2]
    assert set(frame.get_column("backend").to_list()) == {here}


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_inside_a_callers_transaction_the_parts_are_one_statement_here():
    with transaction.atomic():
        here = _backend()
        with transaction.atomic():  # a service's, inside the caller's
            frame = copy_out_parts(SQL, [[1], [2]], SCHEMA)
    assert set(frame.get_column("backend").to_list()) == {here}
