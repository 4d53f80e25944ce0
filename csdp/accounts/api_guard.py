"""The API's edge before any handler: throttling per token and per client address, the read-only
scope of a token (issue 20 §8), and a user who must first replace a temporary password (their session
and their tokens alike, csdp.accounts.middleware). Its own refusals carry ``Cache-Control: no-store``
(they never reach csdp.lib.security_headers, which sets it on every other API answer).

Throttled and refused requests get the API's one error shape (``CsdpError.as_dict()``); the counters
live in the shared cache, so every web process counts together.
"""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers

from csdp.accounts.middleware import password_change_pending
from csdp.accounts.tokens import api_token_lookup, token_digest
from csdp.lib.clients import client_limit_exceeded
from csdp.lib.errors import CsdpError

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class Throttled(CsdpError):
    code = "throttled"
    status = 429


def _bearer(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def _refusal(error: CsdpError, retry_after_s: int | None = None) -> JsonResponse:
    response = JsonResponse(error.as_dict(), status=error.status, json_dumps_params={"ensure_ascii": False})
    if retry_after_s:
        response["Retry-After"] = str(retry_after_s)
    add_never_cache_headers(response)
    return response


PASSWORD_CHANGE_REQUIRED = CsdpError(
    "该用户正在使用临时密码，请先登录网上业务平台修改密码，再调用接口。",
    code="accounts.password_change_required",
    status=403,
)


class ApiGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        return self._check(request) or self.get_response(request)

    def _check(self, request):
        if client_limit_exceeded(
            request, scope="api-addr", limit=settings.CSDP_API_PER_ADDRESS_PER_MINUTE, window_s=60
        ):
            return _refusal(Throttled("请求过于频繁，请稍后再试。", code="throttled.address"), 60)
        key = _bearer(request)
        if key is None:
            return _refusal(PASSWORD_CHANGE_REQUIRED) if password_change_pending(request.user) else None
        if client_limit_exceeded(
            request,
            scope="api-token",
            limit=settings.CSDP_API_PER_TOKEN_PER_MINUTE,
            window_s=60,
            key=token_digest(key)[:32],
        ):
            return _refusal(Throttled("该令牌请求过于频繁，请稍后再试。", code="throttled.token"), 60)
        token = api_token_lookup(key)
        request.csdp_api_token = token  # TokenAuth uses it instead of a second lookup
        # The token acts as its user; without a valid token the session answers (TokenAuth, then SessionAuth).
        if password_change_pending(token.user if token is not None else request.user):
            return _refusal(PASSWORD_CHANGE_REQUIRED)
        if token is not None and token.scope != "write" and request.method not in SAFE_METHODS:
            return _refusal(CsdpError("该令牌为只读权限，不能提交业务。", code="token.read_only", status=403))
        return None
