"""Staff review: 注册审核 (000 §一(一)10) and 信息变更审核 (000 §二(二))."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from csdp.accounts.access import STAFF, Role, access_object, allow
from csdp.issuers.models import InfoChangeApplication, Registration
from csdp.issuers.models.profile import KEY_FIELDS, InstitutionInfoVersion
from csdp.issuers.selectors import (
    info_applications_pending,
    registration_conflicts,
    registration_materials_in_order,
    registrations_in,
)
from csdp.issuers.services.common import IssuerRefused
from csdp.issuers.services.info import info_application_approve, info_application_reject
from csdp.issuers.services.review import registration_approve, registration_reject
from csdp.issuers.states import RegistrationStatus, TransitionRefused
from csdp.issuers.views.display import shown_value


def field_label(field: str) -> str:
    return InstitutionInfoVersion._meta.get_field(field).verbose_name


def signature_check(signature) -> dict | None:
    """What the reviewer sees about the USB-KEY signature: present, and whether it still verifies."""
    if signature is None:
        return None
    return {"signature": signature, "valid": signature.verify()}


@allow(STAFF)
def registration_queue(request):
    status = request.GET.get("status", RegistrationStatus.SUBMITTED)
    if status not in RegistrationStatus.values or status == RegistrationStatus.DRAFT:
        status = RegistrationStatus.SUBMITTED
    statuses = [(s.value, s.label) for s in RegistrationStatus if s != RegistrationStatus.DRAFT]
    return render(
        request,
        "issuers/review/registration_queue.html",
        {"registrations": registrations_in(status), "status": status, "statuses": statuses},
    )


@allow(STAFF)
def registration_detail(request, issuer_registration_id: int):
    registration = access_object(request.user, Registration, pk=issuer_registration_id)
    materials = registration_materials_in_order(registration)
    return render(
        request,
        "issuers/review/registration_detail.html",
        {
            "registration": registration,
            "materials": materials,
            "download": True,
            "conflicts": registration_conflicts(registration)
            if registration.status == RegistrationStatus.SUBMITTED
            else [],
            "transitions": registration.transitions.all(),
            "can_decide": request.user.role == Role.REVIEWER and registration.status == RegistrationStatus.SUBMITTED,
        },
    )


@allow(Role.REVIEWER)
@require_POST
def registration_approve_view(request, issuer_registration_id: int):
    registration = access_object(request.user, Registration, pk=issuer_registration_id)
    try:
        registration_approve(registration=registration, actor=request.user)
    except (IssuerRefused, TransitionRefused) as refused:
        messages.error(request, refused.message)
        return redirect("issuers:registration_detail", issuer_registration_id=registration.pk)
    messages.success(request, f"已通过“{registration.institution_name}”的注册申请，USB-KEY 已制作并邮寄。")
    return redirect("issuers:registration_queue")


@allow(Role.REVIEWER)
@require_POST
def registration_reject_view(request, issuer_registration_id: int):
    registration = access_object(request.user, Registration, pk=issuer_registration_id)
    try:
        registration_reject(
            registration=registration,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            site_url=request.build_absolute_uri("/"),
        )
    except (IssuerRefused, TransitionRefused) as refused:
        messages.error(request, refused.message)
        return redirect("issuers:registration_detail", issuer_registration_id=registration.pk)
    messages.success(request, "已驳回，申请人将收到短信通知及修改链接。")
    return redirect("issuers:registration_queue")


@allow(STAFF)
def info_application_queue(request):
    return render(request, "issuers/review/info_queue.html", {"applications": info_applications_pending()})


def application_rows(application) -> list[dict]:
    return [
        {
            "label": field_label(f),
            "before": shown_value(f, application.previous.get(f)),
            "after": shown_value(f, application.proposed.get(f)),
            "changed": application.previous.get(f) != application.proposed.get(f),
        }
        for f in KEY_FIELDS
    ]


@allow(STAFF)
def info_application_review(request, info_application_id: int):
    application = access_object(
        request.user, InfoChangeApplication.objects.select_related("institution", "signature"), pk=info_application_id
    )
    return render(
        request,
        "issuers/review/info_detail.html",
        {
            "application": application,
            "rows": application_rows(application),
            "materials": application.materials.all(),
            "signature_check": signature_check(application.signature),
            "transitions": application.transitions.all(),
            "can_decide": request.user.role == Role.REVIEWER and application.status == "submitted",
        },
    )


@allow(Role.REVIEWER)
@require_POST
def info_application_decide(request, info_application_id: int):
    application = access_object(request.user, InfoChangeApplication, pk=info_application_id)
    try:
        if request.POST.get("decision") == "approve":
            application = info_application_approve(application=application, actor=request.user)
            messages.success(request, f"已通过，变更自 {application.effective_from:%Y-%m-%d} 起生效。")
        else:
            info_application_reject(application=application, actor=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, "已驳回，申请人将收到通知。")
    except (IssuerRefused, TransitionRefused) as refused:
        messages.error(request, refused.message)
        return redirect("issuers:info_application_review", info_application_id=application.pk)
    return redirect("issuers:info_application_queue")
