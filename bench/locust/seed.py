"""Sessions and API tokens for the locust benchmark (bench/locust/README in docs/performance.md).

    csdp shell < bench/locust/seed.py   →  bench/locust/identities.json

Logging in 50 users through the password form would measure PBKDF2, not the pages: each simulated
user gets a server-side session of one demo user (full scope, as after its real login mode) and the
participants an API token. Run after `csdp ipo simulate` on the benchmark database.
"""
import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from csdp.accounts.models import User
from csdp.accounts.tokens import api_token_create

from csdp.accounts.models import Institution  # noqa: E402
from csdp.accounts.roles import InstitutionKind, StaffRole  # noqa: E402

# One user per role, on the institutions `csdp ipo simulate` made (the participant with the most
# subscriptions, so its API answers carry data); created here when missing.
ROLES = {"issuer": ("key", InstitutionKind.ISSUER, ""), "underwriter": ("password", InstitutionKind.UNDERWRITER, ""),
         "participant": ("password", InstitutionKind.PARTICIPANT, ""),
         "pledger": ("password", InstitutionKind.PLEDGE_USER, ""),
         "reviewer": ("password", None, StaffRole.REVIEWER), "operator": ("password", None, StaffRole.OPERATOR),
         "admin": ("password", None, StaffRole.ADMIN)}


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
    user = User.objects.filter(username=username).first() or User.objects.create(
        username=username, display_name=username, staff_role=staff_role,
        institution=_institution(kind) if kind else None)
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
    if role in ("participant", "underwriter"):
        out["tokens"][role] = api_token_create(user=user, name="bench", login_method=method)[1]
path = Path(settings.BASE_DIR) / "bench" / "locust" / "identities.json"
path.write_text(json.dumps(out))
print(f"wrote {path}")
