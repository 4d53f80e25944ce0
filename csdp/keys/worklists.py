"""Key applications in 申请列表 (the member's own) and 待办 (staff review)."""

from django.urls import reverse

from csdp.accounts.roles import Role
from csdp.keys.models import KeyApplication, KeyApplicationState
from csdp.accounts.worklists import WorkItem, register_my_applications, register_staff_queue

REVIEWERS = {Role.REVIEWER, Role.ADMIN}


def _item(application: KeyApplication, *, needs_action: bool) -> WorkItem:
    who = application.institution.name if application.institution else application.applicant_name
    return WorkItem(
        kind="USB-KEY 业务申请",
        title=f"{application.get_kind_display()} · {who}",
        status=application.get_state_display(),
        updated_at=application.decided_at or application.submitted_at,
        url=reverse("keys:application_detail", kwargs={"key_application_id": application.pk}),
        needs_action=needs_action,
    )


@register_my_applications
def my_key_applications(user):
    rows = (
        KeyApplication.objects.visible_to(user)
        .filter(user=user)
        .select_related("institution")
        .order_by("-submitted_at")
    )
    return [_item(a, needs_action=False) for a in rows]


@register_staff_queue
def staff_key_application_queue(user):
    if user.role not in REVIEWERS:
        return []
    rows = (
        KeyApplication.objects.visible_to(user)
        .filter(state=KeyApplicationState.SUBMITTED)
        .select_related("institution")
        .order_by("submitted_at")
    )
    return [_item(a, needs_action=True) for a in rows]
