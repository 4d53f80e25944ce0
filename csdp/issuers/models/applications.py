from __future__ import annotations

from django.conf import settings
from django.db import models

from csdp.issuers.models.profile import _InstitutionOwnedQuerySet
from csdp.issuers.states import APPLICATION_MACHINE, ApplicationStatus
from csdp.lib.statemachine import TransitionRow


class InfoChangeApplication(models.Model):
    """A 本机构信息维护 application changing key fields (000 §二(二)): materials, staff review, and
    on approval a new InstitutionInfoVersion effective the day after."""

    institution = models.ForeignKey("accounts.Institution", on_delete=models.PROTECT, related_name="info_applications")
    status = models.CharField(
        "状态", max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    proposed = models.JSONField("申请变更为")  # every key field, dates as ISO strings
    previous = models.JSONField("变更前")  # the key fields in force when (re)submitted, for the reviewer
    materials = models.ManyToManyField("uploads.StoredFile", related_name="+")
    signature = models.ForeignKey("keys.Signature", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField("提交时间")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.TextField("驳回原因", blank=True)
    effective_from = models.DateField("生效日期", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = _InstitutionOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = "本机构信息变更申请"
        indexes = [models.Index(fields=["institution", "status"]), models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return f"本机构信息变更申请 #{self.pk}"


class InfoChangeTransition(TransitionRow):
    """Append-only (in the database too): one row per state change of an information-change application."""

    machine = APPLICATION_MACHINE
    application = models.ForeignKey(InfoChangeApplication, on_delete=models.PROTECT, related_name="transitions")
    actor_label = models.CharField(max_length=150)

    class Meta:
        ordering = ["at", "id"]
