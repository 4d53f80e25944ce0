"""Sessions and API tokens for the locust benchmark (bench/locust/README in docs/performance.md).

    csdp shell < bench/locust/seed.py   →  $LOCUST_IDENTITIES (default bench/locust/identities.json)

Logging in 50 users through the password form would measure PBKDF2, not the pages: each simulated
user gets a server-side session of one demo user (full scope, as after its real login mode) and the
participants an API token. Run after `csdp ipo simulate` on the benchmark database; the pledge user is
an owner made by bench/locust/postings.py when there is one (it has a board profile and postings).
Also lists what the pages are asked about: the securities with most holders, accounts with holdings.
"""

import json
import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from csdp.accounts.models import User
from csdp.accounts.tokens import api_token_create

from csdp.accounts.models import Institution
from csdp.accounts.roles import InstitutionKind, StaffRole

# One user per role, on the institutions `csdp ipo simulate` made (the participant with the most
# subscriptions, so its API answers carry data); created here when missing.
ROLES = {
    "issuer": ("key", InstitutionKind.ISSUER, ""),
    "underwriter": ("password", InstitutionKind.UNDERWRITER, ""),
    "participant": ("password", InstitutionKind.PARTICIPANT, ""),
    "pledger": ("password", InstitutionKind.PLEDGE_USER, ""),
    "reviewer": ("password", None, StaffRole.REVIEWER),
    "operator": ("password", None, StaffRole.OPERATOR),
    "admin": ("password", None, StaffRole.ADMIN),
}


def _institution(kind):
    from django.db.models import Count

    rows = Institution.objects.filter(kind=kind)
    if kind == InstitutionKind.PARTICIPANT:
        rows = rows.annotate(n=Count("participant_profile__custody_units__accounts")).order_by("-n")
    found = rows.first()
    return found or Institution.objects.create(kind=kind, name=f"基准测试{kind}", code=f"BENCH-{kind}")


out = {"sessions": {}, "tokens": {}}
for role, (method, kind, staff_role) in ROLES.items():
    username = f"bench_{role}"
    owner = User.objects.filter(username__startswith="benchB").order_by("pk").first() if role == "pledger" else None
    user = (
        owner
        or User.objects.filter(username=username).first()
        or User.objects.create(
            username=username,
            display_name=username,
            staff_role=staff_role,
            institution=_institution(kind) if kind else None,
        )
    )
    sessions = []
    for _ in range(10):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store["login_scope"], store["login_method"] = "full", method
        store.create()
        sessions.append(store.session_key)
    out["sessions"][role] = sessions
    if role in ("participant", "underwriter", "pledger"):
        # One token per simulated back office (a real one has its own): the per-token throttle applies
        # to each, as in production, instead of to all 50 users at once.
        out["tokens"][role] = [
            api_token_create(user=user, name=f"bench-{n}", login_method=method)[1] for n in range(50)
        ]

from django.db.models import Count  # noqa: E402

from csdp.register.models import Position  # noqa: E402

top = Position.objects.values("security_id").annotate(n=Count("id")).order_by("-n")[:3]
out["securities"] = [row["security_id"] for row in top] or [1]
out["accounts"] = list(
    Position.objects.filter(security_id__in=out["securities"])
    .values_list("account__number", flat=True)
    .order_by("account_id")[:500]
)
out["security_codes"] = list(
    Position.objects.filter(security_id__in=out["securities"])
    .values_list("security__code", flat=True)
    .order_by()
    .distinct()
)
path = Path(os.environ.get("LOCUST_IDENTITIES") or Path(settings.BASE_DIR) / "bench" / "locust" / "identities.json")
path.write_text(json.dumps(out))
print(f"wrote {path}")
