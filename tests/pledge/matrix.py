"""Objects for the URL × role matrix (tests/access_policy.py OBJECTS): the cast's pledge user's side."""

from __future__ import annotations

from tests.counter.factories import pdf_upload
from tests.pledge.factories import board_user, posting, profile_for

STAFF = {"reviewer", "operator", "admin"}
OWNER_SIDE = {"pledge_user"} | STAFF


def _own_posting(cast):
    from csdp.pledge.models import Posting

    profile_for(cast.pledge_user)
    return Posting.objects.filter(owner=cast.pledge_user).first() or posting(cast.pledge_user, title="矩阵测试信息")


def posting_id(cast):
    """The pledge user's own posting: the owner and staff (no other user has a valid posting)."""
    return str(_own_posting(cast).pk), OWNER_SIDE


def _thread(cast):
    from csdp.pledge.models_social import Message, Thread

    existing = Thread.objects.filter(starter=cast.pledge_user).first()
    if existing:
        return existing
    other = board_user("matrix_lender")
    row = Thread.objects.create(
        posting=posting(other, title="对方信息"),
        starter=cast.pledge_user,
        recipient=other,
        last_message_at=other.date_joined,
    )
    Message.objects.create(thread=row, sender=other, body="你好", sent_at=other.date_joined)
    profile_for(cast.pledge_user)
    return row


def thread_id(cast):
    return str(_thread(cast).pk), OWNER_SIDE


def message_id(cast):
    return str(_thread(cast).messages.get().pk), OWNER_SIDE


def report_id(cast):
    from csdp.pledge.models_social import Report

    row = Report.objects.filter(reporter=cast.pledge_user).first() or Report.objects.create(
        reporter=cast.pledge_user, posting=_own_posting(cast), reason="测试", created_at=cast.pledge_user.date_joined
    )
    return str(row.pk), OWNER_SIDE


def profile_id(cast):
    return str(profile_for(cast.pledge_user).pk), STAFF


def lender_application_id(cast):
    from csdp.pledge.models import LenderApplication
    from csdp.pledge.services_access import lender_apply

    row = LenderApplication.objects.first() or lender_apply(
        name="矩阵出借方",
        id_type="uscc",
        id_number="91110000MA01GX002",
        username="matrix_applicant",
        mobile="13900000002",
        email="m@example.test",
        files=[pdf_upload("执照.pdf")],
    )
    return str(row.pk), STAFF


def lpr_id(cast):
    from csdp.pledge.models import LprRate

    return str(LprRate.objects.order_by("-effective_date").first().pk), STAFF


def eligible_id(cast):
    from csdp.pledge.models import EligibleKind

    return str(EligibleKind.objects.first().pk), STAFF


def holder_confirmation_id(cast):
    """A registration request on an account the cast's participant custodies."""
    import datetime as dt

    from csdp.pledge.models import HolderConfirmation
    from tests.restrictions.factories import world

    row = HolderConfirmation.objects.first()
    if row is None:
        w = world(cast.participant, suffix="7")
        row = HolderConfirmation.objects.create(
            account=w["heir"],
            participant=w["unit"].participant,
            username="matrix_holder",
            mobile="13900000007",
            created_at=dt.datetime(2026, 4, 15, tzinfo=dt.UTC),
        )
    return str(row.pk), {"participant"}
