from __future__ import annotations

from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from csdp.accounts.access import Role, allow, public
from csdp.accounts.forms import LoginForm
from csdp.accounts.middleware import FULL
from csdp.accounts.selectors import demo_logins, user_list as select_users
from csdp.accounts.services import LoginRefused, user_authenticate
from csdp.notify.selectors import demo_outbox_recent


@public
@require_http_methods(["GET", "POST"])
def login_view(request):
    form = LoginForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            user = user_authenticate(request=request, **form.cleaned_data)
        except LoginRefused as refused:
            error = refused.message
        else:
            login(request, user)
            request.session["login_scope"] = FULL
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
                target = "portal:home"
            return redirect(target)
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "demo_logins": demo_logins(), "demo_outbox": demo_outbox_recent()},
    )


@public
@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")


@allow(Role.ADMIN)
def user_list(request):
    return render(request, "accounts/user_list.html", {"users": select_users()})
