"""Response headers that every page and API answer carries (issue 20 §8).

- Content-Security-Policy: every script is first-party (static files from our own origin, no inline
  script, no inline event handler), so ``script-src 'self'`` holds; styles allow inline attributes
  because htmx inserts its indicator style. Uploaded files keep their stricter ``sandbox`` policy
  (csdp/uploads/responses.py sets it first and we leave it).
- Cache-Control: no-store on every answer to a signed-in user and on every API answer, so a shared
  proxy or the browser's back button never shows one member's data to the next person at the desk.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.csp = getattr(settings, "CSDP_CONTENT_SECURITY_POLICY", DEFAULT_CSP)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.csp and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.csp
        user = getattr(request, "user", None)
        private = request.path.startswith("/api/") or bool(user is not None and user.is_authenticated)
        if private and not request.path.startswith(settings.STATIC_URL):
            response["Cache-Control"] = "private, no-store"
        return response
