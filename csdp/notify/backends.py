"""Delivery backends.

SMS (settings.CSDP_SMS_BACKEND):
- "outbox": the message stays in the database as delivered. Demo, development and tests: a person
  reads the codes on the outbox page (or the demo login page), tests with csdp.notify.testing.
- "http": a generic JSON adapter for an SMS gateway (docs/notifications.md): POST
  {"to", "text", "purpose", "id"} to CSDP_SMS_HTTP_URL with ``Authorization: Bearer <token>``;
  any 2xx is success, anything else (or a timeout) fails the message with the error recorded.

E-mail goes through Django's EMAIL_BACKEND: ``OutboxEmailBackend`` below (the default: stored in
the outbox) or Django's SMTP backend in production.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

from csdp.clock.services import clock_now
from csdp.notify.models import Channel, MessageStatus, OutboxMessage

OUTBOX_ID_HEADER = "X-CSDP-Outbox-Id"
ERROR_BODY_CHARS = 300  # how much of a gateway's error answer is kept on the message


@dataclass(frozen=True)
class Delivery:
    ok: bool
    error: str = ""
    provider_ref: str = ""


class OutboxSmsBackend:
    """Keeps the message in the database: storing it is the delivery, so nothing waits for commit."""

    in_process = True

    def send(self, *, message_id: int, to: str, text: str, purpose: str) -> Delivery:
        return Delivery(ok=True)


class HttpSmsBackend:
    """POSTs one JSON object per message to the gateway; runs in a task after commit (slow I/O)."""

    in_process = False

    def __init__(self, *, url: str, token: str, timeout_s: int):
        self.url, self.token, self.timeout_s = url, token, timeout_s

    def send(self, *, message_id: int, to: str, text: str, purpose: str) -> Delivery:
        if not self.url:
            return Delivery(ok=False, error="未配置短信网关地址 CSDP_SMS_HTTP_URL。")
        payload = json.dumps({"to": to, "text": text, "purpose": purpose, "id": str(message_id)}, ensure_ascii=False)
        request = urllib.request.Request(self.url, data=payload.encode(), method="POST")
        request.add_header("Content-Type", "application/json; charset=utf-8")
        request.add_header("Accept", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                status, answer = response.status, response.read(64 * 1024)
        except urllib.error.HTTPError as error:
            detail = error.read(ERROR_BODY_CHARS).decode("utf-8", "replace")
            return Delivery(ok=False, error=f"HTTP {error.code}: {detail}".strip())
        except TimeoutError:
            return Delivery(ok=False, error=f"短信网关超时（{self.timeout_s} 秒）。")
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            if isinstance(reason, (TimeoutError, socket.timeout)):
                return Delivery(ok=False, error=f"短信网关超时（{self.timeout_s} 秒）。")
            return Delivery(ok=False, error=f"无法连接短信网关：{reason}")
        if not 200 <= status < 300:
            return Delivery(ok=False, error=f"HTTP {status}: {answer[:ERROR_BODY_CHARS].decode('utf-8', 'replace')}")
        return Delivery(ok=True, provider_ref=_provider_ref(answer))


def _provider_ref(answer: bytes) -> str:
    """The gateway's own message id, when it answers {"id": ...} (optional in the adapter)."""
    try:
        data = json.loads(answer or b"null")
    except ValueError:
        return ""
    if isinstance(data, dict) and data.get("id") is not None:
        return str(data["id"])[:100]
    return ""


def sms_backend() -> OutboxSmsBackend | HttpSmsBackend:
    if settings.CSDP_SMS_BACKEND == "http":
        return HttpSmsBackend(
            url=settings.CSDP_SMS_HTTP_URL,
            token=settings.CSDP_SMS_HTTP_TOKEN,
            timeout_s=settings.CSDP_SMS_HTTP_TIMEOUT_S,
        )
    return OutboxSmsBackend()


def email_in_process() -> bool:
    """True when e-mail goes to the outbox: storing is the delivery, so nothing waits for commit."""
    return f"{__name__}.OutboxEmailBackend" == settings.EMAIL_BACKEND


class OutboxEmailBackend(BaseEmailBackend):
    """A Django e-mail backend that stores messages in the outbox instead of sending them.

    Messages queued by csdp.notify.services carry the outbox row's id in a header: that row already
    holds the message, and the service marks it sent. Mail sent by Django itself (send_mail and the
    like) gets one new row per recipient, marked sent.
    """

    def send_messages(self, email_messages) -> int:
        count = 0
        for email in email_messages:
            recipients = email.recipients()
            if not recipients:
                continue
            if OUTBOX_ID_HEADER not in email.extra_headers:
                now = clock_now()
                OutboxMessage.objects.bulk_create(
                    OutboxMessage(
                        channel=Channel.EMAIL,
                        recipient=address,
                        subject=str(email.subject)[:200],
                        body=str(email.body),
                        purpose="django_mail",
                        status=MessageStatus.SENT,
                        attempts=1,
                        sent_at=now,
                    )
                    for address in recipients
                )
            count += 1
        return count
