"""Applications about the key itself (seed 000 §二(四)(六)(七)): renewal before expiry, reissue of a
lost key, and the username-lookup, password-reset and PIN-reset requests, reviewed by staff."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from csdp.keys.errors import ApplicationTransitionRefused
from csdp.lib.statemachine import Machine, TransitionRow


class KeyApplicationKind(models.TextChoices):
    RENEWAL = "renewal", "USB-KEY 更换（证书到期）"  # 000 §二(四)3
    REISSUE = "reissue", "补办证书（USB-KEY 遗失）"  # 000 §二(六)
    USERNAME_LOOKUP = "username_lookup", "用户名查询"  # 000 §二(七)
    PASSWORD_RESET = "password_reset", "重置登录密码"  # 000 §二(七)
    PIN_RESET = "pin_reset", "重置 PIN 码（含锁死解锁）"  # 000 §二(七)


class KeyApplicationState(models.TextChoices):
    SUBMITTED = "submitted", "待审核"  # filed with its materials, waiting for a reviewer
    APPROVED = "approved", "审核通过"  # approved and carried out (key issued, PIN reset, …)
    REJECTED = "rejected", "已驳回"  # refused with a reason; the applicant files a new one


MACHINE = Machine(
    KeyApplicationState,
    {
        KeyApplicationState.SUBMITTED: {KeyApplicationState.APPROVED, KeyApplicationState.REJECTED},
    },
    error=ApplicationTransitionRefused,
)
TRANSITIONS = MACHINE.transitions


class KeyApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.staff_role:
            return self
        if user.institution_id:
            return self.filter(institution_id=user.institution_id)
        return self.none()


class KeyApplication(models.Model):
    kind = models.CharField("申请类型", max_length=20, choices=KeyApplicationKind.choices)
    state = models.CharField(
        "状态", max_length=10, choices=KeyApplicationState.choices, default=KeyApplicationState.SUBMITTED
    )
    # The user the application is about. Empty when a recovery request names nobody we know
    # (the page never tells an anonymous caller whether the match succeeded).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        "accounts.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    applicant_name = models.CharField("经办人姓名", max_length=100)
    applicant_mobile = models.CharField("经办人手机号码", max_length=11)
    claimed_uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    securities_code = models.CharField("证券代码", max_length=10, blank=True)
    postal_address = models.CharField("USB-KEY 寄送地址", max_length=300, blank=True)
    note = models.TextField("说明", blank=True)
    submitted_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField("审核意见", blank=True)
    materials = models.ManyToManyField("uploads.StoredFile", through="KeyApplicationMaterial", related_name="+")
    # The key's signature over the application (renewal is filed from a U盾 session); a reissue has
    # none — its key is lost — and the recovery requests come from people who cannot log in.
    signature = models.ForeignKey("keys.Signature", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = KeyApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = "USB-KEY 业务申请"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class _ThroughApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(application__in=KeyApplication.objects.visible_to(user))


class KeyApplicationTransition(TransitionRow):
    """Append-only: one row per state change (who, when, from, to, why)."""

    machine = MACHINE
    application = models.ForeignKey(KeyApplication, on_delete=models.PROTECT, related_name="transitions")

    objects = _ThroughApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]


class KeyApplicationMaterial(models.Model):
    """One required material of an application (its slot names which document it stands for)."""

    application = models.ForeignKey(KeyApplication, on_delete=models.PROTECT, related_name="material_rows")
    slot = models.CharField(max_length=20)
    label = models.CharField(max_length=100)
    file = models.ForeignKey("uploads.StoredFile", on_delete=models.PROTECT, related_name="+")

    objects = _ThroughApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
