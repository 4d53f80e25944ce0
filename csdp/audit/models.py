from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user.is_authenticated and user.staff_role:
            return self
        return self.none()

    def for_object(self, obj):
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))


class AuditEvent(models.Model):
    """One state change of a business object: who, when, from → to, why.

    Append-only: rows are never updated or deleted (PostgreSQL triggers refuse it, migration 0002),
    and each row carries the SHA-256 of its content and of the previous row, so that an edit or a
    deletion anywhere breaks the chain and `csdp audit verify` names the first broken row.
    """

    seq = models.BigIntegerField("序号", unique=True)
    at = models.DateTimeField("时间")  # real wall time of the write
    business_at = models.DateTimeField("业务时间")  # the business clock at the write (demo/test may differ)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    actor_label = models.CharField("操作人", max_length=150)  # kept even if the user is renamed
    object_type = models.CharField("对象类型", max_length=100, db_index=True)
    object_id = models.CharField("对象编号", max_length=64)
    action = models.CharField("动作", max_length=64)
    from_state = models.CharField("原状态", max_length=40, blank=True)
    to_state = models.CharField("新状态", max_length=40, blank=True)
    reason = models.TextField("原因", blank=True)
    data = models.JSONField("数据", default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id", "seq"])]
        verbose_name = "审计记录"


class AuditHead(models.Model):
    """The single row locked by every writer, so that the chain is extended one row at a time."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
