"""Staff key administration: lock state, PIN reset, revocation, certificates expiring within 30 days,
issuing a key, reviewing key applications, re-checking a stored signature."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from csdp.accounts.access import STAFF, Role, access_object, allow
from csdp.keys.applications import ApplicationRefused, key_application_decide
from csdp.keys.forms import DecisionForm, KeyIssueForm, ReasonForm
from csdp.keys.models import Certificate, KeyApplication, KeyDevice, Signature
from csdp.keys.admin_approvals import certificate_revoke_prepare, pin_reset_prepare
from csdp.keys.selectors import certificates_expiring, devices_for_admin, staff_key_applications
from csdp.keys.services import KeyRefused, key_issue
from csdp.lib.errors import CsdpError


@allow(STAFF)
def admin(request):
    context = {
        "devices": devices_for_admin(),
        "expiring": certificates_expiring(),
        "applications": staff_key_applications(),
        "issue_form": KeyIssueForm(),
        "is_admin": request.user.staff_role == Role.ADMIN,
    }
    return render(request, "keys/admin.html", context)


@allow(Role.ADMIN)
@require_POST
def key_issue_create(request):
    form = KeyIssueForm(request.POST)
    user = None
    if form.is_valid():
        user = (
            get_user_model().objects.filter(username=form.cleaned_data["username"], institution__isnull=False).first()
        )
    if user is None:
        messages.error(request, "未找到该机构用户。")
        return redirect("keys:admin")
    try:
        key_issue(user=user, model=form.cleaned_data["model"], actor=request.user)
    except KeyRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"已为 {user.username} 制作 USB-KEY，启用验证码已发送至经办人手机。")
    return redirect("keys:admin")


@allow(Role.ADMIN)
@require_POST
def device_pin_reset_view(request, key_device_id: int):
    device = access_object(request.user, KeyDevice, pk=key_device_id, retired_at__isnull=True)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写重置原因（如 PIN 码重置申请编号）。")
        return redirect("keys:admin")
    approval = pin_reset_prepare(device=device, reason=form.cleaned_data["reason"], by=request.user)
    messages.success(request, f"{device.user.username} 的 PIN 码重置已提交，须由另一名工作人员复核后生效。")
    return redirect("approvals:detail", approval_id=approval.pk)


@allow(Role.ADMIN)
@require_POST
def certificate_revoke_view(request, key_certificate_id: int):
    certificate = access_object(request.user, Certificate, pk=key_certificate_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写作废原因。")
        return redirect("keys:admin")
    try:
        approval = certificate_revoke_prepare(
            certificate=certificate, reason=form.cleaned_data["reason"], by=request.user
        )
    except CsdpError as refused:
        messages.error(request, refused.message)
        return redirect("keys:admin")
    messages.success(request, f"证书 {certificate.serial} 的作废已提交，须由另一名工作人员复核后生效。")
    return redirect("approvals:detail", approval_id=approval.pk)


@allow(Role.REVIEWER, Role.ADMIN)
@require_POST
def application_decide(request, key_application_id: int):
    application = access_object(request.user, KeyApplication, pk=key_application_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(errors))
        return redirect("keys:application_detail", key_application_id=application.pk)
    try:
        key_application_decide(
            application=application,
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
    except (ApplicationRefused, KeyRefused) as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "审核结果已保存。")
    return redirect("keys:application_detail", key_application_id=application.pk)


@allow(STAFF)
def signature_detail(request, key_signature_id: int):
    signature = access_object(
        request.user, Signature.objects.select_related("user", "certificate", "institution"), pk=key_signature_id
    )
    return render(request, "keys/signature_detail.html", {"signature": signature, "valid": signature.verify()})
