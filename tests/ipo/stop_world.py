"""The stop tests' world (seed 002 第五章): two participants, four orders, and the offering taken to each
stage; the counter application filed by the lead underwriter."""

import datetime as dt

import pytest
from dbfread import DBF
from django.conf import settings

from csdp.counter.models import Status
from csdp.ipo.eod.day import eod_run
from csdp.ipo.eod.t_day import offering_subscriptions_load
from csdp.ipo.models import (
    OfferingStatus,
    ParticipantFile,
    StopStage,
)
from csdp.ipo.services import proceeds_pay, reserve_deposit
from csdp.ipo.failure.stop import offering_stop_record
from csdp.keys.testing import enrol_test_key
from tests.counter.factories import draft, drive
from tests.ipo import world
from tests.ipo.world import T, at


pytestmark = pytest.mark.django_db
T1, T2, T3, L = dt.date(2026, 3, 17), dt.date(2026, 3, 18), dt.date(2026, 3, 19), dt.date(2026, 3, 30)
PRICE = 1404
ORDERS = [
    (1, "0400000001", "S001", "500001", 1_000),
    (2, "0400000002", "S001", "500001", 2_000),
    (3, "0500000001", "S002", "600001", 1_000),
    (4, "0500000002", "S002", "600001", 150),
]  # seq 4: not 100s


@pytest.fixture
def loaded(tmp_path, cast):
    """T 10:00: the exchange's file is in; two participants, four orders (three valid)."""
    s1 = world.participant("S001", "500001", funds_fen=0)
    s2 = world.participant("S002", "600001", funds_fen=0)
    for number, name, id17 in [
        ("0400000001", "甲", "11010519800101011"),
        ("0400000002", "乙", "11010519800101012"),
        ("0500000001", "丙", "11010519800101013"),
        ("0500000002", "丁", "11010519800101014"),
    ]:
        world.investor_account(number, f"投资者{name}", id17=id17)
    offering = world.offering(online_shares=1_000, initial=100_000, issuer=cast.issuer_a.institution)
    at(T, 10)
    offering_subscriptions_load(offering=offering, path=world.subscription_file(tmp_path, ORDERS))
    return offering, s1, s2


def _stop(offering, kind="failed", *, at_time=None, actor=None):
    from csdp.clock.services import clock_now

    return offering_stop_record(
        offering=offering,
        kind=kind,
        confirmed_at=at_time or clock_now(),
        reference="北证发〔2026〕1号",
        reason="发行认购不足",
        actor=actor,
    )


def _fund_participants(s1, s2):
    reserve_deposit(institution=s1.institution, amount_fen=3_000 * PRICE, reference="s1", actor=None)
    reserve_deposit(institution=s2.institution, amount_fen=1_000 * PRICE, reference="s2", actor=None)


def _through_t1_eod(offering, s1, s2):
    """T EOD, both participants pay in full on T+1, T+1 EOD settles."""
    at(T, 17)
    eod_run()
    at(T1, 11)
    _fund_participants(s1, s2)
    at(T1, 17)
    eod_run()


def _files(offering, file_type):
    return {
        f.participant.code: f
        for f in ParticipantFile.objects.filter(
            offering=offering, file_type=file_type, file_format="dbf"
        ).select_related("participant")
    }


def _dbf(participant_file):
    return list(DBF(settings.CSDP_FILES_DIR / participant_file.path))


@pytest.fixture
def stopped_5_2(loaded):
    offering, s1, s2 = loaded
    at(T, 17)
    eod_run()
    at(T1, 11)
    _fund_participants(s1, s2)
    at(T1, 16, 59)
    stop = _stop(offering, "suspended")
    assert stop.stage == StopStage.BEFORE_T1_EOD
    at(T1, 17)
    eod_run()
    offering.refresh_from_db()
    return offering, s1, s2


def _interest_data(**changes):
    data = {
        "materials": True,
        "refund_interest": True,
        "annual_rate": "0.35",
        "day_count": 360,
        "interest_from": None,
        "interest_to": None,
        "refund_principal": False,
        "cancel_shares": False,
    }
    data.update(changes)
    return data


def _underwriter_user(offering):
    from csdp.accounts.models import User

    user, _ = User.objects.get_or_create(
        username="uw1",
        defaults={"institution": offering.underwriter, "display_name": "华信经办", "mobile": "13900000009"},
    )
    return user


def _apply(cast, data, *, until=Status.ACCEPTED, filer=None):
    """Counter type 15, filed by the offering's lead underwriter unless ``filer`` says otherwise."""
    from csdp.ipo.models import Offering

    filer = filer or _underwriter_user(Offering.objects.get(code="920188"))
    application = draft(filer, type_code="15", code="920188", data=data)
    return drive(application, until, filer=filer, key=enrol_test_key(filer), operator=cast.operator)


@pytest.fixture
def registered(loaded):
    """Through T+2: settled, paid to the issuer, registered (no placements)."""
    offering, s1, s2 = loaded
    _through_t1_eod(offering, s1, s2)
    at(T2, 10)
    proceeds_pay(offering=offering, actor=None)
    at(T2, 17)
    eod_run()
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.REGISTERED
    return offering, s1, s2
