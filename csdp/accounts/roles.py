"""Roles. A user's role follows from its institution's kind, or from its staff role.

The matrix test (tests/test_access_matrix.py) walks every URL with one user of each role.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class InstitutionKind(models.TextChoices):
    ISSUER = "issuer", "发行人"  # seed 000: 北京市场发行人
    UNDERWRITER = "underwriter", "主承销商"  # seed 002 ch. 3
    PARTICIPANT = "participant", "结算参与人"  # seed 002 ch. 4
    PLEDGE_USER = "pledge_user", "质押信息平台用户"  # seed 004: investors and lenders


class StaffRole(models.TextChoices):
    REVIEWER = "reviewer", "审核"  # reviews registrations, information changes, postings
    OPERATOR = "operator", "业务办理"  # handles counter applications, runs end-of-day work
    ADMIN = "admin", "管理员"  # users, calendar, fee schedule, key administration


class Role(models.TextChoices):
    ISSUER = "issuer", "发行人"
    UNDERWRITER = "underwriter", "主承销商"
    PARTICIPANT = "participant", "结算参与人"
    PLEDGE_USER = "pledge_user", "质押信息平台用户"
    REVIEWER = "reviewer", "审核"
    OPERATOR = "operator", "业务办理"
    ADMIN = "admin", "管理员"


STAFF_ROLES = frozenset({Role.REVIEWER, Role.OPERATOR, Role.ADMIN})
MEMBER_ROLES = frozenset({Role.ISSUER, Role.UNDERWRITER, Role.PARTICIPANT, Role.PLEDGE_USER})
ALL_ROLES = STAFF_ROLES | MEMBER_ROLES


def role_of(user) -> Role | None:
    """The role of an authenticated user, None for anonymous or an unconfigured account."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.staff_role:
        return Role(user.staff_role)
    if user.institution_id is not None:
        return Role(user.institution.kind)
    return None


def key_required_for(user) -> bool:
    """Users of these institution kinds need the key for a full login and to sign (issue 3 §4)."""
    institution = getattr(user, "institution", None)
    return bool(institution and institution.kind in settings.CSDP_KEY_REQUIRED_KINDS)
