"""Four-eyes: ``approval_prepare`` (an operator), ``approval_approve`` / ``approval_reject`` (a different
reviewer), ``approval_cancel`` (the preparer), ``approvals_apply_due`` (the end of day).

The service refuses the same person for prepare and approve whatever calls it (a view, the API, a
command); roles come from the kind. The approved effect is applied by the kind's ``apply`` inside the
approving transaction, or in the end of day of its effective date, each in its own transaction: a
refusal there leaves nothing applied and marks the approval 执行失败 with the reason for staff.
"""

from __future__ import annotations

import datetime as dt
import json

from django.db import transaction

from csdp.accounts.roles import role_of
from csdp.approvals.kinds import ApprovalKind, kind_for
from csdp.approvals.models import MACHINE, Approval, ApprovalTransition, Status
from csdp.audit.services import audit_record
from csdp.clock.services import business_today, clock_now
from csdp.lib.errors import Conflict, CsdpError
from csdp.lib.publish import staged_files
from csdp.lib.statemachine import STAFF, SYSTEM, transition_record


class ApprovalRefused(CsdpError):
    code = "approval.refused"
    status = 403


def _require_role(user, roles: frozenset[str], what: str) -> None:
    role = role_of(user)
    if role is None or role not in roles:
        raise ApprovalRefused(f"您的角色不能{what}此业务。", code="approval.role")


def _canonical(payload: dict) -> dict:
    return json.loads(json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str))


def approval_prepare(
    *,
    kind: str,
    key: str,
    summary: str,
    payload: dict,
    by,
    subject=None,
    effective_date: dt.date | None = None,
) -> Approval:
    """经办: record the effect to approve. Idempotent by ``key``: the same key with the same content
    returns the existing approval; with other content it is refused."""
    spec = kind_for(kind)
    _require_role(by, spec.preparers, "经办")
    payload = _canonical(payload)
    with transaction.atomic():
        existing = Approval.objects.select_for_update().filter(key=key).first()
        if existing is not None:
            if existing.kind == kind and existing.payload == payload:
                return existing
            raise Conflict("该业务已有不同内容的待复核记录。", code="approval.key_reused")
        approval = Approval.objects.create(
            kind=kind,
            key=key,
            summary=summary[:300],
            payload=payload,
            subject_type=subject._meta.label_lower if subject is not None else "",
            subject_id=str(subject.pk) if subject is not None else "",
            effective_date=effective_date,
            prepared_by=by,
            prepared_at=clock_now(),
        )
        ApprovalTransition.objects.create(
            approval=approval, from_state="", to_state=Status.PREPARED, actor=by, actor_kind=STAFF, at=clock_now()
        )
        audit_record(
            actor=by,
            obj=approval,
            action="approval.prepare",
            to_state=Status.PREPARED,
            data={"kind": kind, "summary": approval.summary},
        )
    return approval


def _apply(approval: Approval, spec: ApprovalKind, actor, by: str) -> None:
    result = spec.apply(approval) or {}
    approval.result = _canonical(result)
    approval.applied_at = clock_now()
    approval.failure = ""
    transition_record(
        machine=MACHINE,
        subject=approval,
        to_state=Status.APPLIED,
        history=ApprovalTransition,
        actor=actor,
        by=by,
        at=clock_now(),
        update_fields=["result", "applied_at", "failure"],
    )
    audit_record(
        actor=actor or "system",
        obj=approval,
        action="approval.apply",
        to_state=Status.APPLIED,
        data={"kind": approval.kind, "result": approval.result},
    )


def _move(approval: Approval, *, to: str, actor, action: str, reason: str = "") -> None:
    """A staff user's move of a locked approval: the history row and the audit event, together."""
    before = approval.status
    transition_record(
        machine=MACHINE,
        subject=approval,
        to_state=to,
        history=ApprovalTransition,
        actor=actor,
        by=STAFF,
        reason=reason,
        at=clock_now(),
    )
    audit_record(actor=actor, obj=approval, action=action, from_state=before, to_state=to, reason=reason)


def _locked(approval: Approval) -> Approval:
    return Approval.objects.select_for_update().get(pk=approval.pk)


