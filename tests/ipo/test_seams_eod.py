"""Issue 14, items 3 and 4: a lock-up of pledged or frozen pre-IPO shares registers (the nature change
carries them), a failed end-of-day step is shown on the offering page and in the staff 待办 with its
reason in Chinese, and one offering's missing underwriter account holds up only that offering."""

import datetime as dt

import pytest
from django.db import IntegrityError

from csdp.accounts.models import Institution
from csdp.accounts.roles import InstitutionKind
from csdp.ipo.eod.day import eod_run
from csdp.ipo.eod.t_day import offering_subscriptions_load
from csdp.ipo.models import EodStep, EodStepRun, OfferingStatus
from csdp.ipo.services import offering_create, proceeds_pay, reserve_deposit
from csdp.register.models import Position
from tests.ipo import world
from tests.ipo.world import T, at

pytestmark = pytest.mark.django_db
T1, T2 = dt.date(2026, 3, 17), dt.date(2026, 3, 18)


def _to_registration(tmp_path, cast, *, encumber: bool):
    from csdp.ipo.models import LockupShareholder
    from csdp.register.services import register_apply
    from csdp.securities.models import Security

    p1 = world.participant("R002", "400002", funds_fen=0)
    holder = world.investor_account("0400000009", "原股东丙", id17="11010519700101009")
    world.investor_account("0400000003", "投资者丁", id17="11010519800101003")
    offering = world.offering(online_shares=1_000, initial=100_000, issuer=cast.issuer_a.institution)
    security = Security.objects.create(code="920188", name="悦龙科技", market="BSE", status="pending")
    base = {"security_id": security.pk, "account_id": holder.pk, "business_date": dt.date(2026, 1, 5)}
    events = [{**base, "event_type": "initial", "key": "pre-ipo:1", "quantity_delta": 800_000}]
    if encumber:  # most of the holding pledged, some of it frozen by a court
        events += [
            {**base, "event_type": "pledge", "key": "pre-ipo:pledge", "pledged_delta": 500_000},
            {**base, "event_type": "freeze", "key": "pre-ipo:freeze", "frozen_delta": 250_000},
        ]
    register_apply(events=events)
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
    return offering, holder, security


def test_a_lockup_of_pledged_and_frozen_pre_ipo_shares_registers_with_the_encumbrances_in_the_restricted_lot(
    tmp_path, cast
):
    offering, holder, security = _to_registration(tmp_path, cast, encumber=True)
    reports = [r for r in eod_run() if r.step == EodStep.REGISTRATION]
    assert reports and not reports[0].error
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.REGISTERED
    lots = {
        (p.share_nature, p.quantity, p.frozen, p.pledged)
        for p in Position.objects.filter(account=holder, security=security)
    }
    # 200,000 stay unrestricted; the 750,000 encumbered shares cannot all stay on them
    assert sum(f + p for _, _, f, p in lots) == 750_000
    assert all(q >= f + p for _, q, f, p in lots)
    assert {(n, q) for n, q, _, _ in lots} == {("00", 200_000), ("05", 600_000)}


def test_a_registration_the_database_refuses_is_shown_in_chinese_on_the_page_and_in_the_staff_queue(
    tmp_path, cast, client_for, monkeypatch
):
    from csdp.ipo.eod import registration

    offering, _, _ = _to_registration(tmp_path, cast, encumber=False)

    def refused(events):
        raise IntegrityError(
            'new row for relation "register_position" violates check constraint "position_encumbrance_within_quantity"'
        )

    monkeypatch.setattr(registration, "register_apply_bulk", refused)
    for _ in range(2):  # every night the same: one failure row, kept up to date
        eod_run()
    run = EodStepRun.objects.get(offering=offering, step=EodStep.REGISTRATION)
    assert run.status == EodStepRun.Status.FAILED
    assert "数据库拒绝了本步骤的写入" in run.error and "violates" not in run.error
    page = client_for(cast.operator).get(f"/ipo/{offering.pk}/").content.decode()
    assert "日终步骤失败" in page and run.error in page and "violates" not in page
    queue = client_for(cast.operator).get("/queue/").content.decode()
    assert "股份登记" in queue and "数据库拒绝了本步骤的写入" in queue
    assert "日终步骤失败" not in client_for(cast.issuer_a).get(f"/ipo/{offering.pk}/").content.decode()


def _second_offering(cast):
    """悦龙科技 (world.offering, account reported) and 星河精机, same T, whose underwriter reported none."""
    from csdp.ledger.models import AccountKind
    from csdp.ledger.services import ledger_account_open

    underwriter = Institution.objects.create(kind=InstitutionKind.UNDERWRITER, name="星河证券", code="UW2")
    ledger_account_open(
        number="UW2-RES", name="星河证券 自营结算备付金", kind=AccountKind.UNDERWRITER_RESERVE, owner=underwriter
    )
    at(T - dt.timedelta(days=3), 10)
    return offering_create(
        code="920219",
        name="星河精机",
        issuer=cast.issuer_b.institution,
        underwriter=underwriter,
        price_fen=1404,
        initial_online_shares=100_000,
        online_shares=1_000,
        t_date=T,
        listing_date=dt.date(2026, 3, 30),
    )


