"""Objects for the URL × role matrix (tests/access_policy.py): an offering of issuer A led by the
cast's underwriter with the cast's participant subscribing, and a data file of that participant."""

import datetime as dt
from pathlib import Path

from django.conf import settings

from csdp.ipo.models import Offering, ParticipantFile, ParticipantObligation
from csdp.securities.models import ParticipantProfile

STAFF = {"reviewer", "operator", "admin"}


def _offering(cast) -> Offering:
    existing = Offering.objects.filter(code="920901").first()
    if existing:
        return existing
    offering = Offering.objects.create(
        code="920901",
        name="甲科技",
        issuer=cast.issuer_a.institution,
        underwriter=cast.underwriter.institution,
        price_fen=1000,
        initial_online_shares=100_000,
        online_shares=100_000,
        t_date=dt.date(2026, 3, 16),
        listing_date=dt.date(2026, 3, 30),
    )
    profile, _ = ParticipantProfile.objects.get_or_create(
        institution=cast.participant.institution, defaults={"code": "MX0001"}
    )
    ParticipantObligation.objects.create(offering=offering, participant=profile)
    return offering


def offering(cast):
    return str(_offering(cast).pk), {"issuer_a", "underwriter", "participant"} | STAFF


def participant_file(cast):
    offering_obj = _offering(cast)
    profile = ParticipantProfile.objects.get(institution=cast.participant.institution)
    path = Path(settings.CSDP_FILES_DIR) / "matrix" / "SGQS920901.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("ZQDM\n920901\n".encode("gbk"))
    record, _ = ParticipantFile.objects.get_or_create(
        offering=offering_obj,
        participant=profile,
        file_type="SGQS",
        file_format="csv",
        defaults={
            "path": "matrix/SGQS920901.csv",
            "sha256": "0" * 64,
            "rows": 0,
            "business_date": dt.date(2026, 3, 16),
        },
    )
    return str(record.pk), {"participant"} | STAFF


def filing_kind(cast):
    return "strategic", {"issuer_a", "underwriter", "participant", "pledge_user", "issuer_b"} | STAFF