def approval_approve(*, approval: Approval, by) -> Approval:
    """复核通过. A different staff user than the preparer, holding an approver role of the kind.
    Effective today (or no date): applied now, in this transaction — a refusal by ``apply`` rolls
    everything back and the approval stays 待复核. Effective later: applied by that day's end of day."""
    spec = kind_for(approval.kind)
    _require_role(by, spec.approvers, "复核")
    # The files an effect writes for participants reach their names only after this commit (issue 20,
    # csdp/lib/publish.py); a refusal or a crash before it publishes nothing.
    with staged_files(), transaction.atomic():
        approval = _locked(approval)
        if approval.prepared_by_id == by.pk:
            raise ApprovalRefused("经办人与复核人不能为同一人。", code="approval.same_person")
        MACHINE.check(approval.status, Status.APPROVED, STAFF)
        approval.approved_by, approval.approved_at = by, clock_now()
        due = approval.effective_date is None or approval.effective_date <= business_today()
        if due:
            approval.save(update_fields=["approved_by", "approved_at"])
            audit_record(actor=by, obj=approval, action="approval.approve", from_state=approval.status)
            _apply(approval, spec, by, STAFF)
        else:
            transition_record(
                machine=MACHINE,
                subject=approval,
                to_state=Status.APPROVED,
                history=ApprovalTransition,
                actor=by,
                by=STAFF,
                at=clock_now(),
                update_fields=["approved_by", "approved_at"],
            )
            audit_record(
                actor=by, obj=approval, action="approval.approve", from_state=Status.PREPARED, to_state=Status.APPROVED
            )
    return approval


def approval_reject(*, approval: Approval, by, reason: str) -> Approval:
    """驳回, with a reason the preparer reads. By a staff user of an approver role (not the preparer:
    the preparer cancels instead). The kind's ``on_reject`` runs in the same transaction (the counter
    application the business came from is returned to its filer with the reason)."""
    spec = kind_for(approval.kind)
    _require_role(by, spec.approvers, "复核")
    if not reason.strip():
        raise CsdpError("请填写驳回原因。", code="approval.reason_required")
    with transaction.atomic():
        approval = _locked(approval)
        if approval.prepared_by_id == by.pk:
            raise ApprovalRefused("经办人与复核人不能为同一人。", code="approval.same_person")
        _move(approval, to=Status.REJECTED, actor=by, action="approval.reject", reason=reason)
        if spec.on_reject is not None:
            spec.on_reject(approval, by=by, reason=reason.strip())
    return approval


def approval_cancel(*, approval: Approval, by, reason: str = "") -> Approval:
    """撤销 by its preparer, before review."""
    with transaction.atomic():
        approval = _locked(approval)
        if approval.prepared_by_id != by.pk:
            raise ApprovalRefused("只有经办人可以撤销。", code="approval.not_preparer")
        _move(approval, to=Status.CANCELLED, actor=by, action="approval.cancel", reason=reason)
    return approval


def approval_retry(*, approval: Approval, by) -> Approval:
    """A failed approval goes back to 已复核待执行 for the next end of day (after the facts changed).
    Any approver but the preparer."""
    spec = kind_for(approval.kind)
    _require_role(by, spec.approvers, "复核")
    with transaction.atomic():
        approval = _locked(approval)
        if approval.prepared_by_id == by.pk:
            raise ApprovalRefused("经办人与复核人不能为同一人。", code="approval.same_person")
        _move(approval, to=Status.APPROVED, actor=by, action="approval.retry")
    return approval


def approval_apply_one(*, approval: Approval) -> Approval:
    """Apply one approved effect that has come due (the end of day). Its own transaction; a refusal
    rolls the effect back and records 执行失败 with the reason. Applying twice changes nothing."""
    spec = kind_for(approval.kind)
    try:
        with staged_files(), transaction.atomic():  # files published after the commit, as approval_approve
            approval = _locked(approval)
            if approval.status != Status.APPROVED:
                return approval  # applied or failed by an earlier run: resumable
            _apply(approval, spec, None, SYSTEM)
        return approval
    except CsdpError as refusal:
        with transaction.atomic():
            approval = _locked(approval)
            approval.failure = str(refusal)
            transition_record(
                machine=MACHINE,
                subject=approval,
                to_state=Status.FAILED,
                history=ApprovalTransition,
                by=SYSTEM,
                reason=refusal.message,
                at=clock_now(),
                update_fields=["failure"],
            )
            audit_record(
                actor="system",
                obj=approval,
                action="approval.fail",
                from_state=Status.APPROVED,
                to_state=Status.FAILED,
                reason=str(refusal),
            )
        return approval


def approvals_apply_due(day: dt.date) -> list[Approval]:
    due = Approval.objects.filter(status=Status.APPROVED, effective_date__lte=day).order_by("pk")
    return [approval_apply_one(approval=a) for a in due]
