"""The IPO pages as their users meet them."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from csdp.accounts.models import User
from csdp.ipo.eod.day import eod_run
from csdp.ipo.eod.t_day import offering_subscriptions_load
from csdp.ipo.models import ParticipantFile, ShortfallDeclaration
from tests.ipo import world
from tests.ipo.world import T, at

pytestmark = pytest.mark.django_db
T1 = dt.date(2026, 3, 17)


@pytest.fixture
def cleared(tmp_path, cast):
    p1 = world.participant("V001", "500001", funds_fen=0)
    p2 = world.participant("V002", "600001", funds_fen=0)
    offering = world.offering(online_shares=1_000, initial=100_000, issuer=cast.issuer_a.institution)
    at(T, 10)
    offering_subscriptions_load(
        offering=offering,
        path=world.subscription_file(
            tmp_path, [(1, "0500000001", "V001", "500001", 1_000), (2, "0600000001", "V002", "600001", 1_000)]
        ),
    )
    at(T, 17)
    eod_run()
    users = {}
    for profile in (p1, p2):
        user = User(username=f"u{profile.code}", institution=profile.institution)
        user.set_password("x")
        user.save()
        users[profile.code] = user
    return offering, p1, p2, users


def test_a_participant_sees_what_it_owes_and_only_its_own_files(cleared, client_for):
    offering, p1, p2, users = cleared
    page = client_for(users["V001"]).get("/ipo/participant/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "14,040.00 元" in text and "SGQS" in text
    other = ParticipantFile.objects.filter(participant=p2).first()
    assert client_for(users["V001"]).get(f"/ipo/files/{other.pk}/").status_code == 404
    own = ParticipantFile.objects.filter(participant=p1, file_format="dbf").first()
    response = client_for(users["V001"]).get(f"/ipo/files/{own.pk}/")
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"


def test_a_participant_deposits_through_its_page_and_a_bad_amount_is_refused(cleared, client_for):
    _, p1, _, users = cleared
    at(T1, 10)
    client = client_for(users["V001"])
    refused = client.post("/ipo/participant/deposit/", {"amount": "12.345", "reference": "x1"}, follow=True)
    assert "最多两位小数" in refused.content.decode()
    client.post("/ipo/participant/deposit/", {"amount": "14,040.00", "reference": "x2"})
    from csdp.ledger.selectors import balance_of, reserve_account_of

    assert balance_of(reserve_account_of(p1.institution)).posted_fen == 1_404_000


def test_the_declaration_form_records_an_attachment5_row(cleared, client_for):
    offering, _, _, users = cleared
    at(T1, 14)
    form = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "0",
        "form-0-account": "0500000001",
        "form-0-account_name": "投资者",
        "form-0-seq": "1",
        "form-0-invalid_shares": "1000",
        "form-0-reserve_account": "R-V001",
        "form-0-settlement_account": "S-V001",
    }
    response = client_for(users["V001"]).post(f"/ipo/{offering.pk}/declare/", form)
    assert response.status_code == 302
    assert ShortfallDeclaration.objects.filter(offering=offering, seq=1, invalid_shares=1000).exists()
    # Naming another participant's order is refused with the row named.
    form["form-0-account"], form["form-0-seq"] = "0600000001", "2"
    page = client_for(users["V001"]).post(f"/ipo/{offering.pk}/declare/", form, follow=True)
    assert "不是本参与人的申购" in page.content.decode()


def test_a_malformed_exchange_file_shows_every_error_to_the_operator(cast, client_for, tmp_path):
    world.participant("V003", "700001", funds_fen=0)
    offering = world.offering(online_shares=1_000, initial=100_000, issuer=cast.issuer_a.institution)
    at(T, 10)
    upload = SimpleUploadedFile(
        "sg.csv",
        b"seq,account,participant,custody_unit,quantity,price,investor_id,confirmed_at\n"
        b"1,123,V003,700001,100,14.04,,2026-03-16T09:30:00\n"
        b"2,0700000001,V003,700001,100,9.99,,2026-03-16T09:31:00\n",
    )
    page = client_for(cast.operator).post(f"/ipo/{offering.pk}/subscriptions/", {"file": upload})
    assert page.status_code == 422
    text = page.content.decode()
    assert "证券账户应为 10 位数字" in text and "申购价格与发行价格不符" in text


def test_the_offering_page_shows_the_timeline_to_the_issuer(cleared, client_for, cast):
    offering, *_ = cleared
    page = client_for(cast.issuer_a).get(f"/ipo/{offering.pk}/")
    text = page.content.decode()
    assert page.status_code == 200 and "业务流程（附件1）" in text and "申报申购资金不足的投资者" in text
    assert client_for(cast.issuer_b).get(f"/ipo/{offering.pk}/").status_code == 404


def test_staff_see_the_offerings_audit_trail_and_the_issuer_does_not(cleared, client_for, cast):
    offering, *_ = cleared
    staff_page = client_for(cast.reviewer).get(f"/ipo/{offering.pk}/").content.decode()
    assert "审计轨迹" in staff_page and "发行状态变更" in staff_page
    assert "审计轨迹" not in client_for(cast.issuer_a).get(f"/ipo/{offering.pk}/").content.decode()


def test_the_t_minus_1_milestone_is_done_only_when_the_application_was_filed(cleared):
    from csdp.ipo.timeline import timeline

    offering, *_ = cleared
    first = timeline(offering)[0]
    assert "登记申请" in first.label and not first.done  # the offering went straight to 申购中
