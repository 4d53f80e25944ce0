"""rows_update writes the named fields of many rows in one statement, on SQLite and PostgreSQL alike,
and the database still refuses what its constraints refuse."""

import pytest
from django.db import IntegrityError, transaction
from django.test.utils import CaptureQueriesContext
from django.db import connection

from csdp.ipo.models import ParticipantObligation
from csdp.ledger.services import hold_create
from csdp.ledger.selectors import reserve_account_of
from csdp.lib.rows import rows_update
from tests.ipo import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def obligations():
    offering = world.offering(online_shares=1_000)
    rows = []
    for number in range(1, 4):
        profile = world.participant(f"Q00{number}", f"10000{number}", funds_fen=10_000)
        rows.append(
            ParticipantObligation.objects.create(
                offering=offering,
                participant=profile,
                orders=number,
                subscribed_shares=100 * number,
                subscribed_fen=1_000 * number,
            )
        )
    return rows


def test_each_row_gets_its_own_values_in_one_statement(obligations):
    for number, obligation in enumerate(obligations, start=1):
        obligation.frozen_fen, obligation.deducted_fen, obligation.available_fen = 700 * number, 300 * number, None
    with CaptureQueriesContext(connection) as queries:
        assert rows_update(obligations, ["frozen_fen", "deducted_fen", "available_fen"]) == 3
    assert len(queries) == 1
    stored = {
        o.pk: (o.frozen_fen, o.deducted_fen, o.available_fen, o.orders) for o in ParticipantObligation.objects.all()
    }
    assert stored == {o.pk: (700 * n, 300 * n, None, n) for n, o in enumerate(obligations, start=1)}


def test_a_foreign_key_is_set_or_cleared(obligations):
    first, second, _ = obligations
    reserve = reserve_account_of(first.participant.institution)
    hold = hold_create(
        debit=reserve,
        credit=reserve_account_of(second.participant.institution),
        amount_fen=100,
        key="test:rows",
        code="IPO_FREEZE",
    )
    first.hold, second.hold = hold, None
    rows_update([first, second], ["hold"])
    assert dict(ParticipantObligation.objects.values_list("pk", "hold_id")) == {
        first.pk: hold.pk,
        second.pk: None,
        obligations[2].pk: None,
    }


def test_the_database_still_refuses_a_deduction_above_the_freeze(obligations):
    obligations[0].frozen_fen, obligations[0].deducted_fen = 100, 200
    with pytest.raises(IntegrityError), transaction.atomic():
        rows_update(obligations[:1], ["frozen_fen", "deducted_fen"])
    assert ParticipantObligation.objects.get(pk=obligations[0].pk).deducted_fen == 0


def test_the_same_row_twice_is_refused_before_anything_is_written(obligations):
    with pytest.raises(ValueError):
        rows_update([obligations[0], obligations[0]], ["frozen_fen"])
    assert rows_update([], ["frozen_fen"]) == 0
