"""Login scope: a session opened without the USB-KEY may reach only some pages.

seed 000 §二(六): 口令登录 (password + captcha + SMS code) reaches only 国密证书管理 and 经办人信息维护;
a password-only login (the changed-mobile path) reaches only 经办人信息维护. The session records
the scope at login; pages a scope allows are listed in SCOPE_URL_NAMES.
"""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import Resolver404, resolve

FULL = "full"
SCOPE_URL_NAMES: dict[str, set[str]] = {
    FULL: set(),  # unrestricted
}
# URL names every scope may reach (logging out, static pages, the scope's landing page).
ALWAYS_ALLOWED = {"accounts:login", "accounts:logout", "portal:scope_limited", "health"}


def register_scope(scope: str, url_names: set[str]) -> None:
    SCOPE_URL_NAMES.setdefault(scope, set()).update(url_names)


class LoginScopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        scope = request.session.get("login_scope", FULL) if request.user.is_authenticated else FULL
        request.login_scope = scope
        if scope != FULL and not request.path.startswith("/static/"):
            try:
                match = resolve(request.path_info)
                name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
            except Resolver404:
                name = None
            if name not in ALWAYS_ALLOWED and name not in SCOPE_URL_NAMES.get(scope, set()):
                return redirect("portal:scope_limited")
        return self.get_response(request)
