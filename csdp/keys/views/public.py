"""Public pieces: the CRL and CA certificate, and the recovery requests of 000 §二(七) for users
who cannot log in (forgotten username, password or PIN, locked key)."""

from __future__ import annotations

from django.contrib import messages
from csdp.lib.clients import client_limit_exceeded
from django.db.models import Max
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from csdp.accounts.access import public
from csdp.clock.services import clock_now
from csdp.keys import ca
from csdp.keys.applications import MATERIALS, RECOVERY_KINDS, ApplicationRefused, key_application_submit
from csdp.keys.forms_applications import application_form
from csdp.keys.models import Certificate, CertificateStatus, KeyApplicationKind
from csdp.keys.services import crl_publish
from csdp.notify.captcha import captcha_check
from cryptography import x509

RECOVERY_PER_HOUR = 10  # applications per address per hour


def _crl_file(name: str) -> bytes:
    """The published CRL (rewritten after every revocation). Rebuilt here when missing, past its next
    update, or older than the latest revocation (another machine may have done the revoking)."""
    der = ca.ca_dir() / "crl.der"
    fresh = False
    if der.exists():
        current = x509.load_der_x509_crl(der.read_bytes())
        latest = Certificate.objects.filter(status=CertificateStatus.REVOKED).aggregate(at=Max("revoked_at"))["at"]
        fresh = current.next_update_utc > clock_now() and (latest is None or current.last_update_utc > latest)
    if not fresh:
        crl_publish()
    return (ca.ca_dir() / name).read_bytes()


@public
@require_GET
def crl(request):
    response = HttpResponse(_crl_file("crl.der"), content_type="application/pkix-crl")
    response["Content-Disposition"] = 'attachment; filename="csdp.crl"'
    return response


@public
@require_GET
def crl_pem(request):
    return HttpResponse(_crl_file("crl.pem"), content_type="text/plain; charset=us-ascii")


@public
@require_GET
def ca_certificate(request):
    return HttpResponse(ca.ca_certificate_pem(), content_type="application/x-pem-file")


def _rate_limited(request) -> bool:
    return client_limit_exceeded(request, scope="keys-recovery", limit=RECOVERY_PER_HOUR, window_s=3600)


@public
@require_http_methods(["GET", "POST"])
def recovery_apply(request):
    """忘记用户名/密码/PIN 码或 USB-KEY 锁死 (000 §二(七)): an application with materials, captcha-protected."""
    kind = request.POST.get("kind") or request.GET.get("kind") or KeyApplicationKind.PIN_RESET
    if kind not in RECOVERY_KINDS:
        kind = KeyApplicationKind.PIN_RESET
    form = application_form(kind, data=request.POST or None, files=request.FILES or None)
    if request.method == "POST" and form.is_valid():
        if not captcha_check(request, request.POST.get("captcha", "")):
            form.add_error(None, "图形验证码错误，请重新输入。")
        elif _rate_limited(request):
            form.add_error(None, "提交过于频繁，请稍后再试。")
        else:
            try:
                key_application_submit(kind=kind, user=None, data=form.cleaned_data, actor=None)
            except ApplicationRefused as refused:
                form.add_error(refused.field, refused.message)
            else:
                # The same answer whether or not the institution and mobile matched a user.
                messages.success(request, "申请已提交。本公司审核后将以短信通知经办人手机。")
                return redirect("accounts:login")
    context = {
        "form": form,
        "kind": KeyApplicationKind(kind),
        "kinds": [KeyApplicationKind(k) for k in RECOVERY_KINDS],
        "materials": MATERIALS[kind],
    }
    return render(request, "keys/recovery_apply.html", context)
