"""申请列表 rows for issuers and 待办 rows for reviewers (csdp.accounts.worklists)."""

from __future__ import annotations

from django.urls import reverse

from csdp.accounts.roles import Role, role_of
from csdp.issuers.models import InfoChangeApplication
from csdp.issuers.selectors import info_applications_pending, registrations_pending
from csdp.issuers.states import ApplicationStatus
from csdp.accounts.worklists import WorkItem, register_my_applications, register_staff_queue

KIND_INFO = "本机构信息变更申请"
KIND_REGISTRATION = "发行人在线注册"


def my_info_applications(user):
    if role_of(user) != Role.ISSUER:
        return []
    rows = InfoChangeApplication.objects.visible_to(user).order_by("-submitted_at")
    return [
        WorkItem(
            kind=KIND_INFO,
            title=f"关键信息变更 #{a.pk}",
            status=a.get_status_display(),
            updated_at=a.updated_at,
            url=reverse("issuers:info_application_detail", kwargs={"info_application_id": a.pk}),
            needs_action=a.status == ApplicationStatus.REJECTED,
        )
        for a in rows
    ]


def reviewer_queue(user):
    if role_of(user) != Role.REVIEWER:
        return []
    items = [
        WorkItem(
            kind=KIND_REGISTRATION,
            title=r.institution_name,
            status=r.get_status_display(),
            updated_at=r.submitted_at or r.updated_at,
            needs_action=True,
            url=reverse("issuers:registration_detail", kwargs={"issuer_registration_id": r.pk}),
        )
        for r in registrations_pending()
    ]
    items += [
        WorkItem(
            kind=KIND_INFO,
            title=f"{a.institution.name} #{a.pk}",
            status=a.get_status_display(),
            updated_at=a.submitted_at,
            needs_action=True,
            url=reverse("issuers:info_application_review", kwargs={"info_application_id": a.pk}),
        )
        for a in info_applications_pending()
    ]
    return items


register_my_applications(my_info_applications)
register_staff_queue(reviewer_queue)
