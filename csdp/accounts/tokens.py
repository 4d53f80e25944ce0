"""API tokens for members' back offices: issued by a user for itself (the token acts as that user),
read or write scope, an expiry, revocable by its institution's users and administrators.

An issuer's user must have logged in with the USB-KEY to issue one: the web requires the key for an
issuer's full login (CSDP_KEY_REQUIRED_KINDS, 000 §一(四)), and a token must not be a way around it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from csdp.accounts.models import ApiToken, TokenScope, User
from csdp.accounts.roles import key_required_for
from csdp.audit.services import audit_record
from csdp.lib.errors import CsdpError, Problem


class TokenRefused(CsdpError):
    code = "token.refused"
    status = 403


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(
    *,
    user: User,
    name: str,
    scope: str = TokenScope.READ,
    expires_days: int | None = None,
    login_method: str | None = None,
) -> tuple[ApiToken, str]:
    """Issue a token; return the row and the key, which is shown once and never stored."""
    problems = []
    if not name.strip():
        problems.append(Problem("请填写令牌用途。", field="name"))
    if scope not in TokenScope.values:
        problems.append(Problem("权限应为只读或读写。", field="scope"))
    days = expires_days if expires_days is not None else settings.CSDP_API_TOKEN_MAX_DAYS
    if not 1 <= days <= settings.CSDP_API_TOKEN_MAX_DAYS:
        problems.append(Problem(f"有效期应为 1 至 {settings.CSDP_API_TOKEN_MAX_DAYS} 天。", field="expires_days"))
    if problems:
        raise TokenRefused("令牌信息有误。", code="token.invalid", problems=problems, status=422)
    if key_required_for(user) and login_method != "key":
        raise TokenRefused("签发 API 令牌须使用 USB-KEY 登录。", code="token.key_login_required")
    key = "csdp_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name.strip(),
            key_prefix=key[5:13],
            key_sha256=token_digest(key),
            scope=scope,
            expires_at=timezone.now() + dt.timedelta(days=days),
        )
        audit_record(
            actor=user,
            obj=token,
            action="api_token.create",
            to_state="active",
            data={"name": token.name, "scope": scope, "expires_at": token.expires_at.isoformat()},
        )
    return token, key


def api_token_lookup(key: str) -> ApiToken | None:
    """The live token for a key: not revoked, not expired, its user active."""
    now = timezone.now()
    return (
        ApiToken.objects.select_related("user", "user__institution")
        .filter(key_sha256=token_digest(key), revoked_at__isnull=True, user__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )


def api_token_user(key: str) -> User | None:
    token = api_token_lookup(key)
    if token is None:
        return None
    api_token_used(token)
    return token.user


def api_token_used(token: ApiToken) -> None:
    # At most one write a minute per token: a busy back office must not turn every GET into an UPDATE.
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor) -> None:
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor if getattr(actor, "is_authenticated", False) else None
    )
    if revoked:
        audit_record(actor=actor, obj=token, action="api_token.revoke", from_state="active", to_state="revoked")
