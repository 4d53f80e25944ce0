"""The state machine of a counter application, written in one place (style habit 8).

Seed 000 §三: the filer submits (一), staff handle and may return it with an opinion asking to
modify or confirm documents (二), results come back as report files that the filer confirms,
which finishes the application (三).
"""
from __future__ import annotations

from django.db import models


class Status(models.TextChoices):
    DRAFT = "draft", "待确认提交"  # filled in, attachments stored; awaits the agent's confirmation and signature
    SUBMITTED = "submitted", "待受理"  # signed and submitted (or resubmitted); waits for staff
    RETURNED = "returned", "退回待处理"  # staff returned it with an opinion: modify or confirm documents
    ACCEPTED = "accepted", "办理中"  # staff accepted it and are handling it; results are being prepared
    RESULT_ISSUED = "result_issued", "待确认结果"  # result reports sent back; the filer views and confirms
    FINISHED = "finished", "办结"  # the filer confirmed the results; read-only from now on
    WITHDRAWN = "withdrawn", "已撤回"  # the filer withdrew it before staff accepted it; read-only


# from-state → the states it may move to. Nothing else moves an application.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.SUBMITTED, Status.WITHDRAWN}),
    Status.SUBMITTED: frozenset({Status.ACCEPTED, Status.RETURNED, Status.WITHDRAWN}),
    Status.RETURNED: frozenset({Status.SUBMITTED, Status.WITHDRAWN}),
    Status.ACCEPTED: frozenset({Status.RESULT_ISSUED, Status.RETURNED}),
    Status.RESULT_ISSUED: frozenset({Status.FINISHED}),
    Status.FINISHED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}

# Derived sets used by lists and pages.
FINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)
FILER_TURN = frozenset({Status.DRAFT, Status.RETURNED, Status.RESULT_ISSUED})  # the filer is expected to act
STAFF_TURN = frozenset({Status.SUBMITTED, Status.ACCEPTED})  # staff are expected to act


class TransitionRefused(Exception):
    def __init__(self, from_state: str, to_state: str):
        self.from_state, self.to_state = from_state, to_state
        self.message = f"当前状态“{Status(from_state).label}”不能变更为“{Status(to_state).label}”。"
        super().__init__(self.message)


def check_transition(from_state: str, to_state: str) -> None:
    if to_state not in TRANSITIONS.get(from_state, frozenset()):
        raise TransitionRefused(from_state, to_state)
