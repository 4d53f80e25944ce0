"""Reads of the outbox: the staff page and the demo login page."""

from __future__ import annotations

from django.conf import settings

from csdp.notify.models import Channel, OutboxMessage
from csdp.notify.testing import CODE_IN_SMS_RE

DEMO_RECENT_CODES = 8
DEMO_SCAN = 200  # how many recent SMS with a code the demo panel looks through


def outbox_list(*, user, channel: str = "", purpose: str = "", recipient: str = "", status: str = ""):
    messages = OutboxMessage.objects.visible_to(user).select_related("user")
    if channel:
        messages = messages.filter(channel=channel)
    if purpose:
        messages = messages.filter(purpose=purpose)
    if recipient:
        messages = messages.filter(recipient__icontains=recipient)
    if status:
        messages = messages.filter(status=status)
    return messages.order_by("-id")


def outbox_purposes(*, user) -> list[str]:
    return list(OutboxMessage.objects.visible_to(user).order_by("purpose").values_list("purpose", flat=True).distinct())


def demo_outbox_recent() -> list[dict]:
    """The latest SMS code of each (mobile, purpose), for the demo login page only (CSDP_DEMO): a demo
    has no phone to read them on. Only messages carrying a code are read, and a newer code of the same
    kind for the same phone replaces the older, so a USB-KEY's enrolment code is not pushed out by a few
    login codes. Empty everywhere else."""
    if not settings.CSDP_DEMO:
        return []
    recent = (
        OutboxMessage.objects.filter(channel=Channel.SMS, body__contains="验证码为")
        .order_by("-id")
        .values("recipient", "purpose", "body", "created_at")[:DEMO_SCAN]
    )
    out: dict[tuple[str, str], dict] = {}
    for message in recent:
        match = CODE_IN_SMS_RE.search(message["body"])
        if match and (message["recipient"], message["purpose"]) not in out:
            out[(message["recipient"], message["purpose"])] = {
                "mobile": message["recipient"],
                "purpose": message["purpose"],
                "code": match.group(1),
                "created_at": message["created_at"],
            }
        if len(out) == DEMO_RECENT_CODES:
            break
    return list(out.values())
