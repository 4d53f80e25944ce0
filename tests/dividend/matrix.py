"""Objects for the URL × role matrix (tests/access_policy.py): a distribution of issuer A's stock."""

from __future__ import annotations

STAFF = {"reviewer", "operator", "admin"}


def distribution(cast):
    from csdp.dividend.models import Distribution
    from csdp.securities.models import Market, Security
    from tests.dividend.world import START, at, schedule

    existing = Distribution.objects.filter(security__code="920777").first()
    if existing is None:
        at(START)
        Security.objects.get_or_create(
            code="920777",
            defaults={"name": "矩阵股份", "kind": "stock", "market": Market.BSE, "issuer": cast.issuer_a.institution},
        )
        existing = schedule(cast.issuer_a, code="920777")
    return str(existing.pk), {"issuer_a"} | STAFF
