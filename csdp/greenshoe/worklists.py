"""待办 rows for staff (filings to review) and 申请列表 rows for the issuer and the lead underwriter."""

from __future__ import annotations

from django.urls import reverse

from csdp.greenshoe.models import FilingStatus, GreenshoeFiling
from csdp.accounts.worklists import WorkItem, register_my_applications, register_staff_queue

KIND = "超额配售登记"


def _item(filing, *, needs_action: bool) -> WorkItem:
    offering = filing.option.offering
    return WorkItem(
        kind=KIND,
        title=f"{offering.code} {offering.name} {filing.get_kind_display()}",
        status=filing.get_status_display(),
        updated_at=filing.filed_at,
        needs_action=needs_action,
        url=reverse("greenshoe:filing_detail", kwargs={"greenshoe_filing_id": filing.pk}),
    )


def staff_items(user):
    if not user.staff_role:
        return []
    waiting = GreenshoeFiling.objects.filter(status=FilingStatus.SUBMITTED).select_related("option__offering")
    return [_item(f, needs_action=True) for f in waiting]


def member_items(user):
    if user.staff_role or user.institution_id is None:
        return []
    mine = GreenshoeFiling.objects.visible_to(user).filter(filed_by__institution_id=user.institution_id)
    return [_item(f, needs_action=f.status == FilingStatus.VALIDATED) for f in mine.select_related("option__offering")]


register_staff_queue(staff_items)
register_my_applications(member_items)
