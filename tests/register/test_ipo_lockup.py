"""The IPO registration of a pledged pre-IPO holding (the nightly failure of issue 15): the lock-up
list's RESTRICT pair takes the pledge along to the 05 lot, and the whole registration is accepted."""

import datetime as dt

import pytest

from csdp.ipo.eod.day import eod_run
from csdp.ipo.eod.t_day import offering_subscriptions_load
from csdp.ipo.models import OfferingStatus
from csdp.ipo.services import proceeds_pay, reserve_deposit
from csdp.register.capital import register_check
from csdp.register.models import Position
from tests.ipo import world
from tests.ipo.world import T, at

pytestmark = pytest.mark.django_db
T1, T2 = dt.date(2026, 3, 17), dt.date(2026, 3, 18)


def test_a_pledged_pre_ipo_holding_is_registered_with_its_pledge_on_the_restricted_lot(tmp_path, cast):
    from csdp.ipo.models import LockupShareholder
    from csdp.register.services import register_apply
    from csdp.securities.models import Security

    p1 = world.participant("R002", "400002", funds_fen=0)
    holder = world.investor_account("0400000009", "原股东丙", id17="11010519700101009")
    world.investor_account("0400000003", "投资者丁", id17="11010519800101003")
    offering = world.offering(online_shares=1_000, initial=100_000, issuer=cast.issuer_a.institution)
    security = Security.objects.create(code="920188", name="悦龙科技", market="BSE", status="pending")
    base = {"security_id": security.pk, "account_id": holder.pk, "business_date": dt.date(2026, 1, 5)}
    register_apply(
        events=[
            {**base, "event_type": "initial", "key": "pre-ipo:1", "quantity_delta": 600_000},
            {**base, "event_type": "pledge", "key": "pre-ipo:pledge", "pledged_delta": 600_000},
        ]
    )
    LockupShareholder.objects.create(
        offering=offering, account=holder, shares=600_000, lockup_end=dt.date(2027, 3, 30), application_id=1
    )
    at(T, 10)
    offering_subscriptions_load(
        offering=offering, path=world.subscription_file(tmp_path, [(1, "0400000003", "R002", "400002", 1_000)])
    )
    at(T, 17)
    eod_run()
    at(T1, 11)
    reserve_deposit(institution=p1.institution, amount_fen=1_000 * 1404, reference="r2", actor=None)
    at(T1, 17)
    eod_run()
    at(T2, 10)
    proceeds_pay(offering=offering, actor=None)
    at(T2, 17)
    eod_run()
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.REGISTERED
    lots = {
        (p.share_nature, p.lockup_end): (p.quantity, p.pledged)
        for p in Position.objects.filter(account=holder, security=security)
        if p.quantity
    }
    assert lots == {("05", dt.date(2027, 3, 30)): (600_000, 600_000)}
    security.refresh_from_db()
    assert security.issued_shares == 601_000
    register_check(security)
