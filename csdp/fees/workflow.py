"""Shared steps of the notice workflow: numbering, row lock, state change, telling the payer."""

from __future__ import annotations

from csdp.accounts.models import User
from csdp.audit.services import audit_record
from csdp.clock.services import clock_now
from csdp.fees.models import NoticeTransition, NumberSequence, PaymentNotice
from csdp.fees.states import NOTICE_MACHINE
from csdp.lib.statemachine import SYSTEM, USER, actor_kind, transition_record
from csdp.notify.services import notify_user


def actor_label(actor) -> str:
    """Who, as the notice's 处理记录 shows it: a user's display name (str(User)), else the actor given."""
    return str(actor) if getattr(actor, "is_authenticated", False) else str(actor or "system")


def next_number(name: str, prefix: str, width: int, year: int) -> str:
    """Draw the next number of a yearly sequence under a row lock (no gaps, no duplicates)."""
    NumberSequence.objects.get_or_create(name=name, year=year)
    row = NumberSequence.objects.select_for_update().get(name=name, year=year)
    row.last += 1
    row.save(update_fields=["last"])
    return f"{prefix}{year}{row.last:0{width}d}"


def lock_notice(notice: PaymentNotice) -> PaymentNotice:
    return PaymentNotice.objects.select_for_update().select_related("payer").get(pk=notice.pk)


def move(notice: PaymentNotice, *, to_state: str, actor, reason: str = "") -> None:
    """Change state (the caller holds the row lock): transition row, audit event, save."""
    from_state = notice.status
    transition_record(
        machine=NOTICE_MACHINE,
        subject=notice,
        to_state=to_state,
        history=NoticeTransition,
        actor=actor,
        by=actor_kind(actor, otherwise=SYSTEM if actor is None else USER),
        reason=reason,
        at=clock_now(),
        update_fields=["updated_at"],
        actor_label=actor_label(actor),
    )
    audit_record(
        actor=actor,
        obj=notice,
        action=f"fee_notice.{to_state}",
        from_state=from_state,
        to_state=to_state,
        reason=reason,
    )


def tell_payer(payer, *, subject: str, body: str) -> None:
    """Notify the payer's users; notify sends after commit, so a rolled-back write sends nothing."""
    for user in User.objects.filter(institution=payer, is_active=True).order_by("pk"):
        notify_user(user=user, subject=subject, body=body, purpose="fee_notice")
