"""The board in 申请列表 (a user's postings that wait for them) and 待办 (staff: reviews, flagged
postings, lender applications, reports)."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from csdp.accounts.worklists import WorkItem, WorkRows, register_my_applications, register_staff_queue
from csdp.pledge.models import Posting, ApplicationStatus, LenderApplication
from csdp.pledge.models_social import Report, ReportStatus
from csdp.pledge.states import PostingStatus

LIMIT = 200
# What a work-list row shows of a posting: the wide columns (description, search text) stay in the table.
ROW_FIELDS = ("id", "title", "status", "status_since", "flagged_at")
# Postings awaiting review or flagged by the daily re-check (004 §十一); the partial index
# pledge_review_queue holds exactly these rows in queue order.
IN_REVIEW_QUEUE = Q(status=PostingStatus.PENDING_REVIEW) | Q(flagged_at__isnull=False)


def _my_item(p: Posting) -> WorkItem:
    return WorkItem(
        kind="质押供需信息",
        title=p.title,
        status=p.get_status_display(),
        updated_at=p.status_since,
        url=reverse("pledge:posting_detail", args=[p.pk]),
        needs_action=p.status == PostingStatus.RETURNED,
    )


@register_my_applications
def my_postings(user):
    if getattr(user, "institution", None) is None or user.institution.kind != "pledge_user":
        return []
    rows = Posting.objects.filter(owner=user, status__in=[PostingStatus.PENDING_REVIEW, PostingStatus.RETURNED])
    return WorkRows(
        rows.only(*ROW_FIELDS).order_by("-status_since", "-id"),
        _my_item,
        limit=LIMIT,
        action=Q(status=PostingStatus.RETURNED),
        label="质押供需信息",
        full_list=reverse("pledge:my_postings"),
    )


def _review_item(p: Posting) -> WorkItem:
    return WorkItem(
        kind="质押信息核查异常" if p.flagged_at else "质押信息审核",
        title=p.title,
        status="核查异常" if p.flagged_at else p.get_status_display(),
        updated_at=p.flagged_at or p.status_since,
        url=reverse("pledge:posting_detail", args=[p.pk]),
        needs_action=True,
    )


@register_staff_queue
def staff_postings(user):
    """The review queue, oldest first: thousands of rows on a busy board, counted rather than built."""
    rows = Posting.objects.filter(IN_REVIEW_QUEUE).only(*ROW_FIELDS).order_by("status_since", "id")
    return WorkRows(rows, _review_item, limit=LIMIT, label="质押信息审核", full_list=reverse("pledge:review_queue"))


@register_staff_queue
def staff_items(user):
    items = [
        WorkItem(
            kind="资金出借方使用申请",
            title=a.name,
            status=a.get_status_display(),
            updated_at=a.created_at,
            url=reverse("pledge:lender_detail", args=[a.pk]),
            needs_action=True,
        )
        for a in LenderApplication.objects.filter(status=ApplicationStatus.PENDING)[:LIMIT]
    ]
    items += [
        WorkItem(
            kind="质押信息平台举报",
            title=r.reason[:40],
            status=r.get_status_display(),
            updated_at=r.created_at,
            url=reverse("pledge:report_detail", args=[r.pk]),
            needs_action=True,
        )
        for r in Report.objects.filter(status=ReportStatus.OPEN)[:LIMIT]
    ]
    return items
