"""The payment notice's state machine (style habit 8): one status class, one transitions dict."""
from __future__ import annotations

from django.db import models
from csdp.lib.errors import CsdpError


class NoticeStatus(models.TextChoices):
    ISSUED = "issued", "待缴费"  # issued to the payer; the money has not been recorded yet
    PAID = "paid", "已缴费"  # the full amount arrived and staff recorded it; the invoice is due
    INVOICED = "invoiced", "已开票"  # the invoice is issued and sent or mailed (final)
    CANCELLED = "cancelled", "已作废"  # withdrawn by staff before any payment (final)


NOTICE_TRANSITIONS: dict[str, set[str]] = {
    NoticeStatus.ISSUED: {NoticeStatus.PAID, NoticeStatus.CANCELLED},
    NoticeStatus.PAID: {NoticeStatus.INVOICED},
    NoticeStatus.INVOICED: set(),
    NoticeStatus.CANCELLED: set(),
}
OPEN_STATES = frozenset({NoticeStatus.ISSUED, NoticeStatus.PAID})  # the notice still needs someone to act


class FeeRefused(CsdpError):
    """A fee rule or a transition refused the request; ``message`` is shown to the user (Chinese)."""

    code = "fees.refused"


def check_transition(current: str, target: str) -> None:
    if target not in NOTICE_TRANSITIONS.get(current, set()):
        raise FeeRefused(f"付款通知当前状态为“{NoticeStatus(current).label}”，不能变更为“{NoticeStatus(target).label}”。")
