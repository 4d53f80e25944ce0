"""The USB-KEY as a real key pair held by the user: the device, its certificate, the enrolment code
that stands for mailing the key, the single-use challenges it signs and the signatures it made.

The private key never reaches the server: a FIDO2/WebAuthn authenticator (production) or a
non-extractable WebCrypto key in the browser's IndexedDB (demo and tests only).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


def _members_own(queryset, user, institution_field: str = "institution"):
    """Staff see everything; a member sees the rows of their own institution; others nothing."""
    if not user.is_authenticated:
        return queryset.none()
    if user.staff_role:
        return queryset
    if user.institution_id:
        return queryset.filter(**{f"{institution_field}_id": user.institution_id})
    return queryset.none()


class KeyModel(models.TextChoices):
    # 000 §一(二)4: 灰色型号初始 PIN 123456，白色型号初始 PIN 12345678
    GREY = "grey", "灰色型号"
    WHITE = "white", "白色型号"


INITIAL_PIN_BY_MODEL = {KeyModel.GREY: "123456", KeyModel.WHITE: "12345678"}


class KeyKind(models.TextChoices):
    WEBAUTHN = "webauthn", "FIDO2 安全密钥"  # production: hardware authenticator, user verification required
    SOFTWARE = "software", "软件密钥（演示）"  # WebCrypto P-256 in IndexedDB; only where CSDP_SOFTWARE_KEY_ALLOWED


class KeyDeviceQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _members_own(self, user, "user__institution")


class KeyDevice(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="key_devices")
    model = models.CharField("型号", max_length=10, choices=KeyModel.choices)
    kind = models.CharField("类型", max_length=10, choices=KeyKind.choices)
    # WebAuthn credential id, or the id the browser gave its software key (base64url).
    credential_id = models.CharField(max_length=512, unique=True)
    algorithm = models.CharField("签名算法", max_length=20, default="ES256")  # csdp.keys.algorithms registry
    rp_id = models.CharField(max_length=255, blank=True)  # WebAuthn relying party the credential is scoped to
    public_key_der = models.BinaryField()  # SubjectPublicKeyInfo, what the certificate binds
    cose_public_key = models.BinaryField(default=b"")  # WebAuthn only: what py_webauthn verifies against
    sign_count = models.BigIntegerField(default=0)
    pin_hash = models.CharField(max_length=256)  # Django password hasher; the PIN itself is never stored
    pin_must_change = models.BooleanField(default=True)  # 000 §一(二)3: 请修改 PIN 码
    failed_pins = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)  # 000 §一(二)4(2): 连续输错 6 次 PIN 码锁死
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)  # replaced or revoked: never usable again

    objects = KeyDeviceQuerySet.as_manager()

    class Meta:
        verbose_name = "USB-KEY"

    def __str__(self) -> str:
        return f"{self.get_model_display()} {self.get_kind_display()} #{self.pk}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class CertificateStatus(models.TextChoices):
    ACTIVE = "active", "有效"  # within validity, not revoked
    EXPIRED = "expired", "已过期"  # not_after passed (recorded when first noticed)
    REVOKED = "revoked", "已作废"  # published in the CRL; the key is void (lost, replaced, staff decision)


class CertificateQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _members_own(self, user)


class Certificate(models.Model):
    serial = models.CharField("证书序列号", max_length=64, unique=True)  # hex, as in the CRL
    subject = models.CharField("证书主题", max_length=500)
    not_before = models.DateTimeField("生效时间")
    not_after = models.DateTimeField("证书到期日期")
    status = models.CharField(
        "状态", max_length=10, choices=CertificateStatus.choices, default=CertificateStatus.ACTIVE
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField("作废原因", max_length=200, blank=True)
    pem = models.TextField()
    device = models.ForeignKey(KeyDevice, on_delete=models.PROTECT, related_name="certificates")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates")
    institution = models.ForeignKey(
        "accounts.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = "数字证书"
        constraints = [
            # One usable certificate per user: a new enrolment revokes the old one.
            models.UniqueConstraint(
                fields=["user"], condition=Q(status="active"), name="certificate_one_active_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.serial})"


class KeyIssueQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _members_own(self, user, "user__institution")


class KeyIssue(models.Model):
    """An enrolment code sent to the agent's mobile: the platform's stand-in for mailing the key."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="key_issues")
    model = models.CharField("型号", max_length=10, choices=KeyModel.choices)
    code_hash = models.CharField(max_length=64)  # HMAC-SHA-256 of the code; the code lives only in the SMS
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)  # too many wrong codes, or superseded
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = KeyIssueQuerySet.as_manager()

    class Meta:
        verbose_name = "USB-KEY 发放"


class SigningChallengeQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(user=user) if user.is_authenticated else self.none()


class SigningChallenge(models.Model):
    """A fresh server nonce bound to one digest and one user; the key signs SHA-256(nonce ‖ digest)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=10)  # "login", "sign", "enrol"
    digest = models.CharField(max_length=64)
    nonce = models.CharField(max_length=64)  # 32 random bytes, hex
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)  # single use: set atomically on first verify

    objects = SigningChallengeQuerySet.as_manager()


class SignatureQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _members_own(self, user)


class Signature(models.Model):
    """A signed business submission. Apps keep a FK to this row; staff re-check it with verify()."""

    class Method(models.TextChoices):
        KEY = "key", "USB-KEY 签名"
        NONE = "none", "未签名（该类用户暂不要求 USB-KEY）"  # CSDP_KEY_REQUIRED_KINDS

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(
        "accounts.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.KEY)
    certificate = models.ForeignKey(
        Certificate, null=True, blank=True, on_delete=models.PROTECT, related_name="signatures"
    )
    digest = models.CharField("内容摘要", max_length=64)
    nonce = models.CharField(max_length=64, blank=True)
    algorithm = models.CharField(max_length=20, blank=True)
    kind = models.CharField(max_length=10, choices=KeyKind.choices, blank=True)
    signature = models.BinaryField(default=b"")  # DER ECDSA signature
    authenticator_data = models.BinaryField(default=b"")  # WebAuthn only
    client_data_json = models.BinaryField(default=b"")  # WebAuthn only
    signed_at = models.DateTimeField()

    objects = SignatureQuerySet.as_manager()

    def verify(self) -> bool:
        """Re-check the stored signature against its certificate and the platform CA."""
        from csdp.keys.verify import signature_recheck  # here: keys.verify imports these models

        return signature_recheck(self)
