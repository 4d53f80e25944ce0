"""The public online-registration wizard (000 §一(一)): 用户注册 → 我是发行人 → 服务协议 → 参与人用户
→ 在线注册 → 机构信息 → 用户信息 → 上传材料 → 短信验证 → 检查并提交. The draft lives in the database,
keyed by a random token kept in the session."""

from __future__ import annotations

import functools

from django.contrib import messages
from csdp.lib.clients import client_limit_exceeded, codes_limited_for_client
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from csdp.accounts.access import public
from csdp.accounts.passwords import POLICY_TEXT
from csdp.issuers.choices import MaterialKind, registration_materials
from csdp.issuers.forms.registration import CategoryForm, CodeForm, InstitutionForm, MethodForm, UserForm
from csdp.issuers.services.common import IssuerRefused
from csdp.issuers.services.registration import (
    STEPS,
    registration_code_send,
    registration_code_verify,
    registration_for_token,
    registration_material_attach,
    registration_missing_materials,
    registration_problems,
    registration_start,
    registration_step_save,
    registration_submit,
    registration_values,
    step_number,
)
from csdp.issuers.selectors import registration_materials_in_order
from csdp.issuers.states import RegistrationStatus
from csdp.uploads.services import UploadRejected

SESSION_KEY = "issuer_registration_token"
STARTS_PER_HOUR_PER_IP = 20  # drafts are database rows: an address may not open them without end
STEP_LABELS = ["服务协议", "用户类型", "注册方式", "机构信息", "用户信息", "上传材料", "短信验证", "检查提交"]
STEP_URLS = ["agreement", "category", "method", "institution", "user", "materials", "verify", "review"]


def _next_url(step_done: int) -> str:
    return "issuers:register_" + STEP_URLS[min(step_done, len(STEP_URLS) - 1)]


def with_draft(step: str):
    """Load the session's draft and send the applicant back to the first step not yet done."""
    needed = len(STEPS) if step == "review" else step_number(step) - 1

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            registration = registration_for_token(request.session.get(SESSION_KEY))
            if registration is None:
                messages.warning(request, "注册信息不存在或已失效，请重新开始注册。")
                return redirect("issuers:register_start")
            if registration.step_done < needed:
                return redirect(_next_url(registration.step_done))
            return view(request, registration, *args, **kwargs)

        return public(wrapped)

    return decorate


def _render(request, template, registration, current, **context):
    steps = [
        {
            "label": label,
            "url": f"issuers:register_{url}",
            "current": i == current,
            "reachable": registration is not None
            and (registration.step_done >= i or (url == "review" and registration.step_done >= len(STEPS))),
        }
        for i, (label, url) in enumerate(zip(STEP_LABELS, STEP_URLS))
    ]
    return render(request, template, {"registration": registration, "steps": steps, **context})


@public
def register_start(request):
    """用户注册 — 我是发行人 (000 §一(一)1–2)."""
    return render(request, "issuers/register/start.html")


@public
@require_http_methods(["GET", "POST"])
def register_agreement(request):
    """The service agreement must be accepted before anything is entered (000 §一(一)3)."""
    if request.method == "POST":
        if request.POST.get("accept") != "yes":
            messages.error(request, "须同意《中国证券登记结算有限责任公司网站用户服务协议》后方可继续注册。")
            return redirect("issuers:register_agreement")
        if client_limit_exceeded(request, scope="issuer-register-start", limit=STARTS_PER_HOUR_PER_IP, window_s=3600):
            messages.error(request, "注册申请过于频繁，请稍后再试。")
            return redirect("issuers:register_start")
        registration, token = registration_start()
        request.session[SESSION_KEY] = token
        return redirect("issuers:register_category")
    return render(request, "issuers/register/agreement.html")


def _choice_step(request, registration, step, form_class, template, index):
    form = form_class(request.POST or None, initial={f: getattr(registration, f) for f in form_class.base_fields})
    if request.method == "POST" and form.is_valid():
        registration_step_save(registration=registration, step=step, values=form.cleaned_data)
        return redirect(_next_url(step_number(step)))
    return _render(request, template, registration, index, form=form)


@with_draft("category")
@require_http_methods(["GET", "POST"])
def register_category(request, registration):
    """选择参与人用户 (000 §一(一)4)."""
    return _choice_step(request, registration, "category", CategoryForm, "issuers/register/category.html", 1)


@with_draft("method")
@require_http_methods(["GET", "POST"])
def register_method(request, registration):
    """选择在线注册 (000 §一(一)5)."""
    return _choice_step(request, registration, "method", MethodForm, "issuers/register/method.html", 2)


def _institution_initial(registration) -> dict:
    initial = {f: getattr(registration, f) for f in InstitutionForm.base_fields if hasattr(registration, f)}
    initial["name"] = registration.institution_name
    if registration.step_done >= step_number("institution"):
        initial["licence_long_term"] = registration.licence_valid_until is None
        initial["org_code_long_term"] = not registration.three_in_one and registration.org_code_valid_until is None
    return initial


