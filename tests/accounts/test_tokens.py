"""API tokens for members' back offices: issue / list / revoke from the page, scopes, expiry, the
USB-KEY login for issuers, and the API's throttling per token and per address."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from csdp.accounts.models import ApiToken
from csdp.accounts.tokens import TokenRefused, api_token_create

pytestmark = pytest.mark.django_db


def _bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_a_participant_issues_a_token_on_the_page_sees_it_once_and_uses_it(cast, client_for):
    client = client_for(cast.participant)
    page = client.post("/accounts/tokens/", {"name": "清算系统", "scope": "read", "expires_days": 30})
    key = page.context["new_key"]
    token = ApiToken.objects.get(user=cast.participant)
    assert (token.scope, token.name) == ("read", "清算系统")
    assert dt.timedelta(days=29) < token.expires_at - timezone.now() <= dt.timedelta(days=30)
    assert key not in client.get("/accounts/tokens/").content.decode()  # shown once
    assert Client().get("/api/v1/me", **_bearer(key)).json()["username"] == "participant"


def test_members_see_their_institutions_tokens_and_not_others(cast, client_for):
    api_token_create(user=cast.participant, name="甲系统")
    api_token_create(user=cast.underwriter, name="乙系统")
    names = [t.name for t in client_for(cast.participant).get("/accounts/tokens/").context["tokens"].page]
    assert names == ["甲系统"]


def test_a_token_is_revoked_from_the_page_and_stops_working(cast, client_for):
    token, key = api_token_create(user=cast.participant, name="清算系统")
    client_for(cast.participant).post(f"/accounts/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == cast.participant
    assert Client().get("/api/v1/me", **_bearer(key)).status_code == 401


def test_another_institution_cannot_revoke_a_token(cast, client_for):
    token, _ = api_token_create(user=cast.participant, name="清算系统")
    assert client_for(cast.underwriter).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_expired_token_gets_401(cast):
    token, key = api_token_create(user=cast.participant, name="清算系统", expires_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert Client().get("/api/v1/me", **_bearer(key)).status_code == 401


def test_an_issuer_needs_the_usb_key_login_to_issue_a_token(cast, client_for):
    with pytest.raises(TokenRefused) as refused:
        api_token_create(user=cast.issuer_a, name="x", login_method="password")
    assert refused.value.code == "token.key_login_required"
    page = client_for(cast.issuer_a).post("/accounts/tokens/", {"name": "x", "scope": "read", "expires_days": 5})
    assert "USB-KEY" in page.content.decode() and not ApiToken.objects.filter(user=cast.issuer_a).exists()
    api_token_create(user=cast.issuer_a, name="x", login_method="key")


def test_expiry_beyond_the_configured_maximum_is_refused(cast, settings):
    settings.CSDP_API_TOKEN_MAX_DAYS = 10
    with pytest.raises(TokenRefused) as refused:
        api_token_create(user=cast.participant, name="x", expires_days=11)
    assert refused.value.problems[0].field == "expires_days"


def test_a_read_token_cannot_post(cast):
    _, key = api_token_create(user=cast.participant, name="只读")
    response = Client().post("/api/v1/me", **_bearer(key))
    assert response.status_code == 403
    assert response.json() == {"code": "token.read_only", "detail": "该令牌为只读权限，不能提交业务。", "problems": []}


def test_the_api_throttles_per_token_with_the_error_shape_and_retry_after(cast, settings):
    settings.CSDP_API_PER_TOKEN_PER_MINUTE = 3
    _, key = api_token_create(user=cast.participant, name="x")
    _, other = api_token_create(user=cast.participant, name="y")
    codes = [Client().get("/api/v1/me", **_bearer(key)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    throttled = Client().get("/api/v1/me", **_bearer(key))
    assert throttled.json()["code"] == "throttled.token" and throttled["Retry-After"] == "60"
    assert Client().get("/api/v1/me", **_bearer(other)).status_code == 200


def test_the_api_throttles_per_client_address_behind_the_proxy(cast, settings):
    settings.CSDP_API_PER_ADDRESS_PER_MINUTE = 2
    settings.CSDP_TRUSTED_PROXIES = 1
    _, key = api_token_create(user=cast.participant, name="x")
    a = [Client().get("/api/v1/me", HTTP_X_FORWARDED_FOR="203.0.113.1", **_bearer(key)).status_code for _ in range(3)]
    assert a == [200, 200, 429]
    assert Client().get("/api/v1/me", HTTP_X_FORWARDED_FOR="203.0.113.2", **_bearer(key)).status_code == 200


def test_api_responses_are_not_stored_by_caches(cast):
    _, key = api_token_create(user=cast.participant, name="x")
    assert "no-store" in Client().get("/api/v1/me", **_bearer(key))["Cache-Control"]


def test_a_back_office_lists_and_revokes_its_institutions_tokens_by_api(cast):
    token, key = api_token_create(user=cast.participant, name="清算系统", scope="write")
    other, _ = api_token_create(user=cast.underwriter, name="乙系统", scope="write")
    listed = Client().get("/api/v1/tokens", **_bearer(key)).json()["items"]
    assert [(t["name"], t["scope"], t["issued_by"]) for t in listed] == [("清算系统", "write", "participant")]
    assert Client().post(f"/api/v1/tokens/{other.pk}/revoke", **_bearer(key)).status_code == 404
    revoked = Client().post(f"/api/v1/tokens/{token.pk}/revoke", **_bearer(key))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert Client().get("/api/v1/tokens", **_bearer(key)).status_code == 401
