"""Password login: lockout after consecutive failures, a per-address limit, one message for every
bad credential, and no open redirect through ``next``. The password step is the same for every login
mode; the users here (participant, underwriter, staff) need no USB-KEY, so a right password alone
completes the login (the key step is tested in tests/keys)."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse

from csdp.audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
BAD_CREDENTIALS = "用户名或密码错误。"
LOCKED = "密码错误次数过多，账户已临时锁定，请稍后再试。"
RATE_LIMITED = "登录失败次数过多，请稍后再试。"


def _login(client: Client, username: str, password: str, path: str = LOGIN, **extra):
    return client.post(path, {"username": username, "password": password}, **extra)


def _error(response) -> str | None:
    return response.context["error"] if response.context else None


def test_a_correct_password_logs_in_with_a_full_scope_session(cast):
    client = Client()
    response = _login(client, "participant", PASSWORD)

    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.session["login_scope"] == "full"
    assert client.get("/").status_code == 200


def test_an_unknown_user_and_a_wrong_password_get_the_same_message(cast):
    unknown = _login(Client(), "nobody", PASSWORD)
    wrong = _login(Client(), "participant", "Wrong-Pass-2026!")

    assert _error(unknown) == _error(wrong) == BAD_CREDENTIALS
    assert unknown.status_code == wrong.status_code == 200


def test_an_unknown_user_name_locks_like_a_real_one_so_the_lockout_reveals_no_user_names(cast, settings):
    settings.CSDP_PASSWORD_MAX_FAILURES = 3
    answers = {}
    for name in ("participant", "no-such-user"):
        client = Client()
        for _ in range(3):
            assert _error(_login(client, name, "Wrong-Pass-2026!")) == BAD_CREDENTIALS
        answers[name] = _error(_login(client, name, PASSWORD))
    assert answers == {"participant": LOCKED, "no-such-user": LOCKED}


def test_the_account_locks_after_the_configured_consecutive_failures_and_unlocks_later(cast, settings):
    settings.CSDP_PASSWORD_MAX_FAILURES = 3
    settings.CSDP_PASSWORD_LOCKOUT_S = 1
    client = Client()
    for _ in range(3):
        assert _error(_login(client, "participant", "Wrong-Pass-2026!")) == BAD_CREDENTIALS

    # Locked: even the right password is refused, with a message that says so.
    assert _error(_login(client, "participant", PASSWORD)) == LOCKED
    cast.participant.refresh_from_db()
    assert cast.participant.locked_until is not None
    assert AuditEvent.objects.filter(action="user.locked", object_id=str(cast.participant.pk)).count() == 1

    time.sleep(1.1)
    assert _login(client, "participant", PASSWORD).status_code == 302
    cast.participant.refresh_from_db()
    assert (cast.participant.failed_logins, cast.participant.locked_until) == (0, None)


def test_a_successful_login_resets_the_count_of_failures(cast, settings):
    settings.CSDP_PASSWORD_MAX_FAILURES = 3
    client = Client()
    for _ in range(2):
        _login(client, "participant", "Wrong-Pass-2026!")
    assert _login(client, "participant", PASSWORD).status_code == 302
    for _ in range(2):
        _login(Client(), "participant", "Wrong-Pass-2026!")

    assert _login(Client(), "participant", PASSWORD).status_code == 302


def test_one_users_failures_do_not_lock_another_user(cast, settings):
    settings.CSDP_PASSWORD_MAX_FAILURES = 2
    for _ in range(2):
        _login(Client(), "participant", "Wrong-Pass-2026!")

    assert _error(_login(Client(), "participant", PASSWORD)) == LOCKED
    assert _login(Client(), "underwriter", PASSWORD).status_code == 302


def test_an_address_that_keeps_failing_is_refused_whatever_the_username(cast, monkeypatch):
    monkeypatch.setattr("csdp.accounts.services.IP_MAX_FAILURES", 4)
    for number in range(4):
        _login(Client(), f"guess{number}", "Wrong-Pass-2026!", REMOTE_ADDR="203.0.113.9")

    refused = _login(Client(), "participant", PASSWORD, REMOTE_ADDR="203.0.113.9")
    assert (refused.status_code, _error(refused)) == (200, RATE_LIMITED)
    # Another address is not affected, and the user behind the guesses is not locked.
    assert _login(Client(), "participant", PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 302


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/phish", "http://localhost.evil.example/", "javascript:alert(1)"],
)
def test_next_pointing_off_site_is_ignored(cast, target):
    response = _login(Client(), "participant", PASSWORD, path=f"{LOGIN}?next={target}")

    assert (response.status_code, response["Location"]) == (302, "/")


def test_next_pointing_inside_the_site_is_followed(cast):
    target = reverse("clock:calendar")
    response = _login(Client(), "reviewer", PASSWORD, path=f"{LOGIN}?next={target}")

    assert response["Location"] == target


def test_the_login_form_refuses_a_post_without_a_csrf_token(cast):
    response = _login(Client(enforce_csrf_checks=True), "participant", PASSWORD)

    assert response.status_code == 403


def test_logout_ends_the_session(cast, client_for):
    client = client_for(cast.participant)
    client.post(reverse("accounts:logout"))

    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_an_anonymous_visitor_is_sent_to_the_login_page_with_next(db):
    response = Client().get(reverse("portal:staff_queue"))

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={reverse('portal:staff_queue')}"
