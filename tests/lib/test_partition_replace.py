"""partition_replace swaps one offering's rows of a bulk table for new ones — on PostgreSQL as a
partition built aside — and leaves every other offering's rows, and on failure the old ones, alone."""

import datetime as dt

import polars as pl
import pytest
from django.db import IntegrityError, connection, transaction

from csdp.ipo.eod.t_day import SUBSCRIPTION_COLUMNS
from csdp.ipo.models import Subscription
from csdp.lib.bulk import partition_analyze, partition_name, partition_replace

pytestmark = pytest.mark.django_db


def _orders(offering_id: int, seqs: list[int], quantity: int = 100) -> pl.DataFrame:
    n = len(seqs)
    return pl.DataFrame(
        {
            "offering_id": [offering_id] * n,
            "seq": seqs,
            "account": ["0100000001"] * n,
            "participant": ["P001"] * n,
            "custody_unit": ["000001"] * n,
            "quantity_shares": [quantity] * n,
            "price_fen": [1000] * n,
            "investor_id": [""] * n,
            "confirmed_at": [dt.datetime(2026, 3, 16, 9, 30)] * n,
        },
        schema_overrides={
            "offering_id": pl.Int64,
            "seq": pl.Int64,
            "account": pl.Utf8,
            "participant": pl.Utf8,
            "custody_unit": pl.Utf8,
            "quantity_shares": pl.Int64,
            "price_fen": pl.Int64,
            "investor_id": pl.Utf8,
            "confirmed_at": pl.Datetime("us"),
        },
    ).with_columns(pl.col("confirmed_at").dt.replace_time_zone("Asia/Shanghai"))


def _replace(offering_id: int, frame: pl.DataFrame) -> int:
    return partition_replace(
        "ipo_subscription",
        key="offering_id",
        value=offering_id,
        columns=SUBSCRIPTION_COLUMNS,
        frame=frame,
        primary_key=("offering_id", "seq"),
    )


def _quantities(offering_id: int) -> dict[int, int]:
    return dict(Subscription.objects.filter(offering_id=offering_id).values_list("seq", "quantity_shares"))


def test_a_reload_replaces_that_offerings_rows_and_no_other():
    _replace(7, _orders(7, [3, 1, 2]))
    _replace(8, _orders(8, [1, 2]))
    assert _replace(7, _orders(7, [5, 4], quantity=200)) == 2
    assert _quantities(7) == {4: 200, 5: 200}
    assert _quantities(8) == {1: 100, 2: 100}


def test_a_duplicate_order_is_refused_and_the_earlier_load_stands():
    _replace(7, _orders(7, [1, 2]))
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            _replace(7, _orders(7, [9, 9]))
    assert _quantities(7) == {1: 100, 2: 100}


def test_an_empty_load_leaves_the_offering_without_rows():
    _replace(7, _orders(7, [1]))
    assert _replace(7, _orders(7, [])) == 0
    assert _quantities(7) == {}


def test_on_postgresql_each_offering_is_its_own_partition():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no partitions: DELETE and insert")
    _replace(7, _orders(7, [1, 2]))
    _replace(7, _orders(7, [3]))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'ipo_subscription'::regclass ORDER BY 1"
        )
        partitions = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT count(*) FROM ipo_subscription_offering_id_7")
        assert cursor.fetchone()[0] == 1
    assert "ipo_subscription_offering_id_7" in partitions
    assert "ipo_subscription_default" in partitions


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statistics and partitions are PostgreSQL's")
def test_analysing_a_loaded_value_gives_its_own_partition_statistics():
    _replace(7, _orders(7, list(range(1, 301))))
    partition_analyze("ipo_subscription", key="offering_id", value=7)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
            [partition_name("ipo_subscription", "offering_id", 7)],
        )
        assert cursor.fetchone()[0] == 300
