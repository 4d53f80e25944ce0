from __future__ import annotations

from csdp.approvals.models import OPEN, Approval, Status


def approvals_for(user, *, status: str = "open"):
    rows = Approval.objects.visible_to(user).select_related("prepared_by", "approved_by")
    if status == "open":
        return rows.filter(status__in=OPEN)
    if status:
        return rows.filter(status=status)
    return rows


def approvals_of_subject(subject):
    return Approval.objects.filter(subject_type=subject._meta.label_lower, subject_id=str(subject.pk))


def approvals_waiting(*, kind: str, subject):
    """The approvals of one kind about one object still waiting for review, oldest first."""
    return approvals_of_subject(subject).filter(kind=kind, status=Status.PREPARED).order_by("pk")
