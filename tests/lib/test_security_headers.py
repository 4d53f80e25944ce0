"""Every answer carries a Content-Security-Policy that allows first-party scripts only, and answers to
a signed-in user or to the API are never stored by a cache."""

from __future__ import annotations

import re
from pathlib import Path

from django.test import Client

import csdp

TEMPLATES = Path(csdp.__file__).parent


def test_a_signed_in_page_is_not_cacheable_and_has_a_first_party_script_policy(cast):
    client = Client()
    client.force_login(cast.participant)
    response = client.get("/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_api_answers_are_not_cacheable_even_when_refused(db):
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_the_public_login_page_has_the_policy(db):
    response = Client().get("/accounts/login/")
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_no_template_has_an_inline_script_or_event_handler():
    """The policy would block them: scripts live in static files, behaviour hangs on data- attributes."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text) or re.search(
            r"\son(click|submit|change|load|input)=", text
        ):
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []
