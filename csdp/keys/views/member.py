"""国密证书管理 (000 §二(四)(六)) and the PIN change in user settings (000 §一(四)4)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from csdp.accounts.access import MEMBERS, STAFF, Role, access_object, allow
from csdp.accounts.middleware import FULL
from csdp.keys.applications import (
    MATERIALS,
    ApplicationRefused,
    application_check,
    application_content,
    key_application_submit,
    materials_store,
    renewal_needs_signature,
)
from csdp.keys.forms import PinChangeForm, DecisionForm
from csdp.keys.forms_applications import application_form
from csdp.keys.models import KeyApplication, KeyApplicationKind
from csdp.keys.pins import PIN_RULE, device_pin_change
from csdp.keys.scopes import PIN_CHANGE
from csdp.keys.selectors import (
    RENEWAL_OFFER_DAYS,
    active_key_of,
    certificate_days_left,
    member_certificates,
    member_key_applications,
)
from csdp.keys.services import KeyRefused
from csdp.keys.signing import SignatureRefused, signing_context, submission_digest
from csdp.uploads.models import StoredFile


@allow(MEMBERS)
def certificates(request):
    key = active_key_of(request.user)
    context = {
        "key": key,
        "days_left": certificate_days_left(key.certificate) if key else None,
        "history": member_certificates(request.user),
        "applications": member_key_applications(request.user),
        "full_scope": request.login_scope == FULL,
        # 000 §二(四)3 asks for the renewal at least a month ahead; it is offered from 60 days on.
        "renewal_open": key is not None and certificate_days_left(key.certificate) <= RENEWAL_OFFER_DAYS,
        "expired": key is not None and certificate_days_left(key.certificate) <= 0,
    }
    return render(request, "keys/certificates.html", context)


@allow(MEMBERS)
@require_http_methods(["GET", "POST"])
def pin_change(request):
    key = active_key_of(request.user)
    form = PinChangeForm(request.POST or None)
    if request.method == "POST" and key and form.is_valid():
        try:
            device_pin_change(
                device=key.device, old_pin=form.cleaned_data["old_pin"], new_pin=form.cleaned_data["new_pin"]
            )
        except KeyRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, "PIN 码已修改。")
            if request.session.get("login_scope") == PIN_CHANGE:
                request.session["login_scope"] = FULL  # 000 §一(二)3: the forced change is done
                return redirect("portal:home")
            return redirect("keys:certificates")
    return render(
        request,
        "keys/pin_change.html",
        {"form": form, "key": key, "rule": PIN_RULE, "forced": request.session.get("login_scope") == PIN_CHANGE},
    )


def _apply(request, kind: str, template: str):
    form = application_form(kind, user=request.user, data=request.POST or None, files=request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = key_application_submit(
                kind=kind, user=request.user, data=form.cleaned_data, actor=request.user
            )
        except ApplicationRefused as refused:
            form.add_error(refused.field, refused.message)
        else:
            messages.success(request, f"{application.get_kind_display()}申请已提交，请等待本公司审核。")
            return redirect("keys:application_detail", key_application_id=application.pk)
    return render(request, template, {"form": form, "kind": KeyApplicationKind(kind), "materials": MATERIALS[kind]})


RENEWAL_DRAFT = "keys_renewal_draft"


@allow(MEMBERS)
@require_http_methods(["GET", "POST"])
def renewal_apply(request):
    """000 §二(四)3: renew at least a month before expiry, with the materials of 附件7. Filed from the
    U盾 session, so it is signed with the key: the materials are stored first, then a confirm step
    shows what is signed (content + each material's SHA-256) and the key signs on 确认提交."""
    kind = KeyApplicationKind.RENEWAL
    if request.method == "POST" and request.POST.get("step") == "confirm":
        return _renewal_confirm(request)
    form = application_form(kind, user=request.user, data=request.POST or None, files=request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            application_check(kind=kind, user=request.user, data=form.cleaned_data)
            stored = materials_store(
                kind=kind, data=form.cleaned_data, owner=request.user.institution, actor=request.user
            )
        except ApplicationRefused as refused:
            form.add_error(refused.field, refused.message)
        else:
            content = application_content(kind, form.cleaned_data)
            request.session[RENEWAL_DRAFT] = {"content": content, "files": {slot: f.pk for slot, f in stored.items()}}
            return _renewal_confirm_page(request, content, stored)
    return render(request, "keys/application_form.html", {"form": form, "kind": kind, "materials": MATERIALS[kind]})


def _renewal_draft(request):
    draft = request.session.get(RENEWAL_DRAFT)
    if not draft:
        return None, None
    files = StoredFile.objects.visible_to(request.user).in_bulk(list(draft["files"].values()))
    stored = {slot: files.get(pk) for slot, pk in draft["files"].items()}
    if any(f is None for f in stored.values()):
        return None, None
    return draft["content"], stored


def _ordered(stored: dict) -> list:
    return [stored[slot] for slot, _ in MATERIALS[KeyApplicationKind.RENEWAL]]


def _renewal_confirm_page(request, content: dict, stored: dict, error: str | None = None):
    digest = submission_digest(content=content, files=_ordered(stored))
    labels = dict(MATERIALS[KeyApplicationKind.RENEWAL])
    # The renewal page is open to the U盾 and 口令登录 sessions only (csdp/keys/scopes.py).
    without_key = not renewal_needs_signature(request.user)
    context = {
        "content": content,
        "materials": [(labels[slot], f) for slot, f in stored.items()],
        "error": error,
        "signing": None if without_key else signing_context(user=request.user, digest=digest),
        "without_key": without_key,
        "kind": KeyApplicationKind.RENEWAL,
    }
    return render(request, "keys/application_confirm.html", context)


def _renewal_confirm(request):
    content, stored = _renewal_draft(request)
    if content is None:
        messages.error(request, "申请草稿已失效，请重新填写。")
        return redirect("keys:renewal_apply")
    try:
        application = key_application_submit(
            kind=KeyApplicationKind.RENEWAL,
            user=request.user,
            data={**content, **stored},
            actor=request.user,
            signature_payload=request.POST.get("key_signature", ""),
        )
    except (SignatureRefused, ApplicationRefused) as refused:
        return _renewal_confirm_page(request, content, stored, error=refused.message)
    request.session.pop(RENEWAL_DRAFT, None)
    messages.success(
        request,
        "USB-KEY 更换申请已提交，请等待本公司审核；新 USB-KEY 制作后将寄送至经办人通讯地址。"
        if application.signature is None
        else "USB-KEY 更换申请已签名提交，请等待本公司审核。",
    )
    return redirect("keys:application_detail", key_application_id=application.pk)


@allow(MEMBERS)
@require_http_methods(["GET", "POST"])
def reissue_apply(request):
    """000 §二(六): 补办证书 after 口令登录; the postal address must equal the agent's."""
    return _apply(request, KeyApplicationKind.REISSUE, "keys/application_form.html")


@allow(MEMBERS | STAFF)
def application_detail(request, key_application_id: int):
    application = access_object(
        request.user,
        KeyApplication.objects.select_related("signature__certificate").prefetch_related(
            "material_rows__file", "transitions__actor"
        ),
        pk=key_application_id,
    )
    can_decide = request.user.staff_role in (Role.REVIEWER, Role.ADMIN)
    return render(
        request,
        "keys/application_detail.html",
        {"application": application, "decision_form": DecisionForm(), "can_decide": can_decide},
    )
