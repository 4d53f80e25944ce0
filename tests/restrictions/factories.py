"""A small restrictions world: 张明 (pledgor, a board user linked to his investor) holds 920188 —
10 000 unrestricted and 5 000 restricted shares — with a custody unit of the cast's participant;
华兴小贷 (a lender on the board) is the pledgee; 李四 holds another account (the heir of transfers)."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from csdp.approvals.services import approval_approve
from csdp.clock.services import clock_set
from csdp.lib.ids import make_resident_id
from csdp.register.services import register_apply
from csdp.restrictions.services_pledge import PledgeData, pledge_apply, pledge_confirm, pledge_review_prepare
from csdp.securities.services import account_open, investor_create, security_create
from tests.pledge.factories import board_user

TODAY = dt.date(2026, 4, 15)  # a Wednesday
LOCKUP = dt.date(2027, 3, 30)


def freeze_clock(day: dt.date = TODAY, hh: int = 10) -> None:
    clock_set(moment=dt.datetime(day.year, day.month, day.day, hh, 0), frozen=True)


def pdf_file(name: str = "质押合同.pdf") -> SimpleUploadedFile:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def stored_pdf(user):
    from csdp.uploads.services import upload_store

    return upload_store(file=pdf_file(), kind="archive_or_pdf", owner=user.institution, actor=user)


def world(participant_user=None, *, suffix: str = "1") -> dict:
    from csdp.fees.models import FeeBase, FeeSchedule, PayerKind
    from csdp.securities.models import CustodyUnit, ParticipantProfile

    unit = None
    if participant_user is not None:
        profile, _ = ParticipantProfile.objects.get_or_create(
            institution=participant_user.institution, defaults={"code": participant_user.institution.code}
        )
        unit, _ = CustodyUnit.objects.get_or_create(code="U00001", defaults={"participant": profile})
    zhang_investor = investor_create(
        ymt_number=f"18000000000{suffix}",
        name="张明",
        id_type="resident_id",
        id_number=make_resident_id(f"1101051980010112{suffix}"),
        holder_type="03",
    )
    li_investor = investor_create(
        ymt_number=f"18100000000{suffix}",
        name="李四",
        id_type="resident_id",
        id_number=make_resident_id(f"1101051981010112{suffix}"),
        holder_type="03",
    )
    account = account_open(number=f"018000000{suffix}", investor=zhang_investor, market="BSE")
    heir = account_open(number=f"018100000{suffix}", investor=li_investor, market="BSE")
    if unit is not None:
        for a in (account, heir):
            a.custody_unit = unit
            a.save(update_fields=["custody_unit"])
    stock = security_create(code=f"92018{suffix}", name="悦龙科技", kind="stock", market="BSE")
    register_apply(
        events=[
            {
                "key": f"w{suffix}:free",
                "account": account,
                "security": stock,
                "event_type": "initial",
                "quantity_delta": 10_000,
                "business_date": dt.date(2026, 3, 30),
            },
            {
                "key": f"w{suffix}:restricted",
                "account": account,
                "security": stock,
                "event_type": "initial",
                "quantity_delta": 5_000,
                "share_nature": "05",
                "lockup_end": LOCKUP,
                "business_date": dt.date(2026, 3, 30),
            },
        ]
    )
    if not FeeSchedule.objects.filter(code="non_trade_transfer").exists():
        FeeSchedule.objects.create(
            code="non_trade_transfer",
            name="非交易过户费",
            base=FeeBase.SHARES,
            rate=1,
            minimum_fen=100,
            payer=PayerKind.INVESTOR,
            effective_from=dt.date(2026, 1, 1),
        )
    zhang = board_user(f"zhang{suffix}", investor=zhang_investor, name="张明")
    lender = board_user(f"lender{suffix}", name="华兴小贷")
    return {"account": account, "heir": heir, "stock": stock, "zhang": zhang, "lender": lender, "unit": unit}


def elements(w, **overrides) -> PledgeData:
    data = {
        "role": "pledgor",
        "counterparty": w["lender"].username,
        "pledgor_account": w["account"].number,
        "security_code": w["stock"].code,
        "share_nature": "00",
        "lockup_end": None,
        "quantity_shares": 3_000,
        "debt_amount_fen": 1_000_000_00,
        "debt_start": TODAY,
        "debt_end": dt.date(2027, 4, 14),
        "contract_number": "HT-2026-001",
    }
    data.update(overrides)
    return PledgeData(**data)


def registered_pledge(w, operator, reviewer, **overrides):
    """A pledge taken through the whole joint path: filed, confirmed, prepared, approved."""
    pledge = pledge_apply(by=w["zhang"], data=elements(w, **overrides), files=[stored_pdf(w["zhang"])])
    pledge_confirm(pledge=pledge, by=w["lender"])
    approval = pledge_review_prepare(pledge=pledge, by=operator)
    approval_approve(approval=approval, by=reviewer)
    pledge.refresh_from_db()
    return pledge
