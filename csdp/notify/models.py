"""The outbox (every SMS and e-mail the platform sends) and the verification codes it sends.

Codes are stored only as an HMAC; the plain digits exist in the SMS body of the outbox row, which a
real (HTTP) delivery redacts once the gateway has taken the message (csdp.notify.services).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from csdp.clock.services import clock_now


class Channel(models.TextChoices):
    SMS = "sms", "短信"
    EMAIL = "email", "电子邮件"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "待发送"  # written in the caller's transaction; delivered by a task after commit
    SENT = "sent", "已发送"  # the backend took the message (the outbox backends: stored for reading)
    FAILED = "failed", "发送失败"  # the backend refused or timed out; `error` says why


# The one place that says which status changes are allowed (a failed message is not retried in place:
# a new message is queued instead, so the row keeps the error it met).
MESSAGE_TRANSITIONS: dict[str, frozenset[str]] = {
    MessageStatus.QUEUED: frozenset({MessageStatus.SENT, MessageStatus.FAILED}),
    MessageStatus.SENT: frozenset(),
    MessageStatus.FAILED: frozenset(),
}


class OutboxMessageQuerySet(models.QuerySet):
    def visible_to(self, user):
        # Depository staff only: messages carry other people's mobiles, addresses and codes.
        if user.is_authenticated and user.staff_role:
            return self
        return self.none()


class OutboxMessage(models.Model):
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    recipient = models.CharField("收件人", max_length=254, db_index=True)  # mobile or e-mail address
    subject = models.CharField("主题", max_length=200, blank=True)  # e-mail only
    body = models.TextField("内容")
    purpose = models.CharField("用途", max_length=50, db_index=True)  # e.g. "register", "login_sms"
    status = models.CharField("状态", max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    # Codes, temporary passwords, usernames: the body is erased once a real backend has taken it.
    sensitive = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    provider_ref = models.CharField("网关消息号", max_length=100, blank=True)
    error = models.TextField("错误", blank=True)
    # Business time (csdp.clock), like every time staff compare with a deadline; real time in production.
    created_at = models.DateTimeField("创建时间", default=clock_now, db_index=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox_messages",
    )

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        verbose_name = "外发消息"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["channel", "recipient", "-created_at"], name="outbox_recipient_recent")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient} ({self.purpose})"


class VerificationCode(models.Model):
    """One code sent to one mobile for one purpose. Only its HMAC is kept (csdp.notify.codes)."""

    purpose = models.CharField(max_length=50)
    mobile = models.CharField(max_length=11)
    salt = models.CharField(max_length=32)
    code_hmac = models.CharField(max_length=64)
    # Business-clock times (csdp.clock.services.clock_now), so tests can move time past the TTL.
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    # Set when too many wrong attempts were made, or when a newer code replaced this one.
    dead_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "验证码"
        indexes = [
            models.Index(fields=["mobile", "purpose", "-created_at"], name="code_mobile_purpose_recent"),
            models.Index(fields=["mobile", "-created_at"], name="code_mobile_recent"),
        ]
