from __future__ import annotations

from django.conf import settings

from csdp.accounts.models import User


def user_list():
    return User.objects.select_related("institution").order_by("staff_role", "institution__name", "username")


def demo_logins() -> list[dict]:
    """The demo world's logins, shown on the login page only where CSDP_DEMO is on."""
    if not settings.CSDP_DEMO:
        return []
    from csdp.portal.demo import DEMO_PASSWORD, DEMO_USERS

    present = set(User.objects.filter(username__in=[u.username for u in DEMO_USERS]).values_list("username", flat=True))
    return [
        {"username": u.username, "password": DEMO_PASSWORD, "role": u.role_label, "note": u.note}
        for u in DEMO_USERS
        if u.username in present
    ]
