"""启用 USB-KEY: the enrolment code, then the key is created in the browser and certified."""

from __future__ import annotations

import time

from csdp.lib.clients import client_limit_exceeded
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from csdp.accounts.access import public
from csdp.accounts.services import LoginRefused, user_authenticate
from csdp.keys.enrol import enrol_challenge, enrol_complete, enrol_options
from csdp.keys.forms import EnrolForm
from csdp.keys.models import INITIAL_PIN_BY_MODEL, KeyIssue
from csdp.keys.services import KeyRefused, key_issue_redeem

SESSION = "keys_enrol"
ENROL_TTL_S = 900
IP_MAX_TRIES = 20  # enrolment-code attempts per address per 10 minutes


def _ip_limited(request) -> bool:
    return client_limit_exceeded(request, scope="keys-enrol", limit=IP_MAX_TRIES, window_s=600)


@public
@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request):
    form = EnrolForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            if _ip_limited(request):
                raise KeyRefused("尝试次数过多，请稍后再试。")
            user = user_authenticate(
                request=request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
            )
            issue = key_issue_redeem(user=user, code=form.cleaned_data["code"])
        except (LoginRefused, KeyRefused) as refused:
            error = refused.message
        else:
            request.session[SESSION] = {"issue_id": issue.pk, "at": time.time()}
            return redirect("keys:enrol_key")
    return render(request, "keys/enrol.html", {"form": form, "error": error})


def _issue_in_session(request) -> KeyIssue | None:
    state = request.session.get(SESSION)
    if not state or time.time() - state.get("at", 0) > ENROL_TTL_S:
        return None
    return (
        KeyIssue.objects.select_related("user")
        .filter(pk=state["issue_id"], used_at__isnull=True, voided_at__isnull=True)
        .first()
    )


@public
@never_cache
@require_http_methods(["GET", "POST"])
def enrol_key(request):
    issue = _issue_in_session(request)
    if issue is None:
        return redirect("keys:enrol")
    error = None
    if request.method == "POST":
        try:
            challenge_id = int(request.session.get(SESSION, {}).get("challenge_id") or 0)
            device = enrol_complete(
                request=request,
                issue=issue,
                challenge_id=challenge_id,
                registration=request.POST.get("registration", ""),
            )
        except KeyRefused as refused:
            error = refused.message
        else:
            request.session.pop(SESSION, None)
            return render(
                request, "keys/enrol_done.html", {"device": device, "initial_pin": INITIAL_PIN_BY_MODEL[device.model]}
            )
    challenge = enrol_challenge(issue=issue)
    state = request.session[SESSION]
    state["challenge_id"] = challenge.pk
    request.session[SESSION] = state
    context = {"issue": issue, "error": error, **enrol_options(request=request, issue=issue, challenge=challenge)}
    return render(request, "keys/enrol_key.html", context)
