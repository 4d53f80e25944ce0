"""Writes for institutions, users, logins and API tokens."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone

from csdp.accounts.models import Institution, User
from csdp.accounts.passwords import temporary_password
from csdp.audit.services import audit_record
import hashlib

from django.core.cache import cache

from csdp.lib.clients import client_address, client_limit_count, client_limit_reached
from csdp.lib.errors import CsdpError

log = logging.getLogger("csdp.accounts")
IP_WINDOW_S = 600
IP_MAX_FAILURES = 30  # per address per window, whatever the usernames tried


FAILED_LOGINS_KEY = "metrics:failed_logins"  # read by csdp.ops.metrics at scrape time


def failed_login_count() -> None:
    """One failed login, counted across every process (the shared cache)."""
    cache.add(FAILED_LOGINS_KEY, 0, None)
    try:
        cache.incr(FAILED_LOGINS_KEY)
    except ValueError:
        cache.set(FAILED_LOGINS_KEY, 1, None)


class LoginRefused(CsdpError):
    code = "login.refused"


@dataclass
class LoginResult:
    user: User


def _name_key(username: str) -> str:
    return "login-fail-name:" + hashlib.sha256(username.encode()).hexdigest()


LOCKED_MESSAGE = "密码错误次数过多，账户已临时锁定，请稍后再试。"


def user_authenticate(*, request, username: str, password: str) -> User:
    """Check a username and password with lockouts per user and per address.

    After CSDP_PASSWORD_MAX_FAILURES consecutive failures the user is locked for CSDP_PASSWORD_LOCKOUT_S;
    an address that fails IP_MAX_FAILURES times in IP_WINDOW_S is refused for the rest of the window.
    An unknown user name is counted and "locked" the same way (in the cache), so neither the wrong-
    password message nor the lockout message tells whether a user name exists.
    """
    if client_limit_reached(request, scope="login-fail", limit=IP_MAX_FAILURES):
        raise LoginRefused("登录失败次数过多，请稍后再试。", code="login.rate_limited")
    now = timezone.now()
    candidate = User.objects.filter(username=username).first()
    if candidate and candidate.locked_until and candidate.locked_until > now:
        raise LoginRefused(LOCKED_MESSAGE, code="login.locked")
    if candidate is None and cache.get(_name_key(username), 0) >= settings.CSDP_PASSWORD_MAX_FAILURES:
        raise LoginRefused(LOCKED_MESSAGE, code="login.locked")
    user = authenticate(request, username=username, password=password)
    if user is None:
        _count_failure(request, username, candidate, now)
        raise LoginRefused("用户名或密码错误。", code="login.bad_credentials")
    if user.failed_logins or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    return user


def _incr(key: str, ttl_s: int) -> None:
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, ttl_s)


def _count_failure(request, username: str, candidate: User | None, now: dt.datetime) -> None:
    client_limit_count(request, scope="login-fail", window_s=IP_WINDOW_S)
    failed_login_count()
    log.warning(
        "login failed",
        extra={
            "event": "login_failed",
            "username": candidate.username if candidate else None,
            "client": client_address(request),
        },
    )
    if candidate is None:
        _incr(_name_key(username), settings.CSDP_PASSWORD_LOCKOUT_S)
        return
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=candidate.pk)
        user.failed_logins += 1
        if user.failed_logins >= settings.CSDP_PASSWORD_MAX_FAILURES:
            user.locked_until = now + dt.timedelta(seconds=settings.CSDP_PASSWORD_LOCKOUT_S)
            user.failed_logins = 0
            audit_record(actor=None, obj=user, action="user.locked", to_state="locked", reason="密码连续错误")
        user.save(update_fields=["failed_logins", "locked_until"])


@transaction.atomic
def institution_create(*, kind: str, name: str, code: str = "", uscc: str = "", actor=None) -> Institution:
    institution = Institution.objects.create(kind=kind, name=name, code=code, uscc=uscc)
    audit_record(actor=actor, obj=institution, action="institution.create", to_state="active")
    return institution


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    password_temporary: bool = False,
    institution: Institution | None = None,
    staff_role: str = "",
    display_name: str = "",
    mobile: str = "",
    email: str = "",
    actor=None,
) -> User:
    user = User(
        username=username,
        institution=institution,
        staff_role=staff_role,
        display_name=display_name,
        mobile=mobile,
        email=email,
        # A password chosen by someone else (csdp.accounts.passwords.temporary_password) must be replaced.
        password_change_required=bool(password) and password_temporary,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit_record(actor=actor, obj=user, action="user.create", to_state="active", data={"role": str(user.role)})
    return user


@transaction.atomic
def user_password_temporary_set(*, user: User, actor, reason: str) -> str:
    """Give the user a temporary password (returned once, for the caller to show or send) that the next
    login must replace; the lockout is cleared and every open session of the user ends (the session
    hash changes with the password)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    password = temporary_password()
    user.set_password(password)
    user.password_change_required = True
    user.locked_until, user.failed_logins = None, 0
    user.save(update_fields=["password", "password_change_required", "locked_until", "failed_logins"])
    audit_record(actor=actor, obj=user, action="user.password_reset", reason=reason)
    return password


class PasswordChangeRefused(CsdpError):
    code = "accounts.password_change_refused"


@transaction.atomic
def user_password_change(*, user: User, new_password: str) -> User:
    """The user sets their own password (用户设置 → 密码修改, after checking the old one and Django's
    validators in the form): a temporary password is replaced and the obligation to change it ends."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.check_password(new_password):
        raise PasswordChangeRefused("新密码不能与当前密码相同。", code="accounts.password_unchanged")
    reason = "以本人设置的密码替换临时密码" if user.password_change_required else ""
    user.set_password(new_password)
    user.password_change_required = False
    user.save(update_fields=["password", "password_change_required"])
    audit_record(actor=user, obj=user, action="user.password_change", reason=reason)
    return user


# API tokens live in csdp/accounts/tokens.py; these names stay importable from here.
from csdp.accounts.tokens import api_token_create, api_token_revoke, api_token_user  # noqa: E402,F401
