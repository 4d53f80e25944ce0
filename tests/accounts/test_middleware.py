"""Login scopes (seed 000 §二(六)): a session opened without the USB-KEY reaches only the pages its
scope lists; everything else sends it to the scope-limited page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from csdp.accounts import middleware

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
