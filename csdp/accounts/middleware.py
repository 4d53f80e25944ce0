"""What a logged-in session may reach before it may reach everything.

Login scope: a session opened without the USB-KEY may reach only some pages. seed 000 §二(六):
口令登录 (password + captcha + SMS code) reaches only 国密证书管理 and 经办人信息维护; a password-only
login (the changed-mobile path) reaches only 经办人信息维护. The session records the scope at login;
pages a scope allows are listed in SCOPE_URL_NAMES.

Temporary password: a user whose password someone else chose (``User.password_change_required``)
reaches only the password change page — and the steps that come before it, such as the USB-KEY's
forced PIN change (``register_before_password_change``) — until they set their own. The API's edge
refuses such a user's calls (csdp.accounts.api_guard).
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, resolve_url
from django.urls import Resolver404, resolve

FULL = "full"
SCOPE_URL_NAMES: dict[str, set[str]] = {
    FULL: set(),  # unrestricted
}
# URL names every scope may reach (logging out, static pages, the scope's landing page).
ALWAYS_ALLOWED = {"accounts:login", "accounts:logout", "portal:scope_limited", "health"}


PASSWORD_CHANGE = "accounts:password_change"
# Pages a user with a temporary password may still reach, besides ALWAYS_ALLOWED and the change page.
BEFORE_PASSWORD_CHANGE: set[str] = set()


def register_scope(scope: str, url_names: set[str]) -> None:
    SCOPE_URL_NAMES.setdefault(scope, set()).update(url_names)


def register_before_password_change(url_names: set[str]) -> None:
    """Pages of a step an app forces before the password change (csdp.keys: the initial PIN's change)."""
    BEFORE_PASSWORD_CHANGE.update(url_names)


def password_change_pending(user) -> bool:
    return bool(user.is_authenticated and getattr(user, "password_change_required", False))


def _url_name(request) -> str | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name


class LoginScopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        scope = request.session.get("login_scope", FULL) if request.user.is_authenticated else FULL
        request.login_scope = scope
        if scope != FULL and not request.path.startswith("/static/"):
            name = _url_name(request)
            # A temporary password is replaced in every scope: PasswordChangeMiddleware sends it there.
            allowed = SCOPE_URL_NAMES.get(scope, set()) | (
                {PASSWORD_CHANGE} if password_change_pending(request.user) else set()
            )
            if name not in ALWAYS_ALLOWED and name not in allowed:
                return redirect("portal:scope_limited")
        return self.get_response(request)


class PasswordChangeMiddleware:
    """Every page but the allowed ones sends a user with a temporary password to the change page (the
    API is refused at its own edge, csdp.accounts.api_guard). Runs after LoginScopeMiddleware: a
    limited scope first confines the session to its pages, this then to the change page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            password_change_pending(request.user)
            and not request.path.startswith(("/static/", "/api/"))
            and _url_name(request) not in ALWAYS_ALLOWED | BEFORE_PASSWORD_CHANGE | {PASSWORD_CHANGE}
        ):
            if getattr(request, "htmx", False):  # a fragment request: move the whole page, not a part of it
                return HttpResponse(headers={"HX-Redirect": resolve_url(PASSWORD_CHANGE)})
            return redirect(PASSWORD_CHANGE)
        return self.get_response(request)
