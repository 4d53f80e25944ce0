"""The login modes of seed 000 (§一(四), §二(六)) on top of the password check
(csdp.accounts.services.user_authenticate, which keeps its own lockouts):

- U盾登录 / 证书登录: password, then the key signs a fresh challenge and the server checks the PIN
  → scope "full". A key still on its initial PIN gets scope "pin_change" until the PIN is changed.
- 口令登录: password + image captcha, then the SMS dynamic code sent to the agent's mobile
  → scope "password_sms" (国密证书管理 / 补办证书, 经办人信息维护).
- password only → scope "password_only" (经办人信息维护: the changed-mobile path).
Users of kinds outside CSDP_KEY_REQUIRED_KINDS (participants, …) reach "full" with a password.
Staff need a second factor (CSDP_STAFF_SECOND_FACTOR, csdp.keys.factors): their key when they hold one,
else a one-time code from an authenticator app, set up inside an enrolment window.

Between the password step and the second factor the session holds a short-lived pending record;
nobody is logged in until the second factor succeeds.
"""

from __future__ import annotations

import hashlib
import time

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.urls import NoReverseMatch, reverse

from csdp.accounts.middleware import FULL
from csdp.accounts.roles import key_required_for
from csdp.accounts.services import LoginRefused
from csdp.keys.factors import enrolment_open, factor_of, second_factor_required
from csdp.keys.scopes import PASSWORD_ONLY, PASSWORD_SMS, PIN_CHANGE
from csdp.keys.selectors import active_key_of, certificate_expiry_warning, certificate_problem
from csdp.lib.clients import codes_limited_for_client
from csdp.notify.codes import CodeRefused, code_issue

PENDING = "keys_login_pending"
PENDING_TTL_S = 300
PENDING_MAX_FAILURES = 5  # bad signatures or codes before the password must be entered again


class LoginStepRefused(LoginRefused):  # the login page shows every LoginRefused (csdp.accounts.views)
    code = "key.login_refused"


def login_digest(user) -> str:
    """What a login challenge is bound to: this user's login (the nonce makes each one fresh)."""
    return hashlib.sha256(f"csdp-login:{user.pk}:{user.get_username()}".encode()).hexdigest()


def login_complete(request, *, user, scope: str, method: str) -> None:
    request.session.pop(PENDING, None)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session["login_scope"] = scope
    request.session["login_method"] = method
    warning = certificate_expiry_warning(user)
    if warning:
        messages.warning(request, warning)


def login_begin(request, *, user, mode: str, target: str) -> str:
    """After a correct password: finish the login or start the second step. Returns a URL name or path."""
    if second_factor_required(user):
        return _begin_staff(request, user=user, target=target)
    if not key_required_for(user) and (mode != "key" or active_key_of(user) is None):
        login_complete(request, user=user, scope=FULL, method="password")
        return target
    if mode == "password":
        login_complete(request, user=user, scope=PASSWORD_ONLY, method="password")
        return _agent_page()
    if mode == "sms":
        return _begin_sms(request, user=user, target=target)
    key = active_key_of(user)
    if key is None:
        raise LoginStepRefused(
            "未找到可用的 USB-KEY 证书。如 USB-KEY 遗失，请使用“口令登录”后在国密证书管理中补办证书。"
        )
    problem = certificate_problem(key.certificate)
    if problem:
        raise LoginStepRefused(f"无法使用 USB-KEY 登录：{problem}")
    if key.device.locked_at is not None:
        raise LoginStepRefused("USB-KEY 已锁死（PIN 码连续错误 6 次），请提交 PIN 码重置申请。")
    _pending_set(request, user=user, mode="key", target=target)
    return "keys:login_key"


def _begin_staff(request, *, user, target: str) -> str:
    """Staff: the key when usable, else the authenticator app's code, else its set-up inside the window."""
    key = active_key_of(user)
    if key is not None and not certificate_problem(key.certificate) and key.device.locked_at is None:
        _pending_set(request, user=user, mode="key", target=target)
        return "keys:login_key"
    factor = factor_of(user)
    if factor is not None and factor.confirmed_at is not None:
        _pending_set(request, user=user, mode="totp", target=target)
        return "keys:login_totp"
    if enrolment_open(user):
        _pending_set(request, user=user, mode="totp_enrol", target=target)
        return "keys:totp_enrol"
    raise LoginStepRefused("工作人员登录须二次验证。您尚未设置且设置期限已过，请联系管理员重置二次验证。")


def _agent_page() -> str:
    """经办人信息维护 (csdp.issuers), the one page of a password-only login; the notice page otherwise."""
    try:
        reverse("issuers:agent_info")
    except NoReverseMatch:
        return "portal:scope_limited"
    return "issuers:agent_info"


def _begin_sms(request, *, user, target: str) -> str:
    if not user.mobile:
        raise LoginStepRefused("该用户未登记经办人手机号码，无法发送动态口令。")
    if codes_limited_for_client(request):
        raise LoginStepRefused("验证码发送过于频繁，请稍后再试。")
    try:
        code_issue(purpose="login", mobile=user.mobile)
    except CodeRefused as refused:
        raise LoginStepRefused(refused.message) from None
    _pending_set(request, user=user, mode="sms", target=target)
    return "keys:login_sms"


def _pending_set(request, *, user, mode: str, target: str) -> None:
    request.session[PENDING] = {"user_id": user.pk, "mode": mode, "at": time.time(), "target": target, "failures": 0}


def pending_user(request, mode: str):
    """The user halfway through a login of this mode, or None when there is none or it went stale."""
    pending = request.session.get(PENDING)
    if not pending or pending.get("mode") != mode or time.time() - pending.get("at", 0) > PENDING_TTL_S:
        return None
    return get_user_model().objects.filter(pk=pending["user_id"], is_active=True).first()


def pending_failed(request) -> bool:
    """Count a failed second step; True when the pending login is dropped (password needed again)."""
    pending = request.session.get(PENDING)
    if not pending:
        return True
    pending["failures"] = pending.get("failures", 0) + 1
    if pending["failures"] >= PENDING_MAX_FAILURES:
        request.session.pop(PENDING, None)
        return True
    request.session[PENDING] = pending
    return False


def pending_target(request) -> str:
    return (request.session.get(PENDING) or {}).get("target") or "portal:home"


def key_login_finish(request, *, user, device, target: str) -> str:
    if device.pin_must_change:
        login_complete(request, user=user, scope=PIN_CHANGE, method="key")
        messages.info(request, "请修改 PIN 码：USB-KEY 仍在使用初始 PIN 码，修改后方可办理业务。")
        return "keys:pin_change"
    login_complete(request, user=user, scope=FULL, method="key")
    return target


def totp_login_finish(request, *, user) -> str:
    target = pending_target(request)
    login_complete(request, user=user, scope=FULL, method="totp")
    return target


def sms_login_finish(request, *, user) -> str:
    login_complete(request, user=user, scope=PASSWORD_SMS, method="password_sms")
    return "keys:certificates"
