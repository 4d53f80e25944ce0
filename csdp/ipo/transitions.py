"""Status changes of an offering: checked against OFFERING_TRANSITIONS, recorded append-only and audited."""

from __future__ import annotations

from csdp.audit.services import audit_record
from csdp.clock.services import clock_now
from csdp.ipo.errors import IpoError
from csdp.ipo.models import OFFERING_MACHINE, Offering, OfferingStatus, OfferingTransition
from csdp.lib.statemachine import SYSTEM, actor_kind, transition_record


def offering_transition(*, offering: Offering, to: str, actor=None, reason: str = "") -> None:
    """Caller holds the offering row lock (select_for_update) inside its transaction."""
    current = offering.status
    if current == to:
        return
    if not OFFERING_MACHINE.allowed(current, to):
        raise IpoError(f"发行状态不能从“{OfferingStatus(current).label}”变为“{OfferingStatus(to).label}”。")
    transition_record(
        machine=OFFERING_MACHINE,
        subject=offering,
        to_state=to,
        history=OfferingTransition,
        actor=actor,
        by=actor_kind(actor, otherwise=SYSTEM),
        reason=reason,
        at=clock_now(),
    )
    audit_record(
        actor=actor, obj=offering, action="offering.transition", from_state=current, to_state=to, reason=reason
    )