def test_one_offerings_missing_underwriter_account_is_warned_at_t_and_holds_up_only_that_offering(
    tmp_path, cast, client_for
):
    from csdp.approvals.models import Approval
    from csdp.approvals.services import approval_approve

    p1 = world.participant("Q001", "100001", funds_fen=0)
    first = world.offering(online_shares=1_000, initial=100_000, issuer=cast.issuer_a.institution)
    second = _second_offering(cast)
    at(T, 10)
    for number, (offering, account) in enumerate([(first, "0100000001"), (second, "0100000002")]):
        (tmp_path / str(number)).mkdir()
        offering_subscriptions_load(
            offering=offering,
            path=world.subscription_file(tmp_path / str(number), [(1, account, "Q001", "100001", 1_000)]),
        )
    # At T: the page and the staff 待办 warn about the second offering only.
    operator = client_for(cast.operator)
    assert "主承销商未在申购日前报备自营结算备付金账户" in operator.get(f"/ipo/{second.pk}/").content.decode()
    assert "主承销商未在申购日前报备" not in operator.get(f"/ipo/{first.pk}/").content.decode()
    queue = operator.get("/queue/").content.decode()
    assert "主承销商账户未报备" in queue and "920219" in queue
    at(T, 17)
    eod_run()
    at(T1, 11)
    reserve_deposit(institution=p1.institution, amount_fen=2 * 1_000 * 1404, reference="q1", actor=None)
    at(T1, 17)
    reports = {r.offering: r for r in eod_run() if r.step == EodStep.T1_SETTLE}
    assert not reports["920188"].error and "主承销商尚未报备自营结算备付金账户" in reports["920219"].error
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (OfferingStatus.SETTLED, OfferingStatus.CLEARED)
    # Staff record the late report (an operator prepares, a reviewer approves); the rerun settles it.
    response = operator.post(f"/ipo/{second.pk}/underwriter-account-late/")
    assert response.status_code == 302
    approval = Approval.objects.get(kind="ipo.underwriter_account_late")
    approval_approve(approval=approval, by=cast.reviewer)
    second.refresh_from_db()
    assert second.underwriter_account.number == "UW2-RES"
    eod_run()
    second.refresh_from_db()
    assert second.status == OfferingStatus.SETTLED
    assert EodStepRun.objects.get(offering=second, step=EodStep.T1_SETTLE).status == EodStepRun.Status.DONE


def test_gfdj_and_the_result_carry_the_920_code_the_custodian_sees_the_lockup_and_empty_files_are_not_sent(
    tmp_path, cast, client_for
):
    """Issue 14, item 9, for a NEEQ company registered under its old code until L-1."""
    from dbfread import DBF
    from django.conf import settings
    from openpyxl import load_workbook

    from csdp.ipo.models import Offering, ParticipantFile
    from csdp.securities.models import CustodyUnit, Security

    offering, holder, security = _to_registration(tmp_path, cast, encumber=False)
    Security.objects.filter(pk=security.pk).update(code="833188", market="NEEQ", status="listed")
    Offering.objects.filter(pk=offering.pk).update(old_code="833188")
    holder.custody_unit = CustodyUnit.objects.get(code="400002")  # R002 is the holder's custodian
    holder.save(update_fields=["custody_unit"])
    eod_run()
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.REGISTERED
    gfdj = list(DBF(settings.CSDP_FILES_DIR / "20260318" / "R002" / "GFDJ920188_20260318.dbf"))
    assert {r["ZQDM"] for r in gfdj} == {"920188"}
    assert {(r["GDDM"], r["GFXZ"], r["DJSL"], r["DJLB"]) for r in gfdj} >= {("0400000009", "05", 600_000, "05")}
    # Everyone at T+1 was valid and fully funded: R002 has no WXSG record, so no WXSG file at all.
    published = set(ParticipantFile.objects.filter(offering=offering).values_list("file_type", flat=True))
    assert "WXSG" not in published and {"SGQS", "PSJG", "GFDJ"} <= published
    assert not list((settings.CSDP_FILES_DIR / "20260317" / "R002").glob("WXSG*"))
    at(dt.date(2026, 3, 30), 10)
    result = client_for(cast.operator).get(f"/ipo/{offering.pk}/registration-result/")
    sheet = load_workbook(__import__("io").BytesIO(result.content)).active
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == {"920188"}
