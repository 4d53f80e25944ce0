"""Objects for the URL × role matrix (tests/access_policy.py): a distribution of issuer A's stock (10,000
shares registered), a funding issuer A declared for it, and a QYHZ file of it published to the cast's
participant."""

from __future__ import annotations

STAFF = {"reviewer", "operator", "admin"}


def distribution(cast):
    from csdp.dividend.models import Distribution
    from csdp.register.services import register_apply
    from csdp.securities.models import Market, Security
    from tests.dividend.world import START, at, schedule
    from tests.ipo.world import investor_account

    existing = Distribution.objects.filter(security__code="920777").first()
    if existing is None:
        at(START)
        security, _ = Security.objects.get_or_create(
            code="920777",
            defaults={"name": "矩阵股份", "kind": "stock", "market": Market.BSE, "issuer": cast.issuer_a.institution},
        )
        # a plan needs registered shares (csdp.dividend.services refuses a security with no issued capital)
        holder = investor_account("0177700001", "矩阵持有人", id17="11010519850101777")
        event = {"security_id": security.pk, "account_id": holder.pk, "share_nature": "00", "business_date": START}
        register_apply(events=[{**event, "key": "matrix:920777", "event_type": "initial", "quantity_delta": 10_000}])
        existing = schedule(cast.issuer_a, code="920777")
    return str(existing.pk), {"issuer_a"} | STAFF


def funding(cast):
    from csdp.dividend.funding import funding_declare
    from csdp.dividend.models import Distribution, Funding

    existing = Funding.objects.filter(bank_reference="MATRIX-1").first()
    if existing is None:
        pk, _ = distribution(cast)
        d = Distribution.objects.get(pk=pk)
        existing = funding_declare(distribution=d, bank_reference="MATRIX-1", amount_fen=100, by=cast.issuer_a)
    return str(existing.pk), {"issuer_a"} | STAFF


def dividend_file(cast):
    """A QYHZ of that distribution published to the cast's participant: that participant and staff."""
    import datetime as dt
    from pathlib import Path

    from django.conf import settings

    from csdp.dividend.models import Distribution, DividendFile
    from csdp.securities.models import ParticipantProfile

    pk, _ = distribution(cast)
    profile, _ = ParticipantProfile.objects.get_or_create(
        institution=cast.participant.institution, defaults={"code": "P00901"}
    )
    relative = f"dividend/{pk}/20260608/{profile.code}/QYHZ920777.csv"
    path = Path(settings.CSDP_FILES_DIR) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"ZQDM,JSCY\r\n920777,P00901\r\n")
    record, _ = DividendFile.objects.get_or_create(
        distribution=Distribution.objects.get(pk=pk),
        participant=profile,
        file_type="QYHZ",
        file_format="csv",
        defaults={"path": relative, "sha256": "0" * 64, "rows": 1, "business_date": dt.date(2026, 6, 8)},
    )
    return str(record.pk), {"participant"} | STAFF
