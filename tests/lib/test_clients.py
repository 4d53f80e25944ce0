"""The client address behind trusted proxies, and the per-client limits keyed on it: one attacker behind
the site's own nginx must not lock every other user out of login."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from csdp.accounts import services as account_services
from csdp.lib.clients import client_address, client_limit_exceeded
from tests.conftest import PASSWORD

PROXY = "10.0.0.5"


def _request(xff: str | None = None, remote: str = PROXY):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    settings.CSDP_TRUSTED_PROXIES = 0
    assert client_address(_request("203.0.113.7")) == PROXY


def test_with_one_proxy_the_client_is_the_rightmost_forwarded_hop(settings):
    settings.CSDP_TRUSTED_PROXIES = 1
    # The client wrote "1.2.3.4" itself; nginx appended the address it really saw.
    assert client_address(_request("1.2.3.4, 203.0.113.7")) == "203.0.113.7"


def test_with_two_proxies_the_client_is_the_second_from_the_right(settings):
    settings.CSDP_TRUSTED_PROXIES = 2
    assert client_address(_request("1.2.3.4, 203.0.113.7, 10.0.0.9")) == "203.0.113.7"


def test_a_garbage_hop_falls_back_to_the_peer_address(settings):
    settings.CSDP_TRUSTED_PROXIES = 1
    assert client_address(_request("not-an-ip")) == PROXY


def test_a_limit_counts_per_client_and_refuses_above_it(settings):
    settings.CSDP_TRUSTED_PROXIES = 1
    a, b = _request("203.0.113.7"), _request("198.51.100.1")
    assert [client_limit_exceeded(a, scope="t", limit=2, window_s=60) for _ in range(3)] == [False, False, True]
    assert client_limit_exceeded(b, scope="t", limit=2, window_s=60) is False


@pytest.mark.django_db
def test_an_attacker_behind_the_proxy_does_not_lock_other_users_out_of_login(cast, settings, monkeypatch):
    settings.CSDP_TRUSTED_PROXIES = 1
    settings.CSDP_PASSWORD_MAX_FAILURES = 1000
    monkeypatch.setattr(account_services, "IP_MAX_FAILURES", 3)
    attacker, victim = Client(REMOTE_ADDR=PROXY), Client(REMOTE_ADDR=PROXY)
    for _ in range(3):
        attacker.post("/accounts/login/", {"username": "nobody", "password": "x"}, HTTP_X_FORWARDED_FOR="203.0.113.66")
    refused = attacker.post(
        "/accounts/login/", {"username": "participant", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="203.0.113.66"
    )
    assert refused.context["error"] == "登录失败次数过多，请稍后再试。"

    ok = victim.post(
        "/accounts/login/", {"username": "participant", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.20"
    )
    assert ok.status_code == 302
