from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from csdp.accounts.access import ANY_ROLE, Role, allow, public
from csdp.accounts.forms import LoginForm
from csdp.accounts.login_steps import login_steps
from csdp.accounts.password_forgot import PasswordForgotRefused, password_forgot_code_send
from csdp.accounts.password_forgot import password_forgot_reset as reset
from csdp.accounts.selectors import demo_logins, user_list as select_users
from csdp.accounts.services import LoginRefused, user_authenticate, user_password_change
from csdp.lib.errors import CsdpError
from csdp.lib.web import form_refused


@public
@require_http_methods(["GET", "POST"])
def login_view(request):
    """Step one of every login mode (csdp.keys.login): the password, and for 口令登录 the captcha."""
    steps = login_steps()
    form = LoginForm(request.POST or None, initial={"mode": request.GET.get("mode", "key")})
    error = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
            target = "portal:home"
        try:
            if data["mode"] == "sms" and not steps.captcha_check(request, data["captcha"]):
                raise LoginRefused("图形验证码错误，请重新输入。")
            user = user_authenticate(request=request, username=data["username"], password=data["password"])
            return redirect(steps.second_step(request, user=user, mode=data["mode"], target=target))
        except LoginRefused as refused:  # the key step's refusals are LoginRefused too (csdp.keys.login)
            error = refused.message
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "demo_logins": demo_logins(), "demo_outbox": steps.demo_outbox()},
    )


@public
@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")


@allow(ANY_ROLE)
@require_http_methods(["GET", "POST"])
def password_change(request):
    """用户设置 → 密码修改 (000 §一(四)4); also where a temporary password is replaced, the one page a
    user with one may reach (csdp.accounts.middleware.PasswordChangeMiddleware). The form checks the
    old password and Django's validators (AUTH_PASSWORD_VALIDATORS); the service writes."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_password_change(user=request.user, new_password=form.cleaned_data["new_password1"])
        except CsdpError as refused:
            form_refused(form, refused)
        else:
            update_session_auth_hash(request, user)  # keep this session, end the others
            messages.success(request, "密码已修改。")
            return redirect("portal:home")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "temporary": request.user.password_change_required},
    )


@allow(Role.ADMIN)
def user_list(request):
    return render(request, "accounts/user_list.html", {"users": select_users()})


FORGOT_SESSION = "password_forgot"


@public
@require_http_methods(["GET", "POST"])
def password_forgot(request):
    """忘记密码, step 1: the account and the agent's mobile on file, and the picture code."""
    error = None
    if request.method == "POST":
        username, mobile = request.POST.get("username", "").strip()[:150], request.POST.get("mobile", "").strip()[:11]
        if not username or not mobile:
            error = "请填写用户名和经办人手机号。"
        elif not login_steps().captcha_check(request, request.POST.get("captcha", "")):
            error = "图形验证码错误，请重新输入。"
        else:
            try:
                password_forgot_code_send(username=username, mobile=mobile)
            except PasswordForgotRefused as refused:
                error = refused.message
            else:
                request.session[FORGOT_SESSION] = {"username": username, "mobile": mobile}
                messages.info(request, "如用户名与经办人手机号一致，验证码已发送至该手机。")
                return redirect("accounts:password_forgot_reset")
    return render(request, "accounts/password_forgot.html", {"error": error, "values": request.POST})


@public
@require_http_methods(["GET", "POST"])
def password_forgot_reset(request):
    """忘记密码, step 2: the SMS code and the new password."""
    pending = request.session.get(FORGOT_SESSION)
    if not pending:
        return redirect("accounts:password_forgot")
    error, problems = None, []
    if request.method == "POST":
        first, second = request.POST.get("new_password1", ""), request.POST.get("new_password2", "")
        if first != second:
            error = "两次输入的新密码不一致。"
        else:
            try:
                reset(
                    username=pending["username"],
                    mobile=pending["mobile"],
                    code=request.POST.get("code", ""),
                    new_password=first,
                )
            except PasswordForgotRefused as refused:
                error, problems = refused.message, [p.message for p in refused.problems]
            else:
                request.session.pop(FORGOT_SESSION, None)
                messages.success(request, "密码已重置，请使用新密码登录。")
                return redirect("accounts:login")
    masked = pending["mobile"][:3] + "****" + pending["mobile"][-4:]
    return render(
        request, "accounts/password_forgot_reset.html", {"error": error, "problems": problems, "mobile": masked}
    )
