"""Writes for keys: issuing (the enrolment code), registering a device, certificates, revocation."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from csdp.audit.services import audit_record
from csdp.clock.services import clock_now
from csdp.keys import ca
from csdp.keys.algorithms import algorithm_for_public_key
from csdp.keys.models import (
    INITIAL_PIN_BY_MODEL,
    Certificate,
    CertificateStatus,
    KeyDevice,
    KeyIssue,
    KeyModel,
    SigningChallenge,
)
from csdp.lib.errors import CsdpError
from csdp.notify.services import notify_sms

ENROL_CODE_MAX_FAILURES = 5  # with the password also required, 5 tries in 10^6 codes


class KeyRefused(CsdpError):
    code = "key.refused"


def enrol_code_hash(code: str) -> str:
    normalized = code.replace("-", "").replace(" ", "").strip()
    return hmac.new(settings.SECRET_KEY.encode(), b"key-issue:" + normalized.encode(), hashlib.sha256).hexdigest()


def key_issue(*, user, model: str, actor) -> KeyIssue:
    """Stand for making and mailing the key (000 §一(一)10): send an enrolment code to the agent's mobile.

    Earlier unused codes of the user are voided, so only the latest mailing can be enrolled.
    """
    if model not in KeyModel.values:
        raise KeyRefused("USB-KEY 型号不正确。", code="key.bad_model")
    if not user.mobile:
        raise KeyRefused("该用户没有经办人手机号码，无法发送启用码。", code="key.no_mobile")
    code = f"{secrets.randbelow(10**6):06d}"  # six digits, so the demo login page shows it with the SMS codes
    now = clock_now()
    with transaction.atomic():
        KeyIssue.objects.filter(user=user, used_at__isnull=True, voided_at__isnull=True).update(voided_at=now)
        issue = KeyIssue.objects.create(
            user=user,
            model=model,
            code_hash=enrol_code_hash(code),
            issued_at=now,
            expires_at=now + dt.timedelta(days=settings.CSDP_KEY_ISSUE_TTL_DAYS),
            issued_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            actor=actor, obj=issue, action="key.issue", to_state="issued", data={"user": user.username, "model": model}
        )
        notify_sms(
            mobile=user.mobile,
            text=(
                f"【中国结算】您的 USB-KEY（{KeyModel(model).label}）已制作，启用验证码为 {code}，"
                f"{settings.CSDP_KEY_ISSUE_TTL_DAYS} 天内有效。请在业务平台“启用 USB-KEY”页面完成启用。"
            ),
            purpose="key_issue",
            user=user,
            sensitive=True,
        )
    return issue


def key_issue_redeem(*, user, code: str) -> KeyIssue:
    """Check an enrolment code for the user; five wrong codes void the pending issue."""
    now = clock_now()
    with transaction.atomic():
        issue = (
            KeyIssue.objects.select_for_update()
            .filter(user=user, used_at__isnull=True, voided_at__isnull=True, expires_at__gt=now)
            .order_by("-issued_at")
            .first()
        )
        if issue is None:
            raise KeyRefused("没有待启用的 USB-KEY，或启用码已过期。", code="key.no_issue")
        if hmac.compare_digest(issue.code_hash, enrol_code_hash(code)):
            return issue
        issue.failed_attempts += 1
        if issue.failed_attempts >= ENROL_CODE_MAX_FAILURES:
            issue.voided_at = now
            audit_record(
                actor=user,
                obj=issue,
                action="key.issue_void",
                from_state="issued",
                to_state="voided",
                reason="启用码连续错误",
            )
        issue.save(update_fields=["failed_attempts", "voided_at"])
    raise KeyRefused("启用码不正确。", code="key.bad_code")


def device_register(
    *,
    user,
    model: str,
    kind: str,
    credential_id: str,
    public_key,
    cose_public_key: bytes = b"",
    sign_count: int = 0,
    rp_id: str = "",
    issue: KeyIssue | None = None,
    validity_days: int | None = None,
) -> KeyDevice:
    """Record a key whose private half stays with the user, and certify its public key.

    The device starts with the model's initial PIN, which must be changed at first login
    (000 §一(二)3–4). A previous key of the user is retired and its certificate revoked.
    """
    algorithm = algorithm_for_public_key(public_key)
    if KeyDevice.objects.filter(credential_id=credential_id).exists():
        raise KeyRefused("该密钥已登记。", code="key.duplicate")
    with transaction.atomic():
        if issue is not None:
            claimed = KeyIssue.objects.filter(pk=issue.pk, used_at__isnull=True).update(used_at=clock_now())
            if claimed != 1:
                raise KeyRefused("该启用码已使用。", code="key.issue_used")
        device = KeyDevice.objects.create(
            user=user,
            model=model,
            kind=kind,
            credential_id=credential_id,
            algorithm=algorithm.name,
            rp_id=rp_id,
            public_key_der=public_key.public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            cose_public_key=cose_public_key,
            sign_count=sign_count,
            pin_hash=make_password(INITIAL_PIN_BY_MODEL[model]),
            pin_must_change=True,
        )
        audit_record(actor=user, obj=device, action="key.enrol", to_state="active", data={"kind": kind, "model": model})
        certificate_issue(device=device, actor=user, validity_days=validity_days)
    return device


def certificate_issue(*, device: KeyDevice, actor, validity_days: int | None = None) -> Certificate:
    """Issue the X.509 certificate of a device; the user's earlier certificate is revoked first."""
    user = device.user
    institution = user.institution
    public_key = serialization.load_der_public_key(bytes(device.public_key_der))
    not_before = clock_now()
    not_after = not_before + dt.timedelta(days=validity_days or settings.CSDP_CERT_VALIDITY_DAYS)
    cert = ca.certificate_build(
        public_key=public_key,
        common_name=user.username,
        organization=institution.name if institution else "",
        uscc=institution.uscc if institution else "",
        not_before=not_before,
        not_after=not_after,
    )
    with transaction.atomic():
        for old in (
            Certificate.objects.select_for_update().filter(user=user, status=CertificateStatus.ACTIVE).order_by("pk")
        ):
            certificate_revoke(certificate=old, reason="已启用新 USB-KEY，原证书作废", actor=actor)
        certificate = Certificate.objects.create(
            serial=format(cert.serial_number, "x"),
            subject=cert.subject.rfc4514_string(),
            not_before=not_before,
            not_after=not_after,
            pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
            device=device,
            user=user,
            institution=institution,
        )
        audit_record(
            actor=actor,
            obj=certificate,
            action="certificate.issue",
            to_state=CertificateStatus.ACTIVE,
            data={"serial": certificate.serial, "not_after": not_after.isoformat()},
        )
    return certificate


