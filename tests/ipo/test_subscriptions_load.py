"""Loading the exchange's file (offering_subscriptions_load): the usual file streams into the database
batch by batch, and a file refused or handed to the careful path part-way leaves nothing of the
attempt behind — a refusal lists every error and keeps the earlier load, as a load in one go did."""

from __future__ import annotations

import pytest
from django.db import connection

from csdp.ipo.subscription import exchange_subscriptions as exchange_file
from csdp.ipo.eod.t_day import custody_units_frame, offering_subscriptions_load
from csdp.ipo.subscription.exchange_subscriptions import ExchangeFileRejected, NotUsual, RowError, usual_batches
from csdp.ipo.models import EodStep, Subscription
from csdp.ipo.selectors import subscriptions_of
from tests.ipo import world
from tests.ipo.world import T, at

pytestmark = pytest.mark.django_db

EARLIER = [(1, "0100000001", "Q001", "100001", 100), (2, "0100000002", "Q001", "100001", 200)]


@pytest.fixture
def offering(monkeypatch):
    # Batches of two rows: a nine-row file reaches the database in five COPY batches, as a million
    # rows do in ten.
    monkeypatch.setattr(exchange_file, "USUAL_BATCH_ROWS", 2)
    world.participant("Q001", "100001", funds_fen=0)
    world.participant("Q002", "200001", funds_fen=0)
    created = world.offering(online_shares=1_000, initial=100_000)
    at(T, 10)
    return created


def nine_rows(**changed: tuple) -> list[tuple]:
    """Nine good orders in seq order; ``changed`` replaces the row of that seq (``s7=(…)``)."""
    rows = [
        (s, f"0{s}00000001", "Q001" if s % 2 else "Q002", "100001" if s % 2 else "200001", 100 * s)
        for s in range(1, 10)
    ]
    return [changed.get(f"s{row[0]}", row) for row in rows]


def quantities(offering) -> dict[int, int]:
    return dict(Subscription.objects.filter(offering=offering).values_list("seq", "quantity_shares"))


def partition_rows(offering) -> int | None:
    """Rows in the offering's own partition (PostgreSQL); None where there is no such table."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f"ipo_subscription_offering_id_{offering.pk}"])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f'SELECT count(*) FROM "ipo_subscription_offering_id_{offering.pk}"')
        return cursor.fetchone()[0]


def test_a_file_streamed_in_many_batches_is_loaded_whole(offering, tmp_path):
    assert offering_subscriptions_load(offering=offering, path=world.subscription_file(tmp_path, nine_rows())) == 9
    assert quantities(offering) == {s: 100 * s for s in range(1, 10)}
    assert subscriptions_of(offering)["seq"].to_list() == list(range(1, 10))  # what T EOD reads
    assert offering.step_runs.get(step=EodStep.T_LOAD).rows == 9
    if connection.vendor == "postgresql":
        assert partition_rows(offering) == 9


def test_a_bad_row_near_the_end_of_a_streamed_file_is_refused_with_every_error_and_nothing_is_left(offering, tmp_path):
    # Rows 1–8 went to the database in four batches before row 9 was read.
    offering_subscriptions_load(offering=offering, path=world.subscription_file(tmp_path, EARLIER))
    bad = nine_rows(s9=(9, "09000000", "Q009", "100001", 900))
    with pytest.raises(ExchangeFileRejected) as refused:
        offering_subscriptions_load(offering=offering, path=world.subscription_file(tmp_path, bad))
    assert refused.value.errors == [
        RowError(9, "account", "证券账户应为 10 位数字"),
        RowError(9, "custody_unit", "托管单元不属于该结算参与人"),
        RowError(9, "participant", "结算参与人代码未登记"),
    ]
    assert refused.value.total == 3
    assert quantities(offering) == {1: 100, 2: 200}  # the earlier load stands
    if connection.vendor == "postgresql":
        assert partition_rows(offering) == 2


def test_a_first_load_refused_at_its_last_row_leaves_no_partition_and_no_rows(offering, tmp_path):
    bad = nine_rows(s9=(9, "0900000001", "Q001", "200001", 900))
    with pytest.raises(ExchangeFileRejected) as refused:
        offering_subscriptions_load(offering=offering, path=world.subscription_file(tmp_path, bad))
    assert refused.value.errors == [RowError(9, "custody_unit", "托管单元不属于该结算参与人")]
    assert quantities(offering) == {}
    assert not offering.step_runs.filter(step=EodStep.T_LOAD).exists()
    if connection.vendor == "postgresql":
        assert partition_rows(offering) is None


def test_a_file_the_fast_path_gives_up_on_mid_stream_is_loaded_by_the_careful_path(offering, tmp_path):
    path = world.subscription_file(tmp_path, nine_rows())
    # Row 9's time with a space for the T: well formed, but not the usual form.
    text = path.read_text().splitlines(keepends=True)
    text[-1] = text[-1].replace("T09:", " 09:")
    path.write_text("".join(text))
    assert offering_subscriptions_load(offering=offering, path=path) == 9
    assert quantities(offering) == {s: 100 * s for s in range(1, 10)}
    if connection.vendor == "postgresql":
        assert partition_rows(offering) == 9


def test_a_repeated_seq_after_the_order_breaks_never_reaches_the_database_and_both_rows_are_named(offering, tmp_path):
    # seq 1, 2 | 5, 3 | 4, 5: the first batch goes to the database; once the order breaks the rest
    # wait for the uniqueness check, so the table's key never meets the second 5.
    rows = [(s, f"0{i}00000001", "Q001", "100001", 100) for i, s in enumerate([1, 2, 5, 3, 4, 5], start=1)]
    with pytest.raises(ExchangeFileRejected) as refused:
        offering_subscriptions_load(offering=offering, path=world.subscription_file(tmp_path, rows))
    assert refused.value.errors == [RowError(3, "seq", "主机确认序号重复"), RowError(6, "seq", "主机确认序号重复")]
    assert quantities(offering) == {}


def test_a_file_out_of_seq_order_with_every_seq_once_is_loaded_by_the_fast_path(offering, tmp_path):
    rows = [(s, f"0{i}00000001", "Q001", "100001", 100 * s) for i, s in enumerate([1, 2, 6, 3, 5, 4], start=1)]
    path = world.subscription_file(tmp_path, rows)
    batches = list(usual_batches(path, price_fen=1404, t_date=T, participants=custody_units_frame()))
    assert [b["seq"].to_list() for b in batches] == [[1, 2], [6, 3], [5, 4]]
    offering_subscriptions_load(offering=offering, path=path)
    assert quantities(offering) == {s: 100 * s for s in range(1, 7)}


def test_the_fast_path_gives_its_batches_before_it_has_read_the_file_to_the_end(offering, tmp_path):
    path = world.subscription_file(tmp_path, nine_rows(s9=(9, "0900000001", "Q001", "100001", "+900")))
    given = []
    with pytest.raises(NotUsual):
        for batch in usual_batches(path, price_fen=1404, t_date=T, participants=custody_units_frame()):
            given.append(batch["seq"].to_list())
    assert given == [[1, 2], [3, 4], [5, 6], [7, 8]]
