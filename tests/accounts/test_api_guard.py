"""The API's edge refuses a user who must first replace a temporary password: their browser session and
their back office's bearer tokens alike, with a stable code and a Chinese message."""

import pytest
from django.test import Client

from csdp.accounts.services import user_password_change, user_password_temporary_set
from csdp.accounts.tokens import api_token_create

pytestmark = pytest.mark.django_db


def _refused(response) -> bool:
    body = response.json()
    return (response.status_code, body["code"]) == (403, "accounts.password_change_required") and "临时密码" in body[
        "detail"
    ]


def test_the_api_refuses_the_session_of_a_user_with_a_temporary_password(cast, client_for):
    user_password_temporary_set(user=cast.participant, actor=cast.admin, reason="测试")
    cast.participant.refresh_from_db()  # the session is opened with the new password's hash

    assert _refused(client_for(cast.participant).get("/api/v1/me"))


def test_the_api_refuses_a_bearer_token_of_a_user_with_a_temporary_password_until_it_is_changed(cast):
    _, key = api_token_create(user=cast.participant, name="后台", scope="write")
    user_password_temporary_set(user=cast.participant, actor=cast.admin, reason="测试")
    client = Client(headers={"Authorization": f"Bearer {key}"})

    assert _refused(client.get("/api/v1/me"))

    user_password_change(user=cast.participant, new_password="Eigenes-Passwort-2026!")
    response = client.get("/api/v1/me")
    assert response.status_code == 200 and response.json()["username"] == "participant"


def test_a_user_without_a_temporary_password_is_not_refused(cast, client_for):
    assert client_for(cast.participant).get("/api/v1/me").status_code == 200
