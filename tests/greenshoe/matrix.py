"""Objects for the URL × role matrix (tests/access_policy.py): a greenshoe option on issuer A's
offering led by the cast's underwriter, and one DJ filing of it."""

import datetime as dt

from csdp.clock.services import clock_now
from csdp.greenshoe.models import FilingKind, GreenshoeFiling, GreenshoeOption
from tests.ipo import matrix as ipo_matrix

STAFF = {"reviewer", "operator", "admin"}
SEEN_BY = {"issuer_a", "underwriter"} | STAFF


def _option(cast) -> GreenshoeOption:
    offering = ipo_matrix._offering(cast)
    option, _ = GreenshoeOption.objects.get_or_create(
        offering=offering, defaults={"limit_shares": 15_000, "exercise_end": dt.date(2026, 4, 28)}
    )
    return option


def option(cast):
    return str(_option(cast).pk), SEEN_BY


def filing(cast):
    from tests.greenshoe.world import DJ_HEADER, excel
    from csdp.uploads.services import upload_store

    option_obj = _option(cast)
    existing = option_obj.filings.first()
    if existing is None:
        stored = upload_store(
            file=excel(DJ_HEADER, []), kind="spreadsheet", owner=cast.issuer_a.institution, actor=cast.issuer_a
        )
        existing = GreenshoeFiling.objects.create(
            option=option_obj,
            kind=FilingKind.ISSUANCE,
            source=stored,
            rows=1,
            total_shares=1,
            filed_by=cast.issuer_a,
            filed_at=clock_now(),
        )
    return str(existing.pk), SEEN_BY
