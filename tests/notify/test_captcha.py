"""The image captcha: a PNG that is never cached, an answer kept only as a hash, one check per image."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from csdp.notify import captcha
from csdp.notify.captcha import ALPHABET, SESSION_KEY, captcha_check, captcha_store


@pytest.fixture
def request_with_session(db):
    request = RequestFactory().post("/")
    request.session = SessionStore()
    return request


@pytest.fixture
def drawn(db, monkeypatch):
    """Record the answers drawn by the view (the image itself is not read by tests)."""
    answers = []
    real = captcha.captcha_png
    monkeypatch.setattr(captcha, "captcha_png", lambda answer: answers.append(answer) or real(answer))
    cache.clear()
    return answers


def test_the_view_serves_an_uncacheable_png_and_keeps_only_a_hash_in_the_session(client, drawn):
    response = client.get(reverse("notify:captcha"))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert "no-store" in response["Cache-Control"]
    [answer] = drawn
    assert 4 <= len(answer) <= 5 and set(answer) <= set(ALPHABET)
    entry = client.session[SESSION_KEY]
    assert answer not in str(entry) and set(entry) == {"salt", "hash", "expires"}


def test_the_right_answer_passes_once_and_the_captcha_is_then_gone(client, drawn):
    client.get(reverse("notify:captcha"))
    request = RequestFactory().post("/")
    request.session = client.session
    assert captcha_check(request, f" {drawn[0].lower()} ") is True
    assert captcha_check(request, drawn[0]) is False


def test_a_wrong_answer_fails_and_uses_up_the_captcha(request_with_session):
    captcha_store(request_with_session.session, "HK7W")
    assert captcha_check(request_with_session, "HK7X") is False
    assert captcha_check(request_with_session, "HK7W") is False


def test_an_expired_captcha_never_passes(request_with_session, monkeypatch):
    captcha_store(request_with_session.session, "HK7W")
    later = captcha._now() + captcha.TTL_S + 1
    monkeypatch.setattr(captcha, "_now", lambda: later)
    assert captcha_check(request_with_session, "HK7W") is False


def test_a_session_without_a_captcha_never_passes(request_with_session):
    assert captcha_check(request_with_session, "") is False
    assert captcha_check(request_with_session, "HK7W") is False


def test_the_alphabet_leaves_out_characters_people_confuse():
    assert not set(ALPHABET) & set("0OQD1IL2Z5S8B6GUV")


def test_one_address_cannot_draw_images_without_limit(client, drawn, monkeypatch):
    from csdp.notify import views

    monkeypatch.setattr(views, "CAPTCHA_PER_MINUTE", 3)
    codes = [client.get(reverse("notify:captcha")).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    cache.clear()


def test_tests_of_other_apps_can_give_a_client_a_captcha_with_a_known_answer(client, db):
    from csdp.notify.testing import captcha_solve

    answer = captcha_solve(client)
    request = RequestFactory().post("/")
    request.session = client.session
    assert captcha_check(request, answer) is True
