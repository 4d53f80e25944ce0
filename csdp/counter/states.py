"""The state machine of a counter application, written in one place (style habit 8).

Seed 000 §三: the filer submits (一), staff handle and may return it with an opinion asking to
modify or confirm documents (二), results come back as report files that the filer confirms,
which finishes the application (三).
"""

from __future__ import annotations

from django.db import models

from csdp.lib.errors import CsdpError
from csdp.lib.statemachine import ANYONE, STAFF, SYSTEM, Machine
from csdp.lib.statemachine import TransitionRefused as BaseTransitionRefused


class Status(models.TextChoices):
    DRAFT = "draft", "待确认提交"  # filled in, attachments stored; awaits the agent's confirmation and signature
    SUBMITTED = "submitted", "待受理"  # signed and submitted (or resubmitted); waits for staff
    RETURNED = "returned", "退回待处理"  # staff returned it with an opinion: modify or confirm documents
    ACCEPTED = "accepted", "办理中"  # staff accepted it and are handling it; results are being prepared
    RESULT_ISSUED = "result_issued", "待确认结果"  # result reports sent back; the filer views and confirms
    FINISHED = "finished", "办结"  # the filer confirmed the results; read-only from now on
    # the filer withdrew it before staff accepted it, or the depository ended it after accepting it because the
    # business it started was withdrawn through its own four-eyes (a 权益分派's 撤销); read-only
    WITHDRAWN = "withdrawn", "已撤回"


class CounterError(CsdpError):
    """A refused counter action; ``message`` is Chinese and shown to the user."""

    code = "counter.refused"


class TransitionRefused(BaseTransitionRefused, CounterError):
    code = "counter.transition_refused"


# from-state → the states it may move to (and, where it matters, who). Nothing else moves an application.
MACHINE = Machine(
    Status,
    {
        Status.DRAFT: {Status.SUBMITTED: ANYONE, Status.WITHDRAWN: ANYONE},
        Status.SUBMITTED: {Status.ACCEPTED: ANYONE, Status.RETURNED: ANYONE, Status.WITHDRAWN: ANYONE},
        Status.RETURNED: {Status.SUBMITTED: ANYONE, Status.WITHDRAWN: ANYONE},
        # once accepted the filer can no longer withdraw: only the depository ends it (handling.application_withdraw_accepted)
        Status.ACCEPTED: {Status.RESULT_ISSUED: ANYONE, Status.RETURNED: ANYONE, Status.WITHDRAWN: {STAFF, SYSTEM}},
        Status.RESULT_ISSUED: {Status.FINISHED: ANYONE},
    },
    error=TransitionRefused,
)
TRANSITIONS = MACHINE.transitions

# Derived sets used by lists and pages.
FINAL = MACHINE.final
FILER_TURN = frozenset({Status.DRAFT, Status.RETURNED, Status.RESULT_ISSUED})  # the filer is expected to act
STAFF_TURN = frozenset({Status.SUBMITTED, Status.ACCEPTED})  # staff are expected to act

check_transition = MACHINE.check
