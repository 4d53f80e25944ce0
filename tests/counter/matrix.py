"""Objects on issuer A's side for the URL × role matrix (tests/access_policy.py OBJECTS)."""

from __future__ import annotations

from tests.counter.factories import draft, give_codes, pdf_upload

ISSUER_A_SIDE = {"issuer_a", "reviewer", "operator", "admin"}
EVERY_CAST_MEMBER = {
    "issuer_a",
    "issuer_b",
    "underwriter",
    "participant",
    "pledge_user",
    "reviewer",
    "operator",
    "admin",
}


def _draft(cast):
    give_codes(cast.issuer_a.institution, "920001")
    return draft(cast.issuer_a, code="920001")


def application(cast):
    return str(_draft(cast).pk), ISSUER_A_SIDE


def attachment(cast):
    return str(_draft(cast).files.get().pk), ISSUER_A_SIDE


def business_type(cast):
    from csdp.counter.models import BusinessType

    return str(BusinessType.objects.get(code="01").pk), EVERY_CAST_MEMBER


def template(cast):
    from csdp.counter.catalogue import template_add
    from csdp.counter.models import BusinessType

    row = template_add(
        business_type=BusinessType.objects.get(code="01"),
        actor=cast.admin,
        title="申请书模板",
        file=pdf_upload("申请书模板.pdf"),
    )
    return str(row.pk), EVERY_CAST_MEMBER
