"""Objects for the URL × role matrix (tests/access_policy.py OBJECTS)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings

STAFF = {"reviewer", "operator", "admin"}


def holding_file(cast):
    """A GFBD file of the cast's participant: that participant and staff."""
    from csdp.register.models import HoldingChangeFile
    from csdp.securities.models import ParticipantProfile, Security
    from csdp.securities.services import security_create

    profile, _ = ParticipantProfile.objects.get_or_create(
        institution=cast.participant.institution, defaults={"code": "P00901"}
    )
    security = Security.objects.filter(code="920902").first() or security_create(
        code="920902", name="乙登记", kind="stock", market="BSE", issuer=cast.issuer_a.institution
    )
    path = Path(settings.CSDP_FILES_DIR) / "matrix" / "GFBD920902_1.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("ZQDM\n920902\n".encode("gbk"))
    record, _ = HoldingChangeFile.objects.get_or_create(
        reference="matrix",
        participant=profile,
        file_format="csv",
        defaults={
            "security": security,
            "business": "04",
            "path": "matrix/GFBD920902_1.csv",
            "sha256": "0" * 64,
            "rows": 1,
            "business_date": dt.date(2026, 3, 16),
        },
    )
    return str(record.pk), {"participant"} | STAFF
