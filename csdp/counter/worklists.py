"""The counter's rows in the portal's 申请列表 (members) and 待办 (staff)."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from csdp.counter.models import Application
from csdp.counter.selectors import for_handler
from csdp.counter.states import FILER_TURN, FINAL, STAFF_TURN
from csdp.accounts.worklists import WorkItem, WorkRows, register_my_applications, register_staff_queue

KIND = "虚拟柜台业务"
LIMIT = 100


def _item(application: Application, needs_action: bool) -> WorkItem:
    return WorkItem(
        kind=KIND,
        title=f"{application.reference} {application.business_type.code}-{application.business_type.name}"
        f"（{application.securities_code}）",
        status=application.get_status_display(),
        updated_at=application.status_since,
        url=reverse("counter:detail", args=[application.pk]),
        needs_action=needs_action,
    )


def _filer_item(application: Application) -> WorkItem:
    return _item(application, application.status in FILER_TURN)


def _staff_item(application: Application) -> WorkItem:
    return _item(application, True)


@register_my_applications
def my_counter_applications(user):
    if user.staff_role:
        return []
    rows = Application.objects.visible_to(user).select_related("business_type").exclude(status__in=FINAL)
    return WorkRows(
        rows.order_by("-status_since", "-id"),
        _filer_item,
        limit=LIMIT,
        action=Q(status__in=FILER_TURN),
        label=KIND,
        full_list=reverse("counter:list"),
    )


@register_staff_queue
def counter_staff_queue(user):
    """Waiting for staff and assigned to this user, or to no one yet."""
    if not user.staff_role:
        return []
    rows = for_handler(Application.objects.select_related("business_type").filter(status__in=STAFF_TURN), user)
    return WorkRows(
        rows.order_by("status_since", "id"), _staff_item, limit=LIMIT, label=KIND, full_list=reverse("counter:queue")
    )
