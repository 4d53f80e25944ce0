"""The T-1 share-registration application on the virtual counter (002 §2.1.1(二), 附件2)."""
import datetime as dt

import pytest
from csdp.counter.services import CounterError

from csdp.counter.models import Status
from csdp.ipo.models import LockupShareholder, OfferingStatus
from tests.counter.factories import draft, drive
from tests.ipo import world

pytestmark = pytest.mark.django_db
T = world.T


@pytest.fixture
def key_a(cast):
    from csdp.keys.testing import enrol_test_key

    return enrol_test_key(cast.issuer_a)


@pytest.fixture
def offering(cast):
    world.investor_account("0900000001", "原股东甲", id17="11010519700101001")
    return world.offering(online_shares=1_000, initial=100_000, issuer=cast.issuer_a.institution)


def _data(**changes):
    data = {"suspension_commitment": True, "old_code": "833188", "code_switch_application": True,
            "lockups": "0900000001,500000,2027-03-30"}
    data.update(changes)
    return data


def test_a_finished_application_records_the_lockups_and_the_old_code(offering, cast, key_a):
    world.at(T - dt.timedelta(days=3), 10)
    application = draft(cast.issuer_a, type_code="11", code="920188", data=_data())
    application = drive(application, Status.FINISHED, filer=cast.issuer_a, key=key_a, operator=cast.operator)
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.APPLIED and offering.old_code == "833188"
    lockup = LockupShareholder.objects.get(offering=offering)
    assert (lockup.account.number, lockup.shares, lockup.lockup_end) == ("0900000001", 500_000, dt.date(2027, 3, 30))


def test_a_listed_company_must_attach_the_code_switch_application(offering, cast):
    world.at(T - dt.timedelta(days=3), 10)
    with pytest.raises(CounterError, match="附件2"):
        draft(cast.issuer_a, type_code="11", code="920188", data=_data(code_switch_application=False))


def test_the_suspension_commitment_is_required(offering, cast):
    world.at(T - dt.timedelta(days=3), 10)
    with pytest.raises(CounterError, match="暂停办理"):
        draft(cast.issuer_a, type_code="11", code="920188", data=_data(suspension_commitment=False))


def test_the_application_is_refused_after_t_minus_1(offering, cast):
    world.at(T, 9)
    with pytest.raises(CounterError, match="T-1"):
        draft(cast.issuer_a, type_code="11", code="920188", data=_data())


def test_an_unknown_lockup_account_is_named(offering, cast):
    world.at(T - dt.timedelta(days=3), 10)
    with pytest.raises(CounterError, match="0999999999"):
        draft(cast.issuer_a, type_code="11", code="920188", data=_data(lockups="0999999999,100,2027-03-30"))


def test_the_application_is_filed_through_the_counter_page_with_its_structured_fields(offering, cast, client_for):
    from django.urls import reverse

    from csdp.counter.models import Application, BusinessType
    from tests.counter.factories import pdf_upload

    world.at(T - dt.timedelta(days=3), 10)
    client = client_for(cast.issuer_a)
    client.post(reverse("counter:notice"), {"acknowledged": "1"})
    response = client.post(reverse("counter:new"), {
        "securities_code": "920188", "business_type": BusinessType.objects.get(code="11").pk, "attachments": [pdf_upload()],
        "typed-suspension_commitment": "on", "typed-old_code": "833188", "typed-code_switch_application": "on",
        "typed-lockups": "0900000001,500000,2027-03-30"})
    application = Application.objects.get(business_type__code="11")
    assert response.url == reverse("counter:confirm", args=[application.pk])
    assert application.rounds.get().data["lockups"] == "0900000001,500000,2027-03-30"
