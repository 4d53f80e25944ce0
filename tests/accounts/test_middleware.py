"""Login scopes (seed 000 §二(六)): a session opened without the USB-KEY reaches only the pages its
scope lists; everything else sends it to the scope-limited page."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from csdp.accounts import middleware
from tests.test_access_matrix import all_routes

pytestmark = pytest.mark.django_db


@pytest.fixture
def limited_client(cast, client_for, monkeypatch):
    monkeypatch.setitem(middleware.SCOPE_URL_NAMES, "test_limited", {"portal:my_applications"})
    client = client_for(cast.issuer_a)
    session = client.session
    session["login_scope"] = "test_limited"
    session.save()
    return client


def test_a_limited_session_is_sent_to_the_scope_limited_page_from_any_other_page(limited_client):
    for path in [reverse("portal:home"), reverse("accounts:user_list"), "/api/v1/me"]:
        response = limited_client.get(path)
        assert (response.status_code, response["Location"]) == (302, reverse("portal:scope_limited")), path


def test_a_limited_session_reaches_the_pages_its_scope_lists(limited_client):
    assert limited_client.get(reverse("portal:my_applications")).status_code == 200


def test_the_scope_limited_page_explains_itself_with_403(limited_client):
    response = limited_client.get(reverse("portal:scope_limited"))

    assert response.status_code == 403
    assert "功能受限" in response.content.decode()


def test_a_limited_session_may_still_log_out(limited_client):
    response = limited_client.post(reverse("accounts:logout"))

    assert response["Location"] == reverse("accounts:login")


def test_a_scope_nobody_registered_reaches_nothing_but_the_always_allowed_pages(cast, client_for):
    client = client_for(cast.issuer_a)
    session = client.session
    session["login_scope"] = "password_only_unregistered"
    session.save()

    assert client.get(reverse("portal:my_applications"))["Location"] == reverse("portal:scope_limited")
    assert client.get(reverse("health")).status_code == 200


def test_register_scope_adds_url_names_to_a_scope(monkeypatch):
    monkeypatch.setattr(middleware, "SCOPE_URL_NAMES", {"full": set()})
    middleware.register_scope("password_sms", {"a:one"})
    middleware.register_scope("password_sms", {"a:two"})

    assert middleware.SCOPE_URL_NAMES["password_sms"] == {"a:one", "a:two"}


# A temporary password (User.password_change_required): every page leads to the password change page
# until the user sets their own.

ALLOWED_WITH_A_TEMPORARY_PASSWORD = middleware.ALWAYS_ALLOWED | {"accounts:password_change", "keys:pin_change"}


def _admin_created_participant(cast, client_for) -> tuple[Client, str]:
    """A participant user created on the administrator's page, logged in with the temporary password shown."""
    page = client_for(cast.admin).post(
        reverse("accounts:user_create"), {"username": "p2", "institution": cast.participant.institution_id}, follow=True
    )
    password = page.content.decode().split("临时密码：")[1].split("（")[0]
    client = Client()
    assert client.post(reverse("accounts:login"), {"username": "p2", "password": password}).status_code == 302
    return client, password


def _every_page():
    """Every page's path (keywords filled with any value: the middleware answers before the view)."""
    for route, name, _ in all_routes():
        if not route.startswith("api/") and name not in ALLOWED_WITH_A_TEMPORARY_PASSWORD:
            yield re.sub(r"<(?:\w+:)?\w+>", "1", "/" + route.lstrip("^").rstrip("$")), name


def test_a_user_created_by_an_administrator_is_sent_to_the_password_change_page_from_every_page(cast, client_for):
    client, _ = _admin_created_participant(cast, client_for)

    pages = list(_every_page())
    assert len(pages) > 100
    for path, name in pages:
        for method in (client.get, client.post):
            response = method(path)
            assert (response.status_code, response.get("Location")) == (302, "/accounts/password/"), (path, name)


def test_a_user_with_a_temporary_password_still_reaches_the_change_page_logout_and_static_files(cast, client_for):
    client, _ = _admin_created_participant(cast, client_for)

    assert "您正在使用临时密码" in client.get(reverse("accounts:password_change")).content.decode()
    assert client.get(reverse("health")).status_code == 200
    assert client.get("/static/csdp/csdp.js").status_code != 302
    assert client.post(reverse("accounts:logout"))["Location"] == reverse("accounts:login")


def test_an_htmx_request_moves_the_whole_page_to_the_change_page(cast, client_for):
    client, _ = _admin_created_participant(cast, client_for)

    response = client.get(reverse("portal:home"), headers={"HX-Request": "true"})

    assert response["HX-Redirect"] == reverse("accounts:password_change")


def test_after_the_change_every_page_works_again(cast, client_for):
    client, password = _admin_created_participant(cast, client_for)
    new = "Eigenes-Passwort-2026!"

    client.post(
        reverse("accounts:password_change"), {"old_password": password, "new_password1": new, "new_password2": new}
    )

    assert client.get(reverse("portal:home")).status_code == 200
    assert client.get(reverse("accounts:token_list")).status_code == 200


def test_a_limited_scope_with_a_temporary_password_reaches_its_change_page_without_a_loop(cast, client_for):
    from csdp.accounts.services import user_password_temporary_set

    user_password_temporary_set(user=cast.issuer_a, actor=cast.admin, reason="测试")

    cast.issuer_a.refresh_from_db()  # the session is opened with the new password's hash
    client = client_for(cast.issuer_a)
    session = client.session
    session["login_scope"] = "pin_change"  # a key still on its initial PIN: the PIN first (csdp.keys.scopes)
    session.save()

    assert client.get(reverse("keys:pin_change")).status_code == 200
    assert client.get(reverse("accounts:password_change")).status_code == 200
    assert client.get(reverse("portal:home"))["Location"] == reverse("portal:scope_limited")
