"""The event log keeps no database foreign keys (migration 0015); its accounts and securities are
guarded by the writers, by positions that are never deleted, and by the full check."""

import pytest
from django.db import IntegrityError, connection, transaction

from csdp.register.capital import RegisterInvariantError, register_check
from csdp.register.models import Position, RegistrationEvent
from csdp.register.services import RegisterError, register_apply, register_apply_bulk
from tests.register.conftest import DAY, event

GONE = 987_654_321  # no account or security has this id


def _row(world, key, **changes):
    row = {
        "security_id": world["stock"].pk,
        "account_id": world["account"].pk,
        "event_type": "ipo_allocation",
        "business_date": DAY,
        "key": key,
        "quantity_delta": 100,
    }
    return row | changes


def test_the_bulk_path_refuses_an_account_that_does_not_exist_and_writes_nothing(world):
    with pytest.raises(RegisterError, match=f"证券账户#{GONE} 不存在"):
        register_apply_bulk([_row(world, "ok"), _row(world, "gone", account_id=GONE)])
    assert not RegistrationEvent.objects.exists() and not Position.objects.exists()


def test_the_bulk_path_refuses_a_security_that_does_not_exist(world):
    with pytest.raises(RegisterError, match=f"证券#{GONE} 不存在"):
        register_apply_bulk([_row(world, "gone", security_id=GONE)])
    assert not RegistrationEvent.objects.exists()


def test_the_one_event_path_refuses_an_account_or_security_that_does_not_exist(world):
    with pytest.raises(RegisterError, match=f"证券账户#{GONE} 不存在"):
        register_apply(events=[_row(world, "gone", account_id=GONE)])
    with pytest.raises(RegisterError, match=f"证券#{GONE} 不存在"):
        register_apply(events=[_row(world, "gone", security_id=GONE)])
    assert not RegistrationEvent.objects.exists() and not Position.objects.exists()


def test_the_database_refuses_to_delete_a_position(world):
    register_apply(events=[event(world, "a", quantity=1_000)])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM register_position")
    assert Position.objects.count() == 1


def test_the_full_check_reports_an_event_whose_account_does_not_exist(world):
    register_apply(events=[event(world, "a", quantity=1_000)])
    with connection.cursor() as cursor:  # what only a write around the register could leave behind
        cursor.execute(
            "INSERT INTO register_registrationevent (security_id, account_id, share_nature, event_type, "
            "quantity_delta, frozen_delta, pledged_delta, business_date, key, batch, memo, created_at) "
            "SELECT security_id, %s, share_nature, event_type, 0, 5, -5, business_date, 'orphan', '', '', created_at "
            "FROM register_registrationevent",
            [GONE],
        )
    register_check(world["stock"], replay=False)  # a step's narrow check leaves it to the full one
    with pytest.raises(RegisterInvariantError) as refused:
        register_check(world["stock"])
    assert any(f"证券账户#{GONE}不存在" in p.message for p in refused.value.problems)
