"""The payment notice's state machine (style habit 8): one status class, one transitions dict."""

from __future__ import annotations

from django.db import models

from csdp.lib.errors import CsdpError
from csdp.lib.statemachine import Machine, TransitionRefused


class NoticeStatus(models.TextChoices):
    ISSUED = "issued", "待缴费"  # issued to the payer; the money has not been recorded yet
    PAID = "paid", "已缴费"  # the full amount arrived and staff recorded it; the invoice is due
    INVOICED = "invoiced", "已开票"  # the invoice is issued and sent or mailed (final)
    CANCELLED = "cancelled", "已作废"  # withdrawn by staff before any payment (final)


class FeeRefused(CsdpError):
    """A fee rule or a transition refused the request; ``message`` is shown to the user (Chinese)."""

    code = "fees.refused"


class NoticeTransitionRefused(TransitionRefused, FeeRefused):
    code = "fees.transition_refused"


NOTICE_MACHINE = Machine(
    NoticeStatus,
    {
        NoticeStatus.ISSUED: {NoticeStatus.PAID, NoticeStatus.CANCELLED},
        NoticeStatus.PAID: {NoticeStatus.INVOICED},
    },
    error=NoticeTransitionRefused,
)
NOTICE_TRANSITIONS = NOTICE_MACHINE.transitions
OPEN_STATES = frozenset({NoticeStatus.ISSUED, NoticeStatus.PAID})  # the notice still needs someone to act
check_transition = NOTICE_MACHINE.check
