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
    from csdp.register.services import register_apply
    from csdp.securities.models import Security

    holder = world.investor_account("0900000001", "原股东甲", id17="11010519700101001")
    neeq = Security.objects.create(
        code="833188", name="悦龙科技", market="NEEQ", status="listed", issuer=cast.issuer_a.institution
    )
    # The pre-IPO shares the lock-up restricts: 600,000 unrestricted in the register (rules.md §11).
    register_apply(
        events=[
            {
                "security": neeq,
                "account": holder,
                "event_type": "initial",
                "key": "t1:holder",
                "business_date": T - dt.timedelta(days=30),
                "quantity_delta": 600_000,
            }
        ]
    )
    return world.offering(online_shares=1_000, initial=100_000, issuer=cast.issuer_a.institution)


def _data(**changes):
    data = {
        "suspension_commitment": True,
        "old_code": "833188",
        "code_switch_application": True,
        "lockups": "0900000001,500000,2027-03-30",
    }
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
    response = client.post(
        reverse("counter:new"),
        {
            "securities_code": "920188",
            "business_type": BusinessType.objects.get(code="11").pk,
            "attachments": [pdf_upload()],
            "typed-suspension_commitment": "on",
            "typed-old_code": "833188",
            "typed-code_switch_application": "on",
            "typed-lockups": "0900000001,500000,2027-03-30",
        },
    )
    application = Application.objects.get(business_type__code="11")
    assert response.url == reverse("counter:confirm", args=[application.pk])
    assert application.rounds.get().data["lockups"] == "0900000001,500000,2027-03-30"


def test_every_problem_of_the_code_and_the_lockups_is_listed_at_once(offering, cast):
    world.investor_account("0900000002", "原股东乙", id17="11010519700101002")  # holds nothing
    world.at(T - dt.timedelta(days=3), 10)
    lockups = "\n".join(
        [
            "0900000001,700000,2027-03-30",
            "0900000002,100,2027-03-30",
            "0999999999,100,2027-03-30",
            "0900000001,100,2026-03-01",
        ]
    )
    with pytest.raises(CounterError) as refused:
        draft(cast.issuer_a, type_code="11", code="920188", data=_data(old_code="833999", lockups=lockups))
    text = refused.value.message
    assert "原新三板代码 833999 不在证券资料中" in text
    assert "第 1 行（0900000001）：限售 700,000 股超过其持有的 833999 无限售股份 0 股" in text
    assert "第 2 行（0900000002）：限售 100 股超过" in text and "第 3 行（0999999999）：证券账户未登记" in text
    assert "第 4 行（0900000001）：证券账户重复" in text and "限售截止日应晚于上市日" in text


def test_a_lockup_beyond_the_holding_in_the_register_is_refused(offering, cast):
    world.at(T - dt.timedelta(days=3), 10)
    with pytest.raises(CounterError, match="限售 600,100 股超过其持有的 833188 无限售股份 600,000 股"):
        draft(cast.issuer_a, type_code="11", code="920188", data=_data(lockups="0900000001,600100,2027-03-30"))


def test_a_code_of_another_market_or_issuer_is_refused(offering, cast):
    from csdp.securities.models import Security

    Security.objects.create(
        code="600001", name="沪市股票", market="SSE", status="listed", issuer=cast.issuer_b.institution
    )
    world.at(T - dt.timedelta(days=3), 10)
    with pytest.raises(CounterError) as refused:
        draft(cast.issuer_a, type_code="11", code="920188", data=_data(old_code="600001", lockups=""))
    assert "不是全国中小企业股份转让系统的证券" in refused.value.message and "不是本机构的证券" in refused.value.message


