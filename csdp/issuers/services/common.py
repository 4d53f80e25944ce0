"""Helpers shared by the issuers services: transition rows with audit, and the refusal exception."""
from __future__ import annotations

from csdp.audit.services import audit_record
from csdp.clock.services import clock_now
from csdp.lib.errors import CsdpError


class IssuerRefused(CsdpError):
    """A business rule refused the request; ``message`` is shown to the user as is."""

    code = "issuers.refused"


def actor_label(actor) -> str:
    if getattr(actor, "is_authenticated", False):
        return actor.get_username()
    return str(actor or "申请人")


def record_transition(*, transition_model, owner_field: str, obj, actor, to_state: str, reason: str = "",
                      action: str) -> None:
    """Move ``obj`` to ``to_state``: append the transition row and the audit event (caller holds the lock)."""
    from_state = obj.status
    obj.status = to_state
    transition_model.objects.create(
        **{owner_field: obj},
        from_state=from_state,
        to_state=to_state,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=actor_label(actor),
        reason=reason,
        at=clock_now(),
    )
    audit_record(actor=actor, obj=obj, action=action, from_state=from_state, to_state=to_state, reason=reason)
