"""Status changes of an offering: checked against OFFERING_TRANSITIONS, recorded append-only and audited."""
from __future__ import annotations

from csdp.audit.services import audit_record
from csdp.clock.services import clock_now
from csdp.ipo.errors import IpoError
from csdp.ipo.models import OFFERING_TRANSITIONS, Offering, OfferingStatus, OfferingTransition


def offering_transition(*, offering: Offering, to: str, actor=None, reason: str = "") -> None:
    """Caller holds the offering row lock (select_for_update) inside its transaction."""
    current = offering.status
    if current == to:
        return
    if to not in OFFERING_TRANSITIONS[current]:
        raise IpoError(
            f"发行状态不能从“{OfferingStatus(current).label}”变为“{OfferingStatus(to).label}”。"
        )
    offering.status = to
    offering.save(update_fields=["status"])
    actor_user = actor if getattr(actor, "is_authenticated", False) else None
    OfferingTransition.objects.create(
        offering=offering, from_status=current, to_status=to, actor=actor_user, reason=reason, at=clock_now()
    )
    audit_record(actor=actor, obj=offering, action="offering.transition", from_state=current, to_state=to, reason=reason)
