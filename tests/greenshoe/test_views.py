"""Greenshoe pages: the issuer uploads DJ, staff approve, the transfer page shows the exemption."""

import pytest
from django.urls import reverse

from csdp.greenshoe.models import FilingKind, FilingStatus, GreenshoeFiling
from csdp.register.models import RegistrationEvent
from tests.greenshoe import world
from tests.greenshoe.test_services import FIRST
from tests.greenshoe.world import DJ_HEADER, excel

pytestmark = pytest.mark.django_db


def test_the_issuer_uploads_dj_and_the_reviewer_registers_it(cast, client_for):
    option, _, _, (a, *_) = world.build(cast)
    world.at(FIRST)
    issuer = client_for(cast.issuer_a)
    response = issuer.post(
        reverse("greenshoe:upload", args=[option.pk]), {"file": excel(DJ_HEADER, [world.dj_row(a, 1_000)])}
    )
    filing = GreenshoeFiling.objects.get()
    assert response.status_code == 302 and filing.kind == FilingKind.ISSUANCE
    _sign_on_the_page(issuer, cast.issuer_a, filing)
    filing.refresh_from_db()
    assert filing.status == FilingStatus.SUBMITTED and filing.signature_id is not None
    reviewer = client_for(cast.reviewer)
    assert "审核通过并办理登记" in reviewer.get(reverse("greenshoe:filing_detail", args=[filing.pk])).content.decode()
    reviewer.post(reverse("greenshoe:filing_approve", args=[filing.pk]))
    filing.refresh_from_db()
    assert filing.status == FilingStatus.REGISTERED and filing.fee_notice_id is not None


def _sign_on_the_page(client, user, filing):
    from csdp.keys.testing import enrol_test_key, sign

    key = enrol_test_key(user)
    page = client.get(reverse("greenshoe:filing_detail", args=[filing.pk]))
    assert "签名提交" in page.content.decode()
    payload = sign(key, page.context["signing"])
    client.post(reverse("greenshoe:filing_sign", args=[filing.pk]), {"key_signature": payload})


def test_a_bad_upload_shows_every_row_error_and_keeps_nothing(cast, client_for):
    option, _, _, (a, b, _) = world.build(cast)
    world.at(FIRST)
    response = client_for(cast.issuer_a).post(
        reverse("greenshoe:upload", args=[option.pk]),
        {
            "file": excel(
                DJ_HEADER, [world.dj_row(a, 999_999), (b.number, "错名", b.investor.id_number, 1, "00", world.UNIT)]
            )
        },
    )
    page = response.content.decode()
    assert response.status_code == 422 and "超过延期交付协议" in page and "与登记的名称" in page
    assert (
        not GreenshoeFiling.objects.exists()
        and not RegistrationEvent.objects.filter(key__startswith="greenshoe:").exists()
    )


def test_the_transfer_page_shows_no_fee_and_no_stamp_tax(cast, client_for):
    option, _, special, (a, *_) = world.build(cast, market_bought=500)
    world.at(FIRST)
    client_for(cast.underwriter).post(
        reverse("greenshoe:upload", args=[option.pk]),
        {"file": excel(world.CSPLW_HEADER, [world.csplw_row(special, a, 500)])},
    )
    filing = GreenshoeFiling.objects.get(kind=FilingKind.TRANSFER)
    page = client_for(cast.underwriter).get(reverse("greenshoe:filing_detail", args=[filing.pk])).content.decode()
    assert (
        "非交易过户费" in page and "印花税" in page and "免收（主承销商向延期交付投资者交付股份的非交易过户）" in page
    )
    download = reverse("files:download", args=[filing.source_id])
    assert download in page  # the filer's own file
    issuer_page = client_for(cast.issuer_a).get(reverse("greenshoe:filing_detail", args=[filing.pk])).content.decode()
    assert "免收" in issuer_page and download not in issuer_page  # rows only: the file stays the underwriter's


def test_the_other_issuer_cannot_see_the_option(cast, client_for):
    option, *_ = world.build(cast)
    assert client_for(cast.issuer_b).get(reverse("greenshoe:detail", args=[option.pk])).status_code == 404


def test_a_submitted_filing_waits_in_the_staff_queue_and_in_the_issuers_list(cast, client_for):
    from csdp.accounts.worklists import my_applications, staff_queue

    option, _, _, (a, *_) = world.build(cast)
    world.at(FIRST)
    client_for(cast.issuer_a).post(
        reverse("greenshoe:upload", args=[option.pk]), {"file": excel(DJ_HEADER, [world.dj_row(a, 10)])}
    )
    assert not [i for i in staff_queue(cast.reviewer) if i.kind == "超额配售登记"]  # not signed yet
    world.signed(GreenshoeFiling.objects.get(), cast.issuer_a)
    assert [i.kind for i in staff_queue(cast.reviewer) if i.kind == "超额配售登记"] == ["超额配售登记"]
    assert [i.status for i in my_applications(cast.issuer_a) if i.kind == "超额配售登记"] == ["待审核"]
    assert not [i for i in my_applications(cast.issuer_b) if i.kind == "超额配售登记"]


def test_the_api_reports_the_limit_taken_by_both_kinds(cast, client_for):
    option, _, special, (a, b, _) = world.build(cast, market_bought=100)
    world.at(FIRST)
    world.signed(world_submit(cast, option, FilingKind.ISSUANCE, [world.dj_row(a, 40)]), cast.issuer_a)
    world_submit(cast, option, FilingKind.TRANSFER, [world.csplw_row(special, b, 100)])
    body = client_for(cast.underwriter).get(f"/api/v1/greenshoe/options/{option.pk}").json()
    assert (body["limit_shares"], body["committed_shares"]) == (150_000, 140)
    assert body["issuance_window"] == ["2026-04-29", "2026-05-06"] and len(body["filings"]) == 2
    assert client_for(cast.issuer_b).get(f"/api/v1/greenshoe/options/{option.pk}").status_code == 404


def world_submit(cast, option, kind, rows):
    from csdp.greenshoe.services import filing_submit

    user = cast.issuer_a if kind == FilingKind.ISSUANCE else cast.underwriter
    make = world.dj_file if kind == FilingKind.ISSUANCE else world.csplw_file
    return filing_submit(option=option, kind=kind, stored=make(user, rows), actor=user)


def test_the_offering_page_shows_the_option_and_what_was_registered(cast, client_for):
    from csdp.greenshoe.services import filing_register
    from tests.greenshoe.test_services import FIRST, dj

    option, _, _, (a, *_) = world.build(cast)
    world.at(FIRST)
    filing_register(filing=dj(cast, option, [world.dj_row(a, 60_000)]), actor=cast.reviewer)
    page = client_for(cast.issuer_a).get(f"/ipo/{option.offering.pk}/").content.decode()
    assert "超额配售选择权" in page and "已登记增发 60,000 股" in page and "上限 150,000 股" in page
    participant_page = client_for(cast.participant).get(f"/ipo/{option.offering.pk}/")
    assert participant_page.status_code == 404 or "延期交付协议" not in participant_page.content.decode()