def test_the_lockup_list_comes_from_the_excel_template(offering, cast, client_for):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse
    from openpyxl import load_workbook

    from csdp.counter.models import Application, BusinessType
    from tests.counter.factories import pdf_upload

    client = client_for(cast.issuer_a)
    template = client.get(reverse("ipo:lockup_template"))
    book = load_workbook(io.BytesIO(template.content))
    sheet = book.active
    sheet.delete_rows(2)
    sheet.append(["0900000001", 500000, "2027-03-30"])
    out = io.BytesIO()
    book.save(out)
    world.at(T - dt.timedelta(days=3), 10)
    client.post(reverse("counter:notice"), {"acknowledged": "1"})
    client.post(
        reverse("counter:new"),
        {
            "securities_code": "920188",
            "business_type": BusinessType.objects.get(code="11").pk,
            "attachments": [pdf_upload()],
            "typed-suspension_commitment": "on",
            "typed-old_code": "833188",
            "typed-code_switch_application": "on",
            "typed-lockup_file": SimpleUploadedFile("lockups.xlsx", out.getvalue()),
        },
    )
    application = Application.objects.get(business_type__code="11")
    assert application.rounds.get().data["lockups"] == "0900000001,500000,2027-03-30"
    assert "lockup_file" not in application.rounds.get().data


def _loaded_at_t(offering, tmp_path):
    from csdp.ipo.eod.t_day import offering_subscriptions_load

    world.participant("Q001", "100001", funds_fen=0)
    world.at(T, 10)
    offering_subscriptions_load(
        offering=offering, path=world.subscription_file(tmp_path, [(1, "0100000001", "Q001", "100001", 1_000)])
    )


def test_an_application_confirmed_after_the_subscription_file_is_loaded_keeps_its_lockups_and_code_switch(
    offering, cast, key_a, tmp_path
):
    # Filed and accepted at T-3; the issuer confirms the results only at T, after the exchange's file came in.
    from csdp.securities.models import SecurityCodeChange

    world.at(T - dt.timedelta(days=3), 10)
    application = draft(cast.issuer_a, type_code="11", code="920188", data=_data())
    application = drive(application, Status.RESULT_ISSUED, filer=cast.issuer_a, key=key_a, operator=cast.operator)
    _loaded_at_t(offering, tmp_path)
    from csdp.counter.services import application_confirm_results

    application_confirm_results(application=application, user=cast.issuer_a)
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.SUBSCRIBING and offering.old_code == "833188"
    assert LockupShareholder.objects.get(offering=offering).shares == 500_000
    assert SecurityCodeChange.objects.filter(old_code="833188", new_code="920188").exists()


def test_registration_waits_for_an_accepted_application_the_issuer_has_not_confirmed(offering, cast, key_a, tmp_path):
    from csdp.ipo.eod.registration import registration
    from csdp.ipo.errors import IpoError

    world.at(T - dt.timedelta(days=3), 10)
    application = draft(cast.issuer_a, type_code="11", code="920188", data=_data())
    drive(application, Status.RESULT_ISSUED, filer=cast.issuer_a, key=key_a, operator=cast.operator)
    offering.status = OfferingStatus.PAID  # (the steps between are not what this test is about)
    with pytest.raises(IpoError, match=f"虚拟柜台申请 {application.pk}）尚未办结"):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("csdp.ipo.eod.registration.filings_complete", lambda o: True)
            registration(offering)


def test_a_confirmation_after_registration_is_refused_with_the_reason(offering, cast, key_a):
    from csdp.counter.services import application_confirm_results
    from csdp.ipo.models import Offering

    world.at(T - dt.timedelta(days=3), 10)
    application = draft(cast.issuer_a, type_code="11", code="920188", data=_data())
    application = drive(application, Status.RESULT_ISSUED, filer=cast.issuer_a, key=key_a, operator=cast.operator)
    Offering.objects.filter(pk=offering.pk).update(status=OfferingStatus.REGISTERED)
    with pytest.raises(CounterError, match="发行状态为“股份已登记”，股份登记申请的限售股东与代码切换已无法生效"):
        application_confirm_results(application=application, user=cast.issuer_a)
    assert not LockupShareholder.objects.filter(offering=offering).exists()
