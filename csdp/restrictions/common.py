"""What every restriction service shares: the locked re-read of a record, the state change with its
history row and audit event, the open-approval test, the parties' signatures and notices, the
lookup of an account and a security by their numbers, and the business numbers.

One copy of each, so a pledge, a release, a freeze and a deduction cannot drift apart in how they
lock (always the record first, in primary-key order, then the register's lots in ``holdings``), in
what they write on a state change, or in the Chinese message a user reads.
"""

from __future__ import annotations

from django.db import models

from csdp.approvals.models import OPEN as APPROVAL_OPEN
from csdp.approvals.models import Approval
from csdp.audit.services import audit_record
from csdp.clock.services import business_today, clock_now
from csdp.fees.workflow import next_number
from csdp.keys.signing import SignatureRefused, submission_sign_verify
from csdp.lib.statemachine import Machine, TransitionRow, transition_record
from csdp.notify.services import notify_user
from csdp.restrictions.errors import RestrictionError
from csdp.securities.models import SecuritiesAccount, Security


def locked(model: type[models.Model], pk: int, *related: str):
    """Re-read one record under its row lock (only its own row: ``of=self`` on PostgreSQL)."""
    rows = model.objects.select_for_update(of=("self",))
    return (rows.select_related(*related) if related else rows).get(pk=pk)


def move(
    subject: models.Model,
    *,
    machine: Machine,
    history: type[TransitionRow],
    action: str,
    to_state: str,
    actor,
    by: str,
    reason: str = "",
    update_fields=(),
) -> None:
    """A state change through the one state machine: the append-only history row, the saved fields and
    an audit event ``<action>.<to_state>``, together (the caller holds the transaction)."""
    from_state = subject.status
    transition_record(
        machine=machine,
        subject=subject,
        to_state=to_state,
        history=history,
        actor=actor,
        by=by,
        reason=reason,
        at=clock_now(),
        update_fields=update_fields,
    )
    audit_record(
        actor=actor or "system",
        obj=subject,
        action=f"{action}.{to_state}",
        from_state=from_state,
        to_state=to_state,
        reason=reason,
    )


def require_state(subject, allowed, message: str) -> None:
    if subject.status not in allowed:
        raise RestrictionError(message, code="restrictions.state")


def open_approval(approval: Approval | None) -> bool:
    """A four-eyes approval still waiting for its reviewer: the record may not change under it."""
    return approval is not None and Approval.objects.filter(pk=approval.pk, status__in=APPROVAL_OPEN).exists()


def notify(user, subject: str, body: str) -> None:
    notify_user(user=user, subject=subject, body=body, purpose="restrictions.pledge")


def sign(user, digest: str, payload: str):
    """Verify a party's signature over ``digest`` (a party without a key gets an unsigned record)."""
    try:
        return submission_sign_verify(user=user, digest=digest, payload=payload or "")
    except SignatureRefused as refused:
        raise RestrictionError(refused.message, code="restrictions.signature") from None


def account_by_number(number: str, what: str = "证券账户"):
    account = SecuritiesAccount.objects.filter(number=(number or "").strip().upper()).first()
    if account is None:
        raise RestrictionError(f"{what} {number} 不存在。")
    return account


def security_by_code(code: str):
    security = Security.objects.filter(code=(code or "").strip()).first()
    if security is None:
        raise RestrictionError(f"证券代码 {code} 不存在。")
    return security


def new_number(sequence: str, prefix: str) -> str:
    """The next business number of the year (ZY… pledges, DJ… freezes, GH… transfers, KH… deductions)."""
    return next_number(sequence, prefix, 6, business_today().year)
