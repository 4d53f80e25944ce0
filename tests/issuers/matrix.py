"""Objects for the URL × role matrix (tests/access_policy.py OBJECTS), on issuer A's side."""

from __future__ import annotations

import secrets

from csdp.clock.services import clock_now
from csdp.issuers.models import InfoChangeApplication, Registration
from csdp.issuers.services.registration import token_hash
from csdp.issuers.states import ApplicationStatus, RegistrationStatus

STAFF = {"reviewer", "operator", "admin"}
EVERYONE = {"issuer_a", "issuer_b", "underwriter", "participant", "pledge_user", "anonymous"} | STAFF


def registration(cast):
    row = Registration.objects.create(
        token_sha256=token_hash(secrets.token_urlsafe(16)),
        status=RegistrationStatus.SUBMITTED,
        institution_name="矩阵测试股份有限公司",
        submitted_at=clock_now(),
    )
    return str(row.pk), STAFF


def registration_token(cast):
    """A rejected registration's correction link: public by design (the token is the secret)."""
    token = secrets.token_urlsafe(16)
    Registration.objects.create(
        token_sha256=token_hash(token),
        status=RegistrationStatus.REJECTED,
        institution_name="矩阵测试股份有限公司",
        reject_reason="测试",
    )
    return token, EVERYONE


KEY_VALUES = {
    "name": "甲发行人股份有限公司",
    "uscc": "91110108MA01ABCD1E",
    "licence_valid_from": "2015-01-01",
    "licence_valid_until": None,
    "three_in_one": True,
    "org_code": "",
    "org_code_valid_from": None,
    "org_code_valid_until": None,
    "registered_address": "北京市海淀区",
    "legal_rep_name": "甲",
}


def info_application(cast):
    row = InfoChangeApplication.objects.create(
        institution=cast.issuer_a.institution,
        status=ApplicationStatus.REJECTED,
        proposed=KEY_VALUES,
        previous=KEY_VALUES,
        submitted_by=cast.issuer_a,
        submitted_at=clock_now(),
        reject_reason="测试",
    )
    return str(row.pk), {"issuer_a"} | STAFF
