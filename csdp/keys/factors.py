"""The staff's second factor (issue 20 §1): who needs one, enrolment, checking a code, and a reset
that two administrators make (four-eyes, csdp.approvals).

Choice, documented in docs/usb-key.md: a staff user who holds an active USB-KEY uses it (the key step
of the login, as issuers do); otherwise a TOTP code from an authenticator app. A user can set the app
up only inside an enrolment window — the first CSDP_STAFF_ENROL_DAYS after the account was made, or
after a reset — so a stolen password alone never lets anyone install their own factor later.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from csdp.accounts.roles import Role
from csdp.approvals.kinds import register_kind
from csdp.approvals.services import approval_prepare
from csdp.audit.services import audit_record
from csdp.keys import totp
from csdp.keys.models import StaffFactor
from csdp.lib.errors import CsdpError
from django.contrib.auth import get_user_model


class FactorRefused(CsdpError):
    code = "keys.factor_refused"


def _fernet() -> Fernet:
    # A key of its own derived from SECRET_KEY: a database dump alone does not reveal the secrets.
    raw = hashlib.sha256(b"csdp-staff-totp:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(raw))


def _secret(factor: StaffFactor) -> str:
    try:
        return _fernet().decrypt(factor.secret_encrypted.encode()).decode()
    except InvalidToken:
        raise FactorRefused("二次验证密钥无法读取（系统密钥已更换），请联系管理员重置。") from None


def second_factor_required(user) -> bool:
    return bool(settings.CSDP_STAFF_SECOND_FACTOR and getattr(user, "staff_role", ""))


def factor_of(user) -> StaffFactor | None:
    return StaffFactor.objects.filter(user=user).first()


def enrolment_open(user, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    factor = factor_of(user)
    if factor is not None and factor.confirmed_at is not None:
        return False
    if factor is not None and factor.enrol_until is not None:
        return factor.enrol_until > now
    return user.date_joined + dt.timedelta(days=settings.CSDP_STAFF_ENROL_DAYS) > now


@transaction.atomic
def factor_enrol_start(*, user) -> str:
    """A fresh secret for the app (shown once on the enrolment page); not in force until confirmed."""
    if not enrolment_open(user):
        raise FactorRefused("二次验证的设置期限已过，请联系管理员重置后再设置。")
    secret = totp.secret_new()
    factor, _ = StaffFactor.objects.select_for_update().get_or_create(user=user)
    factor.secret_encrypted = _fernet().encrypt(secret.encode()).decode()
    factor.save(update_fields=["secret_encrypted"])
    return secret


@transaction.atomic
def factor_enrol_confirm(*, user, code: str) -> StaffFactor:
    factor = StaffFactor.objects.select_for_update().filter(user=user).first()
    if factor is None or not factor.secret_encrypted or not enrolment_open(user):
        raise FactorRefused("二次验证的设置已失效，请重新登录后设置。")
    step = totp.code_check(_secret(factor), code, last_step=factor.last_step)
    if step is None:
        raise FactorRefused("验证码不正确，请核对手机应用显示的 6 位数字。")
    factor.confirmed_at, factor.enrol_until, factor.last_step = timezone.now(), None, step
    factor.save(update_fields=["confirmed_at", "enrol_until", "last_step"])
    audit_record(actor=user, obj=factor, action="staff_factor.enrol", to_state="confirmed")
    return factor


@transaction.atomic
def factor_check(*, user, code: str) -> None:
    """The login's second step: a code from the app, each code once."""
    factor = StaffFactor.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
    if factor is None:
        raise FactorRefused("尚未设置二次验证。")
    step = totp.code_check(_secret(factor), code, last_step=factor.last_step)
    if step is None:
        raise FactorRefused("动态验证码不正确或已使用，请输入手机应用当前显示的 6 位数字。")
    factor.last_step = step
    factor.save(update_fields=["last_step"])


def _apply_reset(approval) -> dict:
    user = get_user_model().objects.get(pk=approval.payload["_user_id"], staff_role__gt="")
    factor, _ = StaffFactor.objects.select_for_update().get_or_create(user=user)
    factor.secret_encrypted, factor.confirmed_at, factor.last_step = "", None, None
    factor.enrol_until = timezone.now() + dt.timedelta(days=settings.CSDP_STAFF_ENROL_DAYS)
    factor.save()
    audit_record(actor=approval.approved_by, obj=factor, action="staff_factor.reset", to_state="enrol_open")
    return {"用户": user.get_username(), "可设置至": factor.enrol_until.isoformat(timespec="minutes")}


RESET_KIND = register_kind(
    code="keys.staff_factor_reset",
    label="重置工作人员二次验证",
    apply=_apply_reset,
    preparers={Role.ADMIN},
    approvers={Role.ADMIN},
)


def factor_reset_prepare(*, user, by):
    """An administrator asks to reset a staff user's factor; another administrator approves it."""
    if not user.staff_role:
        raise FactorRefused("只能重置工作人员的二次验证。")
    return approval_prepare(
        kind=RESET_KIND.code,
        key=f"staff-factor-reset:{user.pk}:{timezone.now():%Y%m%d%H%M%S}",
        summary=f"重置 {user.get_username()} 的二次验证",
        payload={"_user_id": user.pk, "用户": user.get_username()},
        by=by,
        subject=user,
    )
