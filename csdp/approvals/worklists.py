"""Open approvals in the staff 待办: a reviewer sees what waits for review, everyone sees failures."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from csdp.accounts.roles import role_of
from csdp.approvals.kinds import kind_label, kinds_approved_by
from csdp.approvals.models import Approval, Status
from csdp.accounts.worklists import WorkItem, WorkRows, register_staff_queue

LIMIT = 200


def _item_for(user):
    reviewable = set(kinds_approved_by(role_of(user)))

    def item(a: Approval) -> WorkItem:
        return WorkItem(
            kind=f"复核：{kind_label(a.kind)}",
            title=a.summary,
            status=a.get_status_display(),
            updated_at=a.prepared_at,
            url=reverse("approvals:detail", args=[a.pk]),
            needs_action=a.status == Status.FAILED or (a.prepared_by_id != user.pk and a.kind in reviewable),
        )

    return item


@register_staff_queue
def approvals_queue(user):
    if not user.staff_role:
        return []
    # 待复核 of the kinds the user's role approves (an operator is not asked to review what only a
    # reviewer may approve), and their own, whose review they wait for; a failure is everyone's to look at.
    mine_to_review = Q(status=Status.PREPARED, kind__in=kinds_approved_by(role_of(user)))
    rows = Approval.objects.filter(
        mine_to_review | Q(status=Status.PREPARED, prepared_by_id=user.pk) | Q(status=Status.FAILED)
    ).order_by("-prepared_at", "-id")
    # A preparer does not review their own approval (four-eyes).
    action = Q(status=Status.FAILED) | (mine_to_review & ~Q(prepared_by_id=user.pk))
    return WorkRows(
        rows, _item_for(user), limit=LIMIT, action=action, label="复核（四眼）", full_list=reverse("approvals:list")
    )
