"""Reads for keys: the user's usable key, certificates expiring soon, the login kind of a session."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from csdp.clock.services import clock_now
from csdp.keys.models import Certificate, CertificateStatus, KeyDevice, KeyApplication, KeyApplicationState

# Certificates: the renewal is offered from this many days before expiry (issue 19 §8; the seed asks
# for an application at least a month ahead, 000 §二(四)3, the login warning starts at 30 days).
# One number for the home page (csdp.portal.due) and the certificates page.
RENEWAL_OFFER_DAYS = 60


@dataclass(frozen=True)
class ActiveKey:
    device: KeyDevice
    certificate: Certificate


def active_key_of(user) -> ActiveKey | None:
    """The user's current key and its certificate (not retired; the certificate may be expired)."""
    if not getattr(user, "is_authenticated", False):
        return None
    certificate = (
        Certificate.objects.select_related("device")
        .filter(
            user=user, status__in=[CertificateStatus.ACTIVE, CertificateStatus.EXPIRED], device__retired_at__isnull=True
        )
        .order_by("-not_after", "-pk")
        .first()
    )
    if certificate is None:
        return None
    return ActiveKey(device=certificate.device, certificate=certificate)


def certificate_problem(certificate: Certificate, now: dt.datetime | None = None) -> str | None:
    """Why a certificate may not be used now, or None."""
    now = now or clock_now()
    if certificate.status == CertificateStatus.REVOKED:
        return "证书已作废。"
    if certificate.status == CertificateStatus.EXPIRED or certificate.not_after <= now:
        return "证书已过期：请使用“口令登录”（密码 + 短信验证码），在“国密证书管理”中申请更换 USB-KEY。"
    # Where the business clock may be set (demo, tests) it can run back past an issuance; only a real
    # clock makes "not yet valid" meaningful.
    if certificate.not_before > now and not settings.CSDP_CLOCK_SETTABLE:
        return "证书尚未生效。"
    return None


def certificate_days_left(certificate: Certificate) -> int:
    """Whole days left, counting a started day (9 days and 23 hours is "10 days left")."""
    return -((clock_now() - certificate.not_after) // dt.timedelta(days=1))


def certificate_expiry_warning(user) -> str | None:
    """000 §二(四)3: renew at least a month ahead — a warning at every login from 30 days before."""
    key = active_key_of(user)
    if key is None or key.certificate.status != CertificateStatus.ACTIVE:
        return None
    left = key.certificate.not_after - clock_now()
    if left > dt.timedelta(days=settings.CSDP_CERT_EXPIRY_WARNING_DAYS) or left <= dt.timedelta(0):
        return None
    local = key.certificate.not_after.astimezone(dt.timezone(dt.timedelta(hours=8)))
    return (
        f"您的 USB-KEY 证书将于 {local:%Y-%m-%d} 到期（剩余 {certificate_days_left(key.certificate)} 天），"
        "请尽快在“国密证书管理”中提交 USB-KEY 更换申请。"
    )


def certificates_expiring(*, within_days: int | None = None):
    now = clock_now()
    days = settings.CSDP_CERT_EXPIRY_WARNING_DAYS if within_days is None else within_days
    return (
        Certificate.objects.select_related("user", "institution", "device")
        .filter(status=CertificateStatus.ACTIVE, not_after__gt=now, not_after__lte=now + dt.timedelta(days=days))
        .order_by("not_after")
    )


def devices_for_admin():
    return (
        KeyDevice.objects.select_related("user", "user__institution")
        .prefetch_related("certificates")
        .filter(retired_at__isnull=True)
        .order_by("-locked_at", "user__username")
    )


def certificate_login_required(request) -> bool:
    """True only for a session opened with the key (U盾登录 / 证书登录), i.e. of full scope.

    Pages the manual reserves for the certificate login (000 §二(二)(三)) check this. A full scope
    is granted to key-required kinds only after the key step; other kinds reach full scope with a
    password (CSDP_KEY_REQUIRED_KINDS), so for them this is True after any full login.
    """
    if not request.user.is_authenticated:
        return False
    return request.session.get("login_scope", "full") == "full"


def member_certificates(user):
    return Certificate.objects.visible_to(user).filter(user=user).order_by("-not_before")


def member_key_applications(user):
    return KeyApplication.objects.visible_to(user).filter(user=user).order_by("-submitted_at")


def staff_key_applications():
    return (
        KeyApplication.objects.select_related("user", "institution")
        .filter(state=KeyApplicationState.SUBMITTED)
        .order_by("submitted_at")
    )