@with_draft("institution")
@require_http_methods(["GET", "POST"])
def register_institution(request, registration):
    """参与人机构基本信息 (000 §一(一)6)."""
    form = InstitutionForm(request.POST or None, registration=registration, initial=_institution_initial(registration))
    if request.method == "POST" and form.is_valid():
        registration_step_save(
            registration=registration, step="institution", values=registration_values("institution", form.cleaned_data)
        )
        return redirect("issuers:register_user")
    return _render(request, "issuers/register/institution.html", registration, 3, form=form)


@with_draft("user")
@require_http_methods(["GET", "POST"])
def register_user(request, registration):
    """参与人用户基本信息 (000 §一(一)7); the password is hashed before it is stored."""
    initial = {
        f: getattr(registration, f) for f in UserForm.base_fields if hasattr(registration, f) and "password" not in f
    }
    form = UserForm(request.POST or None, registration=registration, initial=initial)
    if request.method == "POST" and form.is_valid():
        registration_step_save(
            registration=registration, step="user", values=registration_values("user", form.cleaned_data)
        )
        return redirect("issuers:register_materials")
    return _render(request, "issuers/register/user.html", registration, 4, form=form, policy_text=POLICY_TEXT)


@with_draft("materials")
@require_http_methods(["GET", "POST"])
def register_materials(request, registration):
    """上传材料 (000 §一(一)8): each scan through the upload service, kind "scan"."""
    kinds = registration_materials(registration.three_in_one)
    errors = {}
    if request.method == "POST":
        for kind in kinds:
            upload = request.FILES.get(kind)
            if upload is None:
                continue
            try:
                registration_material_attach(registration=registration, kind=kind, file=upload)
            except (IssuerRefused, UploadRejected) as refused:
                errors[kind] = refused.message
        missing = registration_missing_materials(registration)
        for kind in missing:
            errors.setdefault(kind, f"请上传{MaterialKind(kind).label}。")
        if not errors:
            registration_step_save(registration=registration, step="materials", values={})
            return redirect("issuers:register_verify")
    present = {m.kind: m.file for m in registration.materials.select_related("file")}
    rows = [
        {"kind": k, "label": MaterialKind(k).label, "file": present.get(k), "error": errors.get(k, "")} for k in kinds
    ]
    return _render(request, "issuers/register/materials.html", registration, 5, rows=rows, has_errors=bool(errors))


@with_draft("verify")
@require_http_methods(["GET", "POST"])
def register_verify(request, registration):
    """手机验证码 (000 §一(一)9): sent to the agent's mobile, purpose "register"."""
    form = CodeForm(request.POST if request.POST.get("action") == "verify" else None)
    if request.method == "POST" and request.POST.get("action") == "send":
        if codes_limited_for_client(request):
            messages.error(request, "验证码发送过于频繁，请稍后再试。")
            return redirect("issuers:register_verify")
        try:
            registration_code_send(registration=registration)
            messages.success(request, f"验证码已发送至 {registration.mobile[:3]}****{registration.mobile[-4:]}。")
        except IssuerRefused as refused:
            messages.error(request, refused.message)
        return redirect("issuers:register_verify")
    if request.method == "POST" and form.is_valid():
        try:
            registration_code_verify(registration=registration, code=form.cleaned_data["code"])
            return redirect("issuers:register_review")
        except IssuerRefused as refused:
            form.add_error("code", refused.message)
    return _render(request, "issuers/register/verify.html", registration, 6, form=form)


@with_draft("review")
@require_http_methods(["GET", "POST"])
def register_review(request, registration):
    """检查并提交 (000 §一(一)10)."""
    problems = registration_problems(registration)
    if request.method == "POST":
        try:
            registration_submit(registration=registration)
        except IssuerRefused as refused:
            problems = refused.problems or [refused.message]
        else:
            request.session.pop(SESSION_KEY, None)
            return redirect("issuers:register_done")
    materials = registration_materials_in_order(registration)
    return _render(request, "issuers/register/review.html", registration, 7, problems=problems, materials=materials)


@public
def register_done(request):
    return render(request, "issuers/register/done.html")


@public
def register_resume(request, registration_token: str):
    """The link a rejection SMS carries: reopen the registration to correct and resubmit it."""
    registration = registration_for_token(registration_token)
    if registration is None or registration.status != RegistrationStatus.REJECTED:
        messages.error(request, "链接无效或已过期。")
        return redirect("issuers:register_start")
    request.session[SESSION_KEY] = registration_token
    messages.info(request, f"您的注册申请被驳回，原因：{registration.reject_reason}。请修改后重新提交。")
    return redirect("issuers:register_institution")
