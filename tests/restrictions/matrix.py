"""Objects for the URL × role matrix (tests/access_policy.py OBJECTS): a pledge with the cast's pledge
user as pledgee; staff-only freezes; the cast participant's file."""

from __future__ import annotations

import datetime as dt

STAFF = {"reviewer", "operator", "admin"}


def _pledge(cast):
    from csdp.restrictions.models import Pledge, PledgeStatus
    from csdp.securities.models import SecuritiesAccount, Security
    from tests.pledge.factories import profile_for
    from tests.restrictions.factories import TODAY, world

    existing = Pledge.objects.filter(pledgee_user=cast.pledge_user).first()
    if existing:
        return existing
    w = world(suffix="9")
    profile_for(cast.pledge_user)
    return Pledge.objects.create(
        number="ZY2026999999",
        status=PledgeStatus.REGISTERED,
        pledgor_user=w["zhang"],
        pledgor_name="张明",
        pledgor_account=SecuritiesAccount.objects.get(pk=w["account"].pk),
        pledgee_user=cast.pledge_user,
        pledgee_name="矩阵质权人",
        security=Security.objects.get(pk=w["stock"].pk),
        share_nature="00",
        quantity_shares=100,
        debt_amount_fen=100,
        debt_start=TODAY,
        debt_end=TODAY,
        contract_number="M",
        started_by=w["zhang"],
        created_at=dt.datetime(2026, 4, 15, tzinfo=dt.UTC),
        verify_code="MATRIXCODE",
        registered_on=TODAY,
    )


def pledge_id(cast):
    return str(_pledge(cast).pk), {"pledge_user"} | STAFF


def release_id(cast):
    from csdp.restrictions.models import PledgeRelease, ReleaseStatus

    pledge = _pledge(cast)
    row = PledgeRelease.objects.filter(pledge=pledge).first() or PledgeRelease.objects.create(
        pledge=pledge,
        quantity_shares=10,
        status=ReleaseStatus.AWAITING_PLEDGEE,
        applied_by=pledge.pledgor_user,
        created_at=pledge.created_at,
    )
    return str(row.pk), {"pledge_user"} | STAFF


def freeze_id(cast):
    from csdp.approvals.models import Approval
    from csdp.restrictions.models import Freeze, FreezeStatus

    pledge = _pledge(cast)
    existing = Freeze.objects.first()
    if existing:
        return str(existing.pk), STAFF
    approval = Approval.objects.create(
        kind="restrictions.freeze",
        key="matrix-freeze",
        summary="矩阵",
        prepared_by=cast.operator,
        prepared_at=pledge.created_at,
    )
    row = Freeze.objects.create(
        number="DJ2026999999",
        status=FreezeStatus.WAITING,
        court="矩阵法院",
        document_number="（2026）矩执1号",
        account=pledge.pledgor_account,
        security=pledge.security,
        requested_shares=10,
        start_date=pledge.debt_start,
        end_date=pledge.debt_end,
        approval=approval,
        created_at=pledge.created_at,
    )
    return str(row.pk), STAFF


def restriction_file_id(cast):
    from csdp.restrictions.models import RestrictionFile
    from csdp.securities.models import ParticipantProfile

    profile, _ = ParticipantProfile.objects.get_or_create(
        institution=cast.participant.institution, defaults={"code": cast.participant.institution.code}
    )
    row = RestrictionFile.objects.filter(participant=profile).first() or RestrictionFile.objects.create(
        participant=profile,
        business_date=dt.date(2026, 4, 15),
        file_format="csv",
        path="restrictions/none.csv",
        sha256="0" * 64,
        rows=0,
    )
    return str(row.pk), {"participant"} | STAFF
