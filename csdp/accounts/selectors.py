from __future__ import annotations

from django.conf import settings
from django.db.models import Q

from csdp.accounts.demo import DEMO_PASSWORD, DEMO_USERS
from csdp.accounts.models import User, Institution
from csdp.audit.models import AuditEvent


def user_list():
    return User.objects.select_related("institution").order_by("staff_role", "institution__name", "username")


def institution_list(*, kind: str = "", q: str = ""):
    rows = Institution.objects.order_by("kind", "name")
    if kind:
        rows = rows.filter(kind=kind)
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(code=q) | Q(uscc=q.upper()))
    return rows


def user_audit_trail(user, limit: int = 50):
    """What was done to and by this user, newest first (the audit trail of 用户管理)."""
    return AuditEvent.objects.filter(
        Q(object_type=user._meta.label_lower, object_id=str(user.pk)) | Q(actor=user)
    ).order_by("-pk")[:limit]


def demo_logins() -> list[dict]:
    """The demo world's logins, shown on the login page only where CSDP_DEMO is on."""
    if not settings.CSDP_DEMO:
        return []

    present = set(User.objects.filter(username__in=[u.username for u in DEMO_USERS]).values_list("username", flat=True))
    return [
        {"username": u.username, "password": DEMO_PASSWORD, "role": u.role_label, "note": u.note}
        for u in DEMO_USERS
        if u.username in present
    ]
