"""The database itself refuses what the services would refuse: code that bypasses them gets an
IntegrityError (django-hordak style)."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from csdp.ledger.models import LedgerAccount, Phase, Transfer
from csdp.ledger.services import hold_create, hold_void
from tests.ledger.conftest import DAY


def _refused(action):
    with pytest.raises(IntegrityError), transaction.atomic():
        action()


def test_the_database_refuses_an_update_of_a_transfer_through_the_orm(funded):
    _refused(lambda: Transfer.objects.filter(key="deposit-1").update(amount_fen=1))


def test_the_database_refuses_an_update_or_delete_of_a_transfer_through_raw_sql(funded):
    def raw(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)

    _refused(lambda: raw("UPDATE ledger_transfer SET amount_fen = 1"))
    _refused(lambda: raw("DELETE FROM ledger_transfer"))
    assert Transfer.objects.get(key="deposit-1").amount_fen == 1_000_000


def test_the_database_refuses_a_debit_constrained_account_below_zero(funded):
    _refused(
        lambda: LedgerAccount.objects.filter(pk=funded["reserve"].pk).update(debits_posted=F("credits_posted") + 1)
    )
    _refused(lambda: LedgerAccount.objects.filter(pk=funded["reserve"].pk).update(debits_pending=1_000_001))


def test_the_database_refuses_negative_totals_even_on_an_external_account(funded):
    _refused(lambda: LedgerAccount.objects.filter(pk=funded["bank"].pk).update(credits_posted=-1))


def test_the_database_refuses_a_zero_amount_and_a_transfer_to_the_same_account(funded):
    reserve = funded["reserve"]
    base = {"phase": Phase.POSTED, "code": "x", "business_date": DAY}
    _refused(
        lambda: Transfer.objects.create(
            debit_account=reserve, credit_account=funded["clearing"], amount_fen=0, key="zero", **base
        )
    )
    _refused(
        lambda: Transfer.objects.create(debit_account=reserve, credit_account=reserve, amount_fen=5, key="self", **base)
    )


def test_the_database_refuses_a_second_resolution_and_an_oversized_post(funded):
    hold = hold_create(
        debit=funded["reserve"], credit=funded["clearing"], amount_fen=500, key="h", code="ipo", business_date=DAY
    )
    base = {
        "debit_account": funded["reserve"],
        "credit_account": funded["clearing"],
        "code": "ipo",
        "business_date": DAY,
        "pending": hold,
    }
    _refused(lambda: Transfer.objects.create(phase=Phase.POST, amount_fen=501, key="too-much", **base))
    _refused(lambda: Transfer.objects.create(phase=Phase.VOID, amount_fen=499, key="part-void", **base))
    hold_void(hold=hold, business_date=DAY)
    _refused(lambda: Transfer.objects.create(phase=Phase.POST, amount_fen=100, key="second", **base))


def test_the_database_refuses_a_post_that_names_a_posted_transfer_as_its_hold(funded):
    deposit = Transfer.objects.get(key="deposit-1")
    _refused(
        lambda: Transfer.objects.create(
            debit_account=funded["bank"],
            credit_account=funded["reserve"],
            phase=Phase.POST,
            amount_fen=1,
            key="bogus",
            code="x",
            business_date=DAY,
            pending=deposit,
        )
    )


def test_the_database_refuses_an_overdraft_written_in_raw_sql(funded):
    def raw():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE ledger_ledgeraccount SET debits_posted = credits_posted + 1 WHERE id = %s",
                [funded["reserve"].pk],
            )

    _refused(raw)
