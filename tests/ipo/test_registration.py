"""From T+2 to L (002 §2.1.2): the issuer files its strategic-placement details, every bad row is
listed, a clean file becomes the 申报明细清单 it confirms with its key, the shares are registered in
the register, 股份登记数据 goes to the participants, and the offering lists on L."""

import datetime as dt
import io

import pytest
from dbfread import DBF
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from csdp.ipo.eod.day import eod_run
from csdp.ipo.eod.t_day import offering_subscriptions_load
from csdp.ipo.issuer.detail_filings import (
    FilingRejected,
    HEADER,
    detail_filing_confirm,
    detail_filing_submit,
    filing_content,
)
from csdp.ipo.models import FilingKind, OfferingStatus
from csdp.ipo.services import proceeds_pay, reserve_deposit
from csdp.keys.signing import signing_context, submission_digest
from csdp.keys.testing import enrol_test_key, sign
from csdp.register.models import Position
from csdp.uploads.services import upload_store
from tests.ipo import world
from tests.ipo.world import T, at

pytestmark = pytest.mark.django_db
T1, T2, L = dt.date(2026, 3, 17), dt.date(2026, 3, 18), dt.date(2026, 3, 30)


def _excel(rows) -> SimpleUploadedFile:
    book = Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("zlps.xlsx", out.getvalue())


@pytest.fixture
def settled(tmp_path, cast):
    p1 = world.participant("R001", "400001", funds_fen=0)
    world.investor_account("0400000001", "投资者甲", id17="11010519800101001")
    world.investor_account("0400000002", "投资者乙", id17="11010519800101002")
    world.investor_account("0800000001", "战略投资者有限公司", id17="91110108MA01KLMN1", holder_type="02", uscc=True)
    offering = world.offering(online_shares=1_000, initial=100_000, strategic=500, issuer=cast.issuer_a.institution)
    at(T, 10)
    offering_subscriptions_load(
        offering=offering,
        path=world.subscription_file(
            tmp_path, [(1, "0400000001", "R001", "400001", 1_000), (2, "0400000002", "R001", "400001", 1_000)]
        ),
    )
    at(T, 17)
    eod_run()
    at(T1, 11)
    reserve_deposit(institution=p1.institution, amount_fen=2_000 * 1404, reference="r1", actor=None)
    at(T1, 17)
    eod_run()
    at(T2, 10)
    proceeds_pay(offering=offering, actor=None)
    offering.refresh_from_db()
    return offering, p1


def _file(offering, user, rows):
    stored = upload_store(file=_excel(rows), kind="spreadsheet", owner=user.institution, actor=user)
    return detail_filing_submit(offering=offering, kind=FilingKind.STRATEGIC, stored=stored, actor=user)


def test_a_strategic_filing_lists_every_bad_row_and_keeps_nothing(settled, cast):
    offering, _ = settled
    with pytest.raises(FilingRejected) as refused:
        _file(
            offering,
            cast.issuer_a,
            [
                ["0800000001", "错误的名称", "91110108MA01STRA1X", 500, "06", "400001", "2026-10-30"],
                ["0999999999", "无此账户", "110105198001010010", 0, "07", "999999", ""],
            ],
        )
    columns = {(e.line, e.column) for e in refused.value.errors}
    assert {
        (2, "证券账户名称"),
        (2, "证件号码"),
        (3, "证券账户号码"),
        (3, "登记股数"),
        (3, "股份性质"),
        (3, "托管单元"),
    } <= columns
    assert not offering.filings.exists()


def test_strategic_shares_must_be_locked_up_for_six_months_from_listing(settled, cast):
    offering, _ = settled
    uscc = world.investor_account  # noqa: F841 (the account exists from the fixture)
    from csdp.securities.models import SecuritiesAccount

    number = SecuritiesAccount.objects.get(number="0800000001").investor.id_number
    with pytest.raises(FilingRejected, match="6 个月"):
        _file(
            offering, cast.issuer_a, [["0800000001", "战略投资者有限公司", number, 500, "06", "400001", "2026-06-30"]]
        )


def test_confirmed_details_are_registered_with_their_lockup_and_sent_to_participants(settled, cast):
    offering, p1 = settled
    from csdp.securities.models import SecuritiesAccount

    number = SecuritiesAccount.objects.get(number="0800000001").investor.id_number
    filing = _file(
        offering, cast.issuer_a, [["0800000001", "战略投资者有限公司", number, 500, "06", "400001", "2027-03-30"]]
    )
    key = enrol_test_key(cast.issuer_a)
    digest = submission_digest(content=filing_content(filing), files=[filing.source])
    payload = sign(key, signing_context(user=cast.issuer_a, digest=digest))
    detail_filing_confirm(filing=filing, signature_payload=payload, actor=cast.issuer_a)
    at(T2, 17)
    eod_run()
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.REGISTERED
    positions = {
        (p.account.number, p.share_nature, p.lockup_end): p.quantity
        for p in Position.objects.filter(security__code="920188").select_related("account")
    }
    assert positions[("0800000001", "06", dt.date(2027, 3, 30))] == 500
    assert sum(q for (number, nature, _), q in positions.items() if nature == "00") == 1_000  # the online tranche
    from csdp.fees.models import PaymentNotice

    notice = PaymentNotice.objects.get(payer=cast.issuer_a.institution)
    assert notice.total_fen > 0  # 股份登记费 on the shares registered (example rates)
    gfdj = list(DBF(settings.CSDP_FILES_DIR / "20260318" / "R001" / "GFDJ920188_20260318.dbf"))
    assert {(r["GDDM"], r["GFXZ"], r["DJLB"]) for r in gfdj} >= {("0800000001", "06", "03")}
    at(L, 17)
    eod_run()
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.LISTED


def test_registration_waits_for_the_issuers_confirmation(settled):
    offering, _ = settled
    at(T2, 17)
    eod_run()
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.PAID  # the strategic details are not confirmed yet


def test_the_lockup_list_marks_pre_ipo_shares_restricted_at_registration(tmp_path, cast):
    from csdp.ipo.models import LockupShareholder
    from csdp.register.services import register_apply
    from csdp.securities.models import Security

    p1 = world.participant("R002", "400002", funds_fen=0)
    holder = world.investor_account("0400000009", "原股东丙", id17="11010519700101009")
    world.investor_account("0400000003", "投资者丁", id17="11010519800101003")
    offering = world.offering(online_shares=1_000, initial=100_000, issuer=cast.issuer_a.institution)
    security = Security.objects.create(code="920188", name="悦龙科技", market="BSE", status="pending")
    register_apply(
        events=[
            {
                "security_id": security.pk,
                "account_id": holder.pk,
                "event_type": "initial",
                "business_date": dt.date(2026, 1, 5),
                "key": "pre-ipo:1",
                "quantity_delta": 800_000,
            }
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
    lots = {
        (p.share_nature, p.lockup_end): p.quantity for p in Position.objects.filter(account=holder, security=security)
    }
    assert lots == {("00", None): 200_000, ("05", dt.date(2027, 3, 30)): 600_000}
