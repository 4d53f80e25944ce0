"""Sending SMS and e-mail. Every message is first written to the outbox in the caller's transaction;
a backend that does slow I/O (the SMS gateway, SMTP) runs in a task queued after commit, so a
rolled-back business write never sends anything and a slow gateway never holds a transaction open.
"""

from __future__ import annotations

import logging

import re
import smtplib
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F

from csdp.clock.services import clock_now

from csdp.notify.backends import OUTBOX_ID_HEADER, Delivery, email_in_process, sms_backend
from csdp.notify.models import MESSAGE_TRANSITIONS, Channel, MessageStatus, OutboxMessage

MOBILE_RE = re.compile(r"^1\d{10}$")  # mainland mobile numbers: 11 digits starting with 1
REDACTED_BODY = "（含验证码或口令，发送后已隐去，原文 {chars} 字）"
SMS_SIGNATURE = "【中国结算】"
# Two punctuation marks in a row where one was meant ("。。", "：。", "，。"): the second one wins.
_DOUBLED_PUNCTUATION = re.compile(r"[，,：:；;。.！!]+(?=[，,：:；;。.！!])")


def sms_text(text: str) -> str:
    """One signature, at the front, and no doubled punctuation: callers compose texts from a subject
    and a body that may each carry the signature or end in punctuation."""
    body = (text or "").replace(SMS_SIGNATURE, "").strip()
    body = _DOUBLED_PUNCTUATION.sub("", body)
    return f"{SMS_SIGNATURE}{body}"


def email_body(body: str) -> str:
    """An e-mail carries its sender; the SMS signature inside it is noise."""
    return _DOUBLED_PUNCTUATION.sub("", (body or "").replace(SMS_SIGNATURE, "").strip())


def notify_sms(*, mobile: str, text: str, purpose: str, user=None, sensitive: bool = False) -> OutboxMessage:
    """Queue one SMS. ``sensitive`` (codes, passwords): once a real gateway has it, the stored body is erased."""
    mobile = (mobile or "").strip()
    if not MOBILE_RE.match(mobile):
        raise ValueError(f"not a mobile number: {mobile!r}")
    message = OutboxMessage.objects.create(
        channel=Channel.SMS, recipient=mobile, body=sms_text(text), purpose=purpose, user=user, sensitive=sensitive
    )
    _dispatch(message, in_process=sms_backend().in_process)
    return message


def notify_email(*, to: str, subject: str, body: str, purpose: str, user=None) -> OutboxMessage:
    to = (to or "").strip()
    if "@" not in to:
        raise ValueError(f"not an e-mail address: {to!r}")
    message = OutboxMessage.objects.create(
        channel=Channel.EMAIL,
        recipient=to,
        subject=subject.replace(SMS_SIGNATURE, "")[:200],
        body=email_body(body),
        purpose=purpose,
        user=user,
    )
    _dispatch(message, in_process=email_in_process())
    return message


def notify_user(*, user, subject: str, body: str, purpose: str) -> list[OutboxMessage]:
    """An SMS to user.mobile and an e-mail to user.email, each where present."""
    messages = []
    if user.mobile and MOBILE_RE.match(user.mobile):
        messages.append(notify_sms(mobile=user.mobile, text=f"{subject}：{body}", purpose=purpose, user=user))
    if user.email:
        messages.append(notify_email(to=user.email, subject=subject, body=body, purpose=purpose, user=user))
    return messages


def _dispatch(message: OutboxMessage, *, in_process: bool) -> None:
    if in_process:
        # Storing the row is the delivery; it commits or rolls back with the caller's work.
        _record(message.pk, Delivery(ok=True), redact=False)
        message.refresh_from_db()
    else:
        transaction.on_commit(partial(_enqueue, message.pk))


def _enqueue(message_id: int) -> None:
    from csdp.notify.tasks import deliver_message  # here: notify.tasks imports this module

    deliver_message.enqueue(message_id=message_id)


def message_deliver(*, message_id: int) -> str:
    """Deliver one queued message through the configured backend (the task body). Returns the status.

    The row is claimed by bumping ``attempts`` on a queued row, so two workers never both send it;
    the I/O happens outside any transaction.
    """
    message = OutboxMessage.objects.filter(pk=message_id).first()
    if message is None or message.status != MessageStatus.QUEUED:
        return message.status if message else "missing"
    claimed = OutboxMessage.objects.filter(
        pk=message_id, status=MessageStatus.QUEUED, attempts=message.attempts
    ).update(attempts=F("attempts") + 1)
    if not claimed:
        return "claimed"
    if message.channel == Channel.SMS:
        delivery = sms_backend().send(
            message_id=message.pk, to=message.recipient, text=message.body, purpose=message.purpose
        )
    else:
        delivery = _send_email(message)
    return _record(message_id, delivery, redact=True)


def _send_email(message: OutboxMessage) -> Delivery:
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers={OUTBOX_ID_HEADER: str(message.pk)},
    )
    try:
        sent = get_connection(fail_silently=False).send_messages([email])
    except (smtplib.SMTPException, OSError, ValueError) as error:
        return Delivery(ok=False, error=f"{type(error).__name__}: {error}"[:1000])
    return Delivery(ok=True) if sent else Delivery(ok=False, error="邮件后端未接受该邮件。")


@transaction.atomic
def _record(message_id: int, delivery: Delivery, *, redact: bool) -> str:
    if not delivery.ok:
        logging.getLogger("csdp.notify").warning(
            "notification failed",
            extra={"event": "notification_failed", "message_id": message_id, "error": delivery.error},
        )
    message = OutboxMessage.objects.select_for_update().get(pk=message_id)
    target = MessageStatus.SENT if delivery.ok else MessageStatus.FAILED
    if target not in MESSAGE_TRANSITIONS[message.status]:
        return message.status  # already settled by someone else: keep the first outcome
    message.status = target
    message.error = delivery.error
    message.provider_ref = delivery.provider_ref
    message.sent_at = clock_now() if delivery.ok else None
    message.attempts = max(message.attempts, 1)
    if redact and message.sensitive:
        # The gateway has the secret now (or never will); staff reading the outbox must not see it.
        # The whole body goes: a secret may be a code, a temporary password or a username.
        message.body = REDACTED_BODY.format(chars=len(message.body))
    message.save(update_fields=["status", "error", "provider_ref", "sent_at", "attempts", "body"])
    return message.status
