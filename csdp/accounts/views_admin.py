"""系统管理: institutions and users, for administrators (csdp/accounts/administration.py does the work)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from csdp.accounts import administration as admin
from csdp.accounts.access import Role, access_object, allow
from csdp.accounts.forms_admin import InstitutionForm, RoleForm, UserCreateForm
from csdp.accounts.models import Institution, User
from csdp.accounts.roles import InstitutionKind
from csdp.accounts.selectors import institution_list as select_institutions, user_audit_trail
from csdp.lib.errors import CsdpError
from csdp.lib.web import form_refused


@allow(Role.ADMIN)
def institution_list(request):
    kind = request.GET.get("kind", "")
    page = Paginator(select_institutions(kind=kind, q=request.GET.get("q", "").strip()), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/institution_list.html",
        {"page": page, "kinds": InstitutionKind.choices, "kind": kind, "q": request.GET.get("q", "")},
    )


@allow(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def institution_create(request):
    form = InstitutionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            institution = admin.institution_add(
                kind=d["kind"], name=d["name"], code=d["code"], uscc=d["uscc"], actor=request.user
            )
        except CsdpError as error:
            form_refused(form, error)
        else:
            messages.success(request, f"已新建机构 {institution.name}。")
            return redirect("accounts:institution_edit", institution_id=institution.pk)
    return render(request, "accounts/institution_form.html", {"form": form, "institution": None})


@allow(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def institution_edit(request, institution_id: int):
    institution = access_object(request.user, Institution, pk=institution_id)
    initial = {
        "kind": institution.kind,
        "name": institution.name,
        "code": institution.code,
        "uscc": institution.uscc,
        "is_active": institution.is_active,
    }
    form = InstitutionForm(request.POST or None, initial=initial)
    form.fields["kind"].disabled = True  # the kind decides its users' roles: a new institution instead
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            admin.institution_update(
                institution=institution,
                name=d["name"],
                code=d["code"],
                uscc=d["uscc"],
                is_active=d["is_active"],
                actor=request.user,
            )
        except CsdpError as error:
            form_refused(form, error)
        else:
            messages.success(request, "机构信息已保存。")
            return redirect("accounts:institution_edit", institution_id=institution.pk)
    users = institution.users.order_by("username")
    return render(request, "accounts/institution_form.html", {"form": form, "institution": institution, "users": users})


@allow(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def user_create(request):
    form = UserCreateForm(request.POST or None, initial={"institution": request.GET.get("institution")})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        common = {
            "username": d["username"],
            "display_name": d["display_name"],
            "mobile": d["mobile"],
            "email": d["email"],
            "actor": request.user,
        }
        try:
            if d["staff_role"]:
                user, password, _ = admin.staff_user_add(staff_role=d["staff_role"], **common)
                note = "岗位授予已提交复核，另一名管理员复核通过后账户启用。"
            else:
                user, password = admin.member_user_add(institution=d["institution"], **common)
                note = ""
        except CsdpError as error:
            form_refused(form, error)
        else:
            messages.success(request, f"已新建用户 {user.username}，临时密码：{password}（只显示这一次）。{note}")
            return redirect("accounts:user_detail", user_id=user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


def _user_for(request, user_id: int) -> User:
    return access_object(request.user, User.objects.select_related("institution"), pk=user_id)


@allow(Role.ADMIN)
def user_detail(request, user_id: int):
    user = _user_for(request, user_id)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": user,
            "role_form": RoleForm(initial={"staff_role": user.staff_role}),
            "events": user_audit_trail(user),
            "pending": admin.role_grants_pending(user),
        },
    )


ACTIONS = {"disable", "enable", "unlock", "reset_password", "role"}


@allow(Role.ADMIN)
@require_POST
def user_action(request, user_id: int):
    user = _user_for(request, user_id)
    action = request.POST.get("action", "")
    try:
        if action == "disable":
            admin.user_active_set(user=user, active=False, actor=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, "账户已停用。")
        elif action == "enable":
            admin.user_active_set(user=user, active=True, actor=request.user)
            messages.success(request, "账户已启用。")
        elif action == "unlock":
            admin.user_unlock(user=user, actor=request.user)
            messages.success(request, "账户已解锁。")
        elif action == "reset_password":
            password = admin.user_password_reset(user=user, actor=request.user)
            messages.success(request, f"密码已重置，临时密码：{password}（只显示这一次，请通知本人登录后修改）。")
        elif action == "role":
            form = RoleForm(request.POST)
            if not form.is_valid():
                raise admin.AdminRefused("请选择岗位。", code="accounts.unknown_role")
            approval = admin.staff_role_grant_prepare(
                user=user, staff_role=form.cleaned_data["staff_role"], actor=request.user
            )
            messages.success(request, f"岗位变更已提交复核（{approval.summary}），须另一名管理员复核。")
        else:
            raise admin.AdminRefused("未知的操作。", code="accounts.unknown_action")
    except CsdpError as error:
        messages.error(request, str(error))
    return redirect("accounts:user_detail", user_id=user.pk)
