"""私信 (004 §十五), 举报 (004 §十六) and moderation records (004 §四)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


def _is_staff(user) -> bool:
    return bool(user.is_authenticated and user.staff_role)


class ThreadQuerySet(models.QuerySet):
    def visible_to(self, user):
        # Never public: the two parties and staff moderators only (004 §十五).
        if _is_staff(user):
            return self
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(starter=user) | Q(recipient=user))


class Thread(models.Model):
    posting = models.ForeignKey("pledge.Posting", on_delete=models.PROTECT, related_name="threads")
    starter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    last_message_at = models.DateTimeField()

    objects = ThreadQuerySet.as_manager()

    class Meta:
        ordering = ["-last_message_at"]
        constraints = [models.UniqueConstraint(fields=["posting", "starter"], name="pledge_thread_once_per_user")]
        indexes = [
            models.Index(fields=["starter", "-last_message_at"]),
            models.Index(fields=["recipient", "-last_message_at"]),
        ]


class MessageQuerySet(models.QuerySet):
    def visible_to(self, user):
        if _is_staff(user):
            return self
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(thread__starter=user) | Q(thread__recipient=user))


class Message(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField("内容", max_length=2000)
    sent_at = models.DateTimeField()

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["id"]


class ReportStatus(models.TextChoices):
    OPEN = "open", "待处理"  # waits for an administrator
    HANDLED = "handled", "已处理"  # closed with the outcome; final


class ReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        if _is_staff(user):
            return self
        return self.filter(reporter=user) if user.is_authenticated else self.none()


class Report(models.Model):
    """举报: a posting or a message reported to the administrators (004 §十六)."""

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    posting = models.ForeignKey(
        "pledge.Posting", null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.PROTECT, related_name="reports")
    reason = models.TextField("举报理由", max_length=1000)
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN)
    outcome = models.CharField("处理结果", max_length=500, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    handled_at = models.DateTimeField(null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(posting__isnull=False) | Q(message__isnull=False), name="pledge_report_names_something"
            )
        ]


class ModerationKind(models.TextChoices):
    CORRECTION = "correction", "要求更正"  # a posting is sent back for correction (004 §四)
    RESTRICT = "restrict", "限制发布"  # the user's postings are taken off the board, no new ones
    UNRESTRICT = "unrestrict", "解除限制"
    SUSPEND = "suspend", "暂停使用"
    RESTORE = "restore", "恢复使用"
    END = "end", "终止使用"


class ModerationAction(models.Model):
    """Append-only record of every moderation measure with its notice (004 §四)."""

    target = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    posting = models.ForeignKey("pledge.Posting", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=ModerationKind.choices)
    reason = models.CharField("原因", max_length=500)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
