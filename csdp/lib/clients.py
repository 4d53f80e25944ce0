"""Who is calling: the client's address behind the configured trusted proxies, and the one per-client
rate limit every public form (login, verification codes, captcha, registration, key enrolment, the
pledge board) and the API use.

Behind a reverse proxy ``REMOTE_ADDR`` is the proxy's address: keyed on it, one attacker's failures
would lock every user of the site out. ``X-Forwarded-For`` is appended to by each proxy, so with
``CSDP_TRUSTED_PROXIES = n`` the client is the n-th address from the right — addresses further left
were written by the client itself and are not trusted. With 0 (no proxy) the header is ignored.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The caller's IP address as the nearest untrusted hop saw it ("?" if nothing usable)."""
    remote = request.META.get("REMOTE_ADDR", "") or "?"
    trusted = getattr(settings, "CSDP_TRUSTED_PROXIES", 0)
    if trusted <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < trusted:
        # Fewer hops than proxies configured: the request did not come through all of them (or the
        # proxy was bypassed). The leftmost hop is the best we have; never the shared proxy address.
        candidate = hops[0] if hops else remote
    else:
        candidate = hops[-trusted]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def client_limit_exceeded(
    request: HttpRequest, *, scope: str, limit: int, window_s: int, key: str | None = None
) -> bool:
    """Count one attempt of ``scope`` for this client (or for ``key``, e.g. an API token) in a fixed
    window and say whether it went over ``limit``. The counter lives in the shared cache (the database
    in production), so every web process counts together."""
    cache_key = f"rate:{scope}:{key if key is not None else client_address(request)}"
    cache.add(cache_key, 0, window_s)
    try:
        return cache.incr(cache_key) > limit
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, window_s)
        return limit < 1


def client_limit_reached(request: HttpRequest, *, scope: str, limit: int) -> bool:
    """Whether ``scope`` is already at its limit for this client, without counting (login checks this
    before the password, and counts only failures)."""
    return (cache.get(f"rate:{scope}:{client_address(request)}") or 0) >= limit


def client_limit_count(request: HttpRequest, *, scope: str, window_s: int) -> None:
    """Count one attempt without asking (a failed login)."""
    client_limit_exceeded(request, scope=scope, limit=1 << 30, window_s=window_s)


def codes_limited_for_client(request: HttpRequest) -> bool:
    """Verification codes per client address: beside the per-mobile limits of csdp.notify.codes, one
    address may not spray codes over many mobiles (CSDP_CODE_MAX_PER_ADDRESS_PER_HOUR)."""
    return client_limit_exceeded(
        request, scope="codes", limit=settings.CSDP_CODE_MAX_PER_ADDRESS_PER_HOUR, window_s=3600
    )
