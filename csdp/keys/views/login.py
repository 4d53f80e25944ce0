"""Second steps of the login (csdp.keys.login): the key signature + PIN, or the SMS dynamic code."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from csdp.accounts.access import public
from csdp.keys import login as flow
from csdp.keys import totp
from csdp.keys.factors import FactorRefused, factor_check, factor_enrol_confirm, factor_enrol_start
from csdp.keys.forms import KeyLoginForm, SmsCodeForm
from csdp.keys.pins import device_pin_check
from csdp.keys.selectors import active_key_of
from csdp.keys.services import KeyRefused
from csdp.keys.signing import challenge_context, challenge_create
from csdp.keys.verify import PayloadRefused, payload_verify
from csdp.lib.errors import CsdpError
from csdp.notify.codes import CodeRefused, code_check


def _restart(request, message: str):
    messages.error(request, message)
    return redirect("accounts:login")


def _code_step(
    request, *, check: Callable[[str], object], refused_by: type[CsdpError], finish: Callable[[], str]
) -> tuple[SmsCodeForm, str | None, HttpResponse | None]:
    """Every 6-digit code step (SMS, authenticator, its enrolment): ``check(code)`` refuses with
    ``refused_by``, shown on the page until the pending login has failed too often (then back to the
    login page); a code that passes goes to ``finish()``. Returns the form, the error, the response."""
    form = SmsCodeForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return form, None, None
    try:
        check(form.cleaned_data["code"])
    except refused_by as refused:
        if flow.pending_failed(request):
            return form, None, _restart(request, refused.message)
        return form, refused.message, None
    return form, None, redirect(finish())


@public
@never_cache
@require_http_methods(["GET", "POST"])
def login_key(request):
    """U盾登录, step two: the key signs a fresh challenge and the holder types the PIN (000 §一(四)2–3)."""
    user = flow.pending_user(request, "key")
    key = active_key_of(user) if user else None
    if key is None:
        return redirect("accounts:login")
    form = KeyLoginForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            checked = payload_verify(
                user=user, digest=flow.login_digest(user), payload=form.cleaned_data["key_signature"], purpose="login"
            )
            device_pin_check(device=checked.device, pin=form.cleaned_data["pin"])
        except (PayloadRefused, KeyRefused) as refused:
            error = refused.message
            if getattr(refused, "code", "") == "key.locked" or flow.pending_failed(request):
                return _restart(request, error)
        else:
            checked.device.refresh_from_db()
            return redirect(
                flow.key_login_finish(request, user=user, device=checked.device, target=flow.pending_target(request))
            )
    signing = challenge_context(challenge_create(user=user, digest=flow.login_digest(user), purpose="login"), key)
    return render(
        request,
        "keys/login_key.html",
        {"form": form, "error": error, "signing": signing, "login_user": user, "device": key.device},
    )


@public
@never_cache
@require_http_methods(["GET", "POST"])
def login_sms(request):
    """口令登录, step two: the dynamic code sent to the agent's mobile (000 §二(六)1)."""
    user = flow.pending_user(request, "sms")
    if user is None:
        return redirect("accounts:login")
    form, error, done = _code_step(
        request,
        check=lambda code: code_check(purpose="login", mobile=user.mobile, code=code),
        refused_by=CodeRefused,
        finish=lambda: flow.sms_login_finish(request, user=user),
    )
    if done is not None:
        return done
    masked = f"{user.mobile[:3]}****{user.mobile[-4:]}" if len(user.mobile) == 11 else ""
    return render(request, "keys/login_sms.html", {"form": form, "error": error, "masked_mobile": masked})


@public
@never_cache
@require_http_methods(["GET", "POST"])
def login_totp(request):
    """Staff, step two: the 6-digit code of the authenticator app (issue 20 §1)."""
    user = flow.pending_user(request, "totp")
    if user is None:
        return redirect("accounts:login")
    form, error, done = _code_step(
        request,
        check=lambda code: factor_check(user=user, code=code),
        refused_by=FactorRefused,
        finish=lambda: flow.totp_login_finish(request, user=user),
    )
    if done is not None:
        return done
    return render(request, "keys/login_totp.html", {"form": form, "error": error})


@public
@never_cache
@require_http_methods(["GET", "POST"])
def totp_enrol(request):
    """Staff inside the enrolment window: install the secret in the app, prove it with one code."""
    user = flow.pending_user(request, "totp_enrol")
    if user is None:
        return redirect("accounts:login")
    form, error, done = _code_step(
        request,
        check=lambda code: factor_enrol_confirm(user=user, code=code),
        refused_by=FactorRefused,
        finish=lambda: flow.totp_login_finish(request, user=user),
    )
    if done is not None:
        return done
    secret = request.session.get("totp_enrol_secret") if request.method == "POST" else None
    if not secret:
        try:
            secret = factor_enrol_start(user=user)
        except FactorRefused as refused:
            return _restart(request, refused.message)
        request.session["totp_enrol_secret"] = secret
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(
        request,
        "keys/totp_enrol.html",
        {
            "form": form,
            "error": error,
            "secret": grouped,
            "uri": totp.provisioning_uri(secret, account=user.get_username()),
        },
    )