def certificate_revoke(*, certificate: Certificate, reason: str, actor) -> Certificate:
    """Void a certificate and its key; the CRL is regenerated after commit."""
    now = clock_now()
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.status == CertificateStatus.REVOKED:
            return certificate
        previous = certificate.status
        certificate.status = CertificateStatus.REVOKED
        certificate.revoked_at = now
        certificate.revocation_reason = reason[:200]
        certificate.save(update_fields=["status", "revoked_at", "revocation_reason"])
        KeyDevice.objects.filter(pk=certificate.device_id, retired_at__isnull=True).update(retired_at=now)
        audit_record(
            actor=actor,
            obj=certificate,
            action="certificate.revoke",
            from_state=previous,
            to_state=CertificateStatus.REVOKED,
            reason=reason,
        )
        transaction.on_commit(crl_publish)
    return certificate


def certificate_mark_expired(*, certificate: Certificate) -> None:
    """Record that an active certificate has passed its expiry (noticed at login or signing)."""
    with transaction.atomic():
        updated = Certificate.objects.filter(pk=certificate.pk, status=CertificateStatus.ACTIVE).update(
            status=CertificateStatus.EXPIRED
        )
        if updated:
            audit_record(
                actor=None,
                obj=certificate,
                action="certificate.expire",
                from_state=CertificateStatus.ACTIVE,
                to_state=CertificateStatus.EXPIRED,
            )
    certificate.status = CertificateStatus.EXPIRED


def crl_current() -> x509.CertificateRevocationList:
    revoked = (
        Certificate.objects.filter(status=CertificateStatus.REVOKED).order_by("pk").values_list("serial", "revoked_at")
    )
    return ca.crl_build(revoked=[(int(serial, 16), at) for serial, at in revoked], now=clock_now())


def crl_publish() -> None:
    ca.crl_write(crl_current())


def challenges_purge(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Delete challenges expired for a while: a used or expired challenge can never be accepted again,
    and stored signatures keep their own nonce."""
    deleted, _ = SigningChallenge.objects.filter(expires_at__lt=clock_now() - older_than).delete()
    return deleted
