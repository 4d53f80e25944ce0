"""Forgotten password, self-service through the agent's mobile (issue 19 §8): the user names the
account and the mobile on file, receives a code by SMS and sets a new password. The answer to the
first step is the same whether or not the pair matched (no account discovery); the code is the
notify app's one-time code (limits per mobile, attempts, expiry). An issuer's USB-KEY is still needed
for a full login afterwards: a new password alone opens only what the password opens."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from csdp.accounts.login_steps import login_steps
from csdp.accounts.models import User
from csdp.audit.services import audit_record
from csdp.lib.errors import CsdpError, Problem

PURPOSE = "password_forgot"


class PasswordForgotRefused(CsdpError):
    code = "accounts.password_forgot"


def _user_for(username: str, mobile: str) -> User | None:
    user = User.objects.filter(username=username.strip(), is_active=True).first()
    if user is None or not user.mobile or user.mobile != mobile.strip():
        return None
    return user


def password_forgot_code_send(*, username: str, mobile: str) -> None:
    """Send the code when the account and mobile match; do nothing visible otherwise (the send limits
    of csdp.notify's codes still refuse, whoever asks)."""
    user = _user_for(username, mobile)
    if user is not None:
        try:
            login_steps().code_issue(purpose=PURPOSE, mobile=user.mobile)
        except CsdpError as refused:
            raise PasswordForgotRefused(refused.message) from None


def password_forgot_reset(*, username: str, mobile: str, code: str, new_password: str) -> User:
    steps = login_steps()
    user = _user_for(username, mobile)
    if user is None:
        raise PasswordForgotRefused("验证码错误或已失效，请重新获取。")
    try:
        validate_password(new_password, user=user)
    except ValidationError as error:
        raise PasswordForgotRefused(
            "新密码不符合要求。", problems=[Problem(m, field="new_password1") for m in error.messages]
        ) from None
    with transaction.atomic():
        try:
            steps.code_check(purpose=PURPOSE, mobile=user.mobile, code=code.strip())
        except CsdpError as refused:  # the code's refusal (csdp.notify.codes.CodeRefused)
            raise PasswordForgotRefused(refused.message) from None
        user = User.objects.select_for_update().get(pk=user.pk)
        user.set_password(new_password)
        user.failed_logins, user.locked_until = 0, None
        user.password_change_required = False  # the user chose this one (a temporary password is replaced)
        user.save(update_fields=["password", "failed_logins", "locked_until", "password_change_required"])
        audit_record(actor=user, obj=user, action="user.password_forgot_reset", reason="经办人手机短信验证码找回密码")
        steps.sms_send(
            mobile=user.mobile,
            purpose="password_reset",
            user=user,
            text="您的登录密码已通过短信验证码重置。如非本人操作，请立即联系本公司。",
        )
    return user
