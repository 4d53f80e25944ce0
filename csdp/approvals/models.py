"""Four-eyes approvals: an operator prepares the effect of a business, a different reviewer approves it.

The approval carries the prepared effect (``payload``) so that what the reviewer approves is exactly
what is applied; the owning app's ``apply`` reads it. Status moves only through ``MACHINE``; every move
is a row in ``ApprovalTransition`` (append-only in the database, migration 0002).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from csdp.lib.statemachine import STAFF, SYSTEM, Machine, TransitionRow


class Status(models.TextChoices):
    PREPARED = "prepared", "待复核"  # an operator prepared it; a different staff user must approve or reject
    APPROVED = "approved", "已复核待执行"  # approved; its effect applies at the end of day of its effective date
    APPLIED = "applied", "已执行"  # the effect is on the register / ledger; final
    REJECTED = "rejected", "已驳回"  # the reviewer refused it, with a reason; final
    CANCELLED = "cancelled", "已撤销"  # the preparer withdrew it before review; final
    FAILED = "failed", "执行失败"  # applying it at the end of day was refused; nothing changed; staff see why


MACHINE = Machine(
    Status,
    {
        Status.PREPARED: {
            Status.APPROVED: {STAFF},
            Status.APPLIED: {STAFF},  # approved and applied at once (effective today)
            Status.REJECTED: {STAFF},
            Status.CANCELLED: {STAFF},
        },
        Status.APPROVED: {Status.APPLIED: {SYSTEM, STAFF}, Status.FAILED: {SYSTEM}},
        Status.FAILED: {Status.APPROVED: {STAFF}, Status.REJECTED: {STAFF}},  # retry after the facts change
    },
)
OPEN = frozenset({Status.PREPARED, Status.APPROVED, Status.FAILED})


class ApprovalQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self if user.is_authenticated and user.staff_role else self.none()


class Approval(models.Model):
    kind = models.CharField("业务类型", max_length=40)
    key = models.CharField("幂等键", max_length=120, unique=True)
    summary = models.CharField("摘要", max_length=300)
    payload = models.JSONField("待执行内容", default=dict)
    subject_type = models.CharField("对象类型", max_length=100, blank=True)
    subject_id = models.CharField("对象编号", max_length=64, blank=True)
    effective_date = models.DateField("生效日期", null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.PREPARED)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField("经办时间")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField("复核时间", null=True, blank=True)
    applied_at = models.DateTimeField("执行时间", null=True, blank=True)
    result = models.JSONField("执行结果", default=dict, blank=True)
    failure = models.TextField("失败原因", blank=True)

    objects = ApprovalQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = "复核"
        indexes = [
            models.Index(fields=["status", "effective_date"]),
            models.Index(fields=["subject_type", "subject_id"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.summary}"


class ApprovalTransition(TransitionRow):
    machine = MACHINE
    approval = models.ForeignKey(Approval, on_delete=models.PROTECT, related_name="transitions")

    class Meta(TransitionRow.Meta):
        verbose_name = "复核状态变更"
