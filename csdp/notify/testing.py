"""Helpers for tests of other apps. Works only with the outbox SMS backend (the test default),
which keeps the SMS body — and so the code — in the outbox."""

from __future__ import annotations

import re

from csdp.notify.captcha import captcha_store
from csdp.notify.models import Channel, OutboxMessage

CODE_IN_SMS_RE = re.compile(r"验证码为\s*(\d{6})")


def last_code(mobile: str) -> str:
    """The code in the latest verification-code SMS sent to ``mobile``; AssertionError if none."""
    bodies = (
        OutboxMessage.objects.filter(channel=Channel.SMS, recipient=mobile.strip())
        .order_by("-id")
        .values_list("body", flat=True)
    )
    for body in bodies.iterator():
        match = CODE_IN_SMS_RE.search(body)
        if match:
            return match.group(1)
    raise AssertionError(f"no verification code was sent to {mobile}")


def captcha_solve(client, answer: str = "HK7W") -> str:
    """Give a test Client's session a captcha whose answer is known; returns the answer to post."""
    session = client.session
    captcha_store(session, answer)
    session.save()
    return answer
