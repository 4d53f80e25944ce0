"""API authentication: bearer tokens for back offices, the browser session with CSRF for pages."""

from __future__ import annotations

import pytest
from django.test import Client

from csdp.accounts.models import ApiToken
from csdp.accounts.services import api_token_create, api_token_revoke
from csdp.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_a_token_authenticates_its_user_on_the_api(cast):
    token, key = api_token_create(user=cast.participant, name="清算系统")

    response = Client().get("/api/v1/me", **_bearer(key))

    assert response.status_code == 200
    assert response.json() == {
        "username": "participant",
        "display_name": "participant",
        "role": "participant",
        "role_label": "结算参与人",
        "institution": "丁证券股份有限公司",
    }
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_only_the_digest_of_a_token_is_stored(cast):
    token, key = api_token_create(user=cast.participant, name="清算系统")

    assert key.startswith("csdp_") and key not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert AuditEvent.objects.filter(action="api_token.create", object_id=str(token.pk)).exists()


def test_a_revoked_token_gets_401(cast):
    token, key = api_token_create(user=cast.participant, name="清算系统")
    api_token_revoke(token=token, actor=cast.admin)

    assert Client().get("/api/v1/me", **_bearer(key)).status_code == 401


def test_an_unknown_token_and_no_credentials_get_401(db):
    assert Client().get("/api/v1/me", **_bearer("csdp_not-a-token")).status_code == 401
    assert Client().get("/api/v1/me").status_code == 401


def test_the_token_of_a_deactivated_user_gets_401(cast):
    _, key = api_token_create(user=cast.participant, name="清算系统")
    cast.participant.is_active = False
    cast.participant.save()

    assert Client().get("/api/v1/me", **_bearer(key)).status_code == 401


def test_a_session_get_needs_no_csrf_token(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.issuer_a)

    assert client.get("/api/v1/me").json()["username"] == "issuer_a"


@pytest.mark.urls("tests.accounts.csrf_urls")
def test_a_session_post_without_the_csrf_token_is_refused(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.issuer_a)

    response = client.post("/probe/echo")

    assert response.status_code == 403


@pytest.mark.urls("tests.accounts.csrf_urls")
def test_a_session_post_with_the_csrf_token_is_accepted(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.issuer_a)
    client.get("/accounts/login/")  # a page with a form sets the CSRF cookie
    token = client.cookies["csrftoken"].value

    response = client.post("/probe/echo", HTTP_X_CSRFTOKEN=token)

    assert (response.status_code, response.json()) == (200, {"username": "issuer_a"})


@pytest.mark.urls("tests.accounts.csrf_urls")
def test_a_bearer_post_needs_no_csrf_token(cast):
    _, key = api_token_create(user=cast.participant, name="清算系统")

    response = Client(enforce_csrf_checks=True).post("/probe/echo", **_bearer(key))

    assert (response.status_code, response.json()) == (200, {"username": "participant"})
