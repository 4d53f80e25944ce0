"""经办人信息维护 and 本机构信息维护 (000 §二(一)(二)) — the issuer's own pages."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from csdp.accounts.access import Role, access_object, allow
from csdp.clock.services import business_today
from csdp.issuers.forms.maintenance import AgentForm, KeyChangeForm, NonKeyForm
from csdp.issuers.models import InfoChangeApplication
from csdp.issuers.models.profile import KEY_FIELDS, NON_KEY_FIELDS
from csdp.issuers.selectors import (
    applications_of,
    blocking_application,
    institution_info_as_of,
    institution_info_pending,
    issuer_profile,
)
from csdp.issuers.services.agent import PROFILE_FIELDS, agent_info_update
from csdp.issuers.services.agent_pending import agent_change_prepare, pending_agent_change
from csdp.keys.scopes import PASSWORD_ONLY
from csdp.lib.errors import CsdpError
from csdp.issuers.services.common import IssuerRefused
from csdp.issuers.services.info import (
    from_json,
    info_application_resubmit,
    info_application_submit,
    info_application_withdraw,
    institution_info_non_key_update,
    institution_names_apply,
)
from csdp.issuers.states import ApplicationStatus, TransitionRefused
from csdp.issuers.views.display import shown_value
from csdp.issuers.views.files import Slot, SlotFiles, collect, slot_rows
from csdp.issuers.views.review import application_rows, signature_check
from csdp.issuers.views.signed import submit_signed, summary_of

CHANGE_SLOTS = [
    Slot("change_support_1", "变更证明材料（加盖公章的彩色扫描件）", required=True),
    Slot("change_support_2", "其他材料（可选）"),
    Slot("change_support_3", "其他材料（可选）"),
]


def _agent_initial(user) -> dict:
    profile = issuer_profile(user.institution)
    initial = {"display_name": user.display_name, "mobile": user.mobile, "email": user.email}
    if profile is not None:
        initial.update({f: getattr(profile, f) for f in PROFILE_FIELDS})
    return initial


@allow(Role.ISSUER)
@require_http_methods(["GET", "POST"])
def agent_info(request):
    """经办人信息维护: effective at once (000 §二 末段: 经办人信息维护提交后立即生效)."""
    form = AgentForm(request.POST or None, initial=_agent_initial(request.user))
    unverified = getattr(request, "login_scope", "full") == PASSWORD_ONLY
    if request.method == "POST" and form.is_valid() and unverified:
        try:
            agent_change_prepare(user=request.user, values=form.cleaned_data)
        except CsdpError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, "变更申请已提交，须经本公司电话核实确认后生效；原手机号码与电子邮箱已收到通知。")
            return redirect("issuers:agent_info")
    elif request.method == "POST" and form.is_valid():

        def apply(signature_payload):
            agent_info_update(user=request.user, values=form.cleaned_data, signature_payload=signature_payload)
            messages.success(request, "经办人信息已更新，立即生效。")
            return redirect("issuers:agent_info")

        try:
            return submit_signed(
                request,
                kind="agent_info",
                form=form,
                slots=[],
                collected=collect(request, []),
                title="确认经办人信息",
                summary=summary_of(form),
                apply=apply,
                require_signature=False,
            )
        except IssuerRefused as refused:
            form.add_error(None, refused.message)
    return render(
        request,
        "issuers/agent_info.html",
        {"form": form, "scope": getattr(request, "login_scope", "full"), "pending": pending_agent_change(request.user)},
    )


def _key_initial(values: dict) -> dict:
    initial = dict(values)
    initial["licence_long_term"] = values["licence_valid_until"] is None
    initial["org_code_long_term"] = not values["three_in_one"] and values["org_code_valid_until"] is None
    return initial


def key_field_rows(info) -> list[tuple[str, str]]:
    """Label and shown value of each key field; the organisation code is not shown under 三证合一."""
    rows = []
    for field in KEY_FIELDS:
        if info.three_in_one and field.startswith("org_code"):
            continue
        rows.append((info._meta.get_field(field).verbose_name, shown_value(field, getattr(info, field))))
    return rows


@allow(Role.ISSUER)
def institution_info(request):
    """本机构信息维护: what is in force, what is approved for later, and the two change forms. While an
    application is pending or rejected every key field is locked (000 §二(二) 若…关键信息均无法修改)."""
    institution = request.user.institution
    today = business_today()
    institution_names_apply(on=today, institution=institution)
    info = institution_info_as_of(institution, today)
    blocking = blocking_application(institution)
    return render(
        request,
        "issuers/institution_info.html",
        {
            "info": info,
            "today": today,
            "pending_versions": institution_info_pending(institution, today),
            "blocking": blocking,
            "key_fields": key_field_rows(info) if info else [],
            "non_key_form": NonKeyForm(initial={f: getattr(info, f) for f in NON_KEY_FIELDS}) if info else None,
            "applications": applications_of(institution)[:10],
        },
    )


@allow(Role.ISSUER)
@require_POST
def institution_non_key(request):
    institution = request.user.institution
    form = NonKeyForm(request.POST)
    if form.is_valid():

        def apply(signature_payload):
            institution_info_non_key_update(
                institution=institution,
                user=request.user,
                values=form.cleaned_data,
                signature_payload=signature_payload,
            )
            messages.success(request, "非关键信息已更新，立即生效。")
            return redirect("issuers:institution_info")

        try:
            return submit_signed(
                request,
                kind="institution_non_key",
                form=form,
                slots=[],
                collected=collect(request, []),
                title="确认非关键信息变更",
                summary=summary_of(form),
                apply=apply,
            )
        except IssuerRefused as refused:
            messages.error(request, refused.message)
    else:
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label if field in form.fields else ''}：{'；'.join(errors)}")
    return redirect("issuers:institution_info")


def _key_change(request, *, form, application=None):
    """Shared by a new key-field application and the resubmission of a rejected one."""
    collected = collect(request, CHANGE_SLOTS) if request.method == "POST" else None
    if collected is None and application is not None:
        # Resubmitting: offer the materials already filed, so only what the reviewer asked for is uploaded.
        existing = SlotFiles(files=dict(zip((s.name for s in CHANGE_SLOTS), application.materials.order_by("pk"))))
        return _key_change_page(request, form, existing, application)
    if collected is not None and not collected.files and not collected.errors:
        collected.errors["change_support_1"] = "修改关键信息须上传相关审核材料。"  # 000 §二(二) 须提交相关审核材料
    if collected is not None and form.is_valid() and not collected.errors:

        def apply(signature_payload):
            values, materials = form.key_values(), collected.ordered(CHANGE_SLOTS)
            if application is None:
                created = info_application_submit(
                    institution=request.user.institution,
                    user=request.user,
                    proposed=values,
                    materials=materials,
                    signature_payload=signature_payload,
                )
            else:
                created = info_application_resubmit(
                    application=application,
                    user=request.user,
                    proposed=values,
                    materials=materials,
                    signature_payload=signature_payload,
                )
            messages.success(request, "申请已提交，审核通过后次日生效。")
            return redirect("issuers:info_application_detail", info_application_id=created.pk)

        try:
            return submit_signed(
                request,
                kind="institution_key_change",
                form=form,
                slots=CHANGE_SLOTS,
                collected=collected,
                title="确认关键信息变更申请",
                summary=summary_of(form),
                apply=apply,
                signed_values=form.key_values(),
            )
        except (IssuerRefused, TransitionRefused) as refused:
            form.add_error(None, refused.message)
    return _key_change_page(request, form, collected, application)


def _key_change_page(request, form, collected, application):
    return render(
        request,
        "issuers/key_change.html",
        {"form": form, "slots": slot_rows(CHANGE_SLOTS, collected), "application": application},
    )


@allow(Role.ISSUER)
@require_http_methods(["GET", "POST"])
def institution_key_change(request):
    institution = request.user.institution
    blocking = blocking_application(institution)
    if blocking is not None:
        messages.error(request, "存在待审核或被驳回的信息维护申请，请先在申请列表中处理。")
        return redirect("issuers:info_application_detail", info_application_id=blocking.pk)
    info = institution_info_as_of(institution, business_today())
    if info is None:
        messages.error(request, "本机构尚无登记信息，请联系本公司。")
        return redirect("issuers:institution_info")
    form = KeyChangeForm(request.POST or None, institution=institution, initial=_key_initial(info.values()))
    return _key_change(request, form=form)


@allow(Role.ISSUER)
def info_application_detail(request, info_application_id: int):
    application = access_object(request.user, InfoChangeApplication, pk=info_application_id)
    return render(
        request,
        "issuers/info_application.html",
        {
            "application": application,
            "rows": application_rows(application),
            "materials": application.materials.all(),
            "signature_check": signature_check(application.signature),
            "transitions": application.transitions.all(),
            "can_handle": application.status == ApplicationStatus.REJECTED,
            "can_withdraw": application.status in (ApplicationStatus.REJECTED, ApplicationStatus.SUBMITTED),
        },
    )


@allow(Role.ISSUER)
@require_http_methods(["GET", "POST"])
def info_application_resubmit_view(request, info_application_id: int):
    """修改后重新提交 a rejected application (000 §二(二): 在申请列表处理被驳回的申请)."""
    application = access_object(request.user, InfoChangeApplication, pk=info_application_id)
    if application.status != ApplicationStatus.REJECTED:
        messages.error(request, "只有被驳回的申请可以修改后重新提交。")
        return redirect("issuers:info_application_detail", info_application_id=application.pk)
    initial = _key_initial(from_json(application.proposed))
    form = KeyChangeForm(request.POST or None, institution=application.institution, initial=initial)
    return _key_change(request, form=form, application=application)


@allow(Role.ISSUER)
@require_POST
def info_application_withdraw_view(request, info_application_id: int):
    application = access_object(request.user, InfoChangeApplication, pk=info_application_id)
    try:
        info_application_withdraw(application=application, user=request.user)
        messages.success(request, "申请已撤回，可以重新发起信息维护申请。")
    except TransitionRefused as refused:
        messages.error(request, refused.message)
    return redirect("issuers:info_application_detail", info_application_id=application.pk)
