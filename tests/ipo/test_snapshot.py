"""The exchange's rows as loaded, kept in a file the load's record names (csdp/ipo/eod/snapshot.py): T and
T+1 EOD read that file instead of the million-row table, but only while the database still names it and
its bytes are the recorded ones; otherwise they read the table, and both give the same rows."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from django.conf import settings
from django.db import connection

from csdp.ipo.eod import snapshot
from csdp.ipo.eod.t_day import offering_subscriptions_load
from csdp.ipo.models import EodStep
from csdp.ipo.selectors import subscriptions_of, t_outcomes
from tests.ipo import world
from tests.ipo.world import T, at

pytestmark = pytest.mark.django_db

ROWS = [
    (1, "0100000001", "Q001", "100001", 1_000),
    (2, "0100000002", "Q001", "100001", 1_050),  # not a multiple of the unit: invalid at T EOD
    (3, "0100000003", "Q001", "100001", 2_000),
]


@pytest.fixture
def offering():
    world.participant("Q001", "100001", funds_fen=0)
    created = world.offering(online_shares=1_000, initial=100_000)
    at(T, 10)
    return created


def _record(offering) -> dict:
    return offering.step_runs.get(step=EodStep.T_LOAD).detail["snapshot"]


def _file(record: dict) -> Path:
    return Path(settings.CSDP_STORAGE_DIR) / "eod-snapshots" / "ipo" / record["path"]


def _from_table(offering) -> pl.DataFrame:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT seq, account, quantity_shares FROM ipo_subscription WHERE offering_id = %s ORDER BY seq",
            [offering.pk],
        )
        return cursor.fetchall()


def test_a_load_records_the_file_its_rows_were_kept_in_and_the_eod_reads_the_same_rows(offering, tmp_path):
    offering_subscriptions_load(offering=offering, path=world.subscription_file(tmp_path, ROWS))
    assert _file(_record(offering)).is_file()
    read = subscriptions_of(offering).sort("seq")
    assert list(read.select("seq", "account", "quantity").iter_rows()) == _from_table(offering)


def test_a_file_whose_bytes_changed_is_not_trusted_and_the_table_is_read(offering, tmp_path):
    offering_subscriptions_load(offering=offering, path=world.subscription_file(tmp_path, ROWS))
    record = _record(offering)
    tampered = pl.read_ipc(_file(record)).with_columns(pl.lit(9_999_999).alias("quantity"))
    tampered.write_ipc(_file(record), compression="lz4")
    assert subscriptions_of(offering)["quantity"].to_list() == [1_000, 1_050, 2_000]


def test_a_missing_file_falls_back_to_the_table(offering, tmp_path):
    offering_subscriptions_load(offering=offering, path=world.subscription_file(tmp_path, ROWS))
    _file(_record(offering)).unlink()
    assert sorted(subscriptions_of(offering)["seq"].to_list()) == [1, 2, 3]


def test_a_replacing_load_names_its_own_file_and_the_eod_reads_the_new_rows(offering, tmp_path):
    offering_subscriptions_load(offering=offering, path=world.subscription_file(tmp_path, ROWS))
    first = _record(offering)
    (tmp_path / "again").mkdir()
    offering_subscriptions_load(offering=offering, path=world.subscription_file(tmp_path / "again", ROWS[:1]))
    assert _record(offering)["path"] != first["path"]
    assert subscriptions_of(offering)["seq"].to_list() == [1]


def test_t_eod_verdicts_from_the_file_equal_those_from_the_table(offering, tmp_path, monkeypatch):
    from csdp.ipo.eod.day import eod_run

    offering_subscriptions_load(offering=offering, path=world.subscription_file(tmp_path, ROWS))
    eod_run(T)
    offering.refresh_from_db()
    from_file = t_outcomes(offering)
    monkeypatch.setattr(snapshot, "snapshot_read", lambda record: None)
    from_table = t_outcomes(offering)
    assert from_file.equals(from_table)
    assert from_file.filter(~pl.col("valid_t"))["seq"].to_list() == [2]
