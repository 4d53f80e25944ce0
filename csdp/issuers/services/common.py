"""Helpers shared by the issuers services: transition rows with audit, and the refusal exception."""

from __future__ import annotations

from csdp.audit.services import audit_record
from csdp.clock.services import clock_now
from csdp.lib.errors import CsdpError
from csdp.lib.statemachine import actor_kind, transition_record


class IssuerRefused(CsdpError):
    """A business rule refused the request; ``message`` is shown to the user as is."""

    code = "issuers.refused"


def actor_label(actor) -> str:
    if getattr(actor, "is_authenticated", False):
        return actor.get_username()
    return str(actor or "申请人")


def record_transition(
    *, transition_model, obj, actor, to_state: str, reason: str = "", action: str, owner_field: str = ""
) -> None:
    """Move ``obj`` to ``to_state`` through its history model's machine (checked, locked, saved, one
    history row) and record the audit event, in the caller's transaction."""
    from_state = obj.status
    transition_record(
        machine=transition_model.machine,
        subject=obj,
        to_state=to_state,
        history=transition_model,
        actor=actor,
        by=actor_kind(actor),
        reason=reason,
        at=clock_now(),
        actor_label=actor_label(actor),
    )
    audit_record(actor=actor, obj=obj, action=action, from_state=from_state, to_state=to_state, reason=reason)
