"""The world of the issuer's register businesses (tests/register/test_issuer_business*.py): issuer A's 920188
with two holders' accounts under participant MX0001's custody unit, issuer A's USB-KEY, and filing through the
counter's services as the pages do (the data sheet kept with the round)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from csdp.approvals.models import Approval
from csdp.approvals.services import approval_approve
from csdp.counter import handling
from csdp.counter.models import BusinessType
from csdp.counter.registry import spec_for
from csdp.counter.services import application_draft
from csdp.lib.ids import make_resident_id
from csdp.register.issuer_sheet import COLUMNS
from csdp.register.models import Position
from tests.counter.factories import give_codes, pdf_upload, sign_and_submit

TODAY = dt.date(2026, 3, 30)
LOCKUP = dt.date(2027, 3, 30)


@pytest.fixture
def world(cast):
    from csdp.keys.testing import enrol_test_key

    return {**holders_world(cast), "key": enrol_test_key(cast.issuer_a), "cast": cast}


def holders_world(cast) -> dict:
    """920188 of issuer A with two holders' accounts (张明, 李华) in MX0001's custody unit, on TODAY."""
    from csdp.clock.services import at_local, clock_set
    from csdp.securities.models import CustodyUnit, ParticipantProfile
    from csdp.securities.services import account_open, investor_create, security_create

    clock_set(moment=at_local(TODAY, 10, 0), frozen=True)
    give_codes(cast.issuer_a.institution, "920188")
    security = security_create(
        code="920188", name="悦龙科技", kind="stock", market="BSE", issuer=cast.issuer_a.institution
    )
    profile, _ = ParticipantProfile.objects.get_or_create(
        institution=cast.participant.institution, defaults={"code": "MX0001"}
    )
    unit = CustodyUnit.objects.create(code="710001", participant=profile, name="测试托管单元")
    people = []
    for n, (name, id17) in enumerate([("张明", "11010519800101123"), ("李华", "11010519850202234")], start=1):
        investor = investor_create(
            ymt_number=f"18000000000{n}",
            name=name,
            id_type="resident_id",
            id_number=make_resident_id(id17),
            holder_type="03",
        )
        account = account_open(number=f"018000000{n}", investor=investor, market="BSE")
        account.custody_unit = unit
        account.save(update_fields=["custody_unit"])
        people.append(account)
    return {"security": security, "accounts": people}


def sheet(rows) -> SimpleUploadedFile:
    book = Workbook()
    book.active.append(list(COLUMNS))
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("持有明细.xlsx", out.getvalue())


def holder(world, n, quantity, nature="00", lockup_end=None):
    account = world["accounts"][n]
    return (
        account.number,
        account.investor.name,
        "居民身份证",
        account.investor.id_number,
        quantity,
        nature,
        lockup_end,
    )


def business_form(code, rows, declared, effective=TODAY):
    """The typed part of 01–04 as the issuer fills it in (a valid one)."""
    form = spec_for(code).form_class(
        {"typed-effective_date": effective.isoformat(), "typed-declared": str(declared), "typed-declaration": "on"},
        {"typed-data_file": sheet(rows)},
        prefix="typed",
    )
    assert form.is_valid(), form.errors
    return form


def file_business(world, code, rows, declared, effective=TODAY):
    form = business_form(code, rows, declared, effective)
    return sign_and_submit(draft_business(world, code, form), world["cast"].issuer_a, world["key"])


def draft_business(world, code, form):
    """The draft as the new-application page makes it: the typed form's data and its data sheet."""
    return application_draft(
        user=world["cast"].issuer_a,
        business_type=BusinessType.objects.get(code=code),
        securities_code="920188",
        remark="请办理",
        data=form.json_data(),
        files=[pdf_upload()],
        data_files=form.data_files(),
    )


def accept(world, application):
    """受理 by the operator: the approval it prepares (the latest, after a resubmission)."""
    handling.application_accept(application=application, actor=world["cast"].operator, opinion="受理")
    return Approval.objects.filter(subject_id=str(application.pk)).latest("pk")


def lots(world, n):
    return sorted(
        (p.share_nature, p.lockup_end, p.quantity, p.frozen, p.pledged)
        for p in Position.objects.filter(account=world["accounts"][n], quantity__gt=0)
    )


def initial(world):
    app = file_business(world, "01", [holder(world, 0, 800_000), holder(world, 1, 200_000, "05", LOCKUP)], 1_000_000)
    approval_approve(approval=accept(world, app), by=world["cast"].reviewer)
    return app
