"""Self-service recovery (issue 19 §8): a forgotten password through the agent's mobile; the
certificate renewal offered from 60 days before expiry; an expired certificate renewed from the
口令登录 session without the key's signature, not sent to "apply for a new key"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import authenticate
from django.test import Client

from csdp.clock.services import clock_set
from csdp.keys.models import KeyApplication
from csdp.notify.testing import captcha_solve, last_code

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Neu-Pass-2026!x"


def _ask_code(client, username, mobile):
    return client.post(
        "/accounts/password/forgot/", {"username": username, "mobile": mobile, "captcha": captcha_solve(client)}
    )


def test_a_forgotten_password_is_reset_with_the_code_sent_to_the_agents_mobile(cast):
    client = Client()
    assert _ask_code(client, "participant", cast.participant.mobile)["Location"] == "/accounts/password/forgot/reset/"
    code = last_code(cast.participant.mobile)
    response = client.post(
        "/accounts/password/forgot/reset/", {"code": code, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response["Location"] == "/accounts/login/"
    assert authenticate(username="participant", password=NEW_PASSWORD) == cast.participant
    # The code works once.
    assert (
        client.post(
            "/accounts/password/forgot/reset/",
            {"code": code, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )["Location"]
        == "/accounts/password/forgot/"
    )


def test_a_wrong_mobile_sends_nothing_and_looks_the_same(cast):
    from csdp.notify.models import OutboxMessage

    client = Client()
    before = OutboxMessage.objects.count()
    assert _ask_code(client, "participant", "13711112222")["Location"] == "/accounts/password/forgot/reset/"
    assert OutboxMessage.objects.count() == before
    page = client.post(
        "/accounts/password/forgot/reset/",
        {"code": "123456", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    ).content.decode()
    assert "验证码错误或已失效" in page
    assert authenticate(username="participant", password=NEW_PASSWORD) is None


def test_a_wrong_code_and_a_weak_password_are_refused(cast):
    client = Client()
    _ask_code(client, "participant", cast.participant.mobile)
    page = client.post(
        "/accounts/password/forgot/reset/",
        {"code": "000000", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    ).content.decode()
    assert "验证码" in page and authenticate(username="participant", password=NEW_PASSWORD) is None
    page = client.post(
        "/accounts/password/forgot/reset/",
        {"code": last_code(cast.participant.mobile), "new_password1": "12345678", "new_password2": "12345678"},
    ).content.decode()
    assert "新密码不符合要求" in page


def _at(moment: dt.datetime) -> None:
    clock_set(moment=moment.replace(tzinfo=None) + dt.timedelta(hours=8), frozen=True)


def test_the_renewal_is_offered_from_60_days_before_expiry(cast, client_for):
    from csdp.keys.testing import enrol_test_key

    expiry = enrol_test_key(cast.issuer_a).certificate.not_after
    _at(expiry - dt.timedelta(days=61))
    page = client_for(cast.issuer_a).get("/keys/certificates/").content.decode()
    assert "现在即可申请更换" not in page
    _at(expiry - dt.timedelta(days=59))
    page = client_for(cast.issuer_a).get("/keys/certificates/").content.decode()
    assert "现在即可申请更换" in page and "/keys/certificates/renew/" in page


def test_an_expired_certificate_is_renewed_from_the_sms_login_without_a_signature(cast, monkeypatch):
    from tests.keys.test_applications import AGENT_ADDRESS, _materials

    from csdp.keys.testing import enrol_test_key

    expiry = enrol_test_key(cast.issuer_a).certificate.not_after
    monkeypatch.setattr("csdp.keys.applications._POSTAL_ADDRESS", [lambda user: AGENT_ADDRESS])
    _at(expiry + dt.timedelta(days=3))
    client = Client()
    client.force_login(cast.issuer_a)
    session = client.session
    session["login_scope"] = "password_sms"
    session.save()
    page = client.get("/keys/certificates/").content.decode()
    assert "证书已过期" in page and "/keys/certificates/renew/" in page

    form = client.get("/keys/certificates/renew/")
    assert form.status_code == 200
    data = {
        "applicant_name": "王经办",
        "applicant_mobile": cast.issuer_a.mobile,
        "postal_address": AGENT_ADDRESS,
        **_materials("renewal"),
    }
    confirm = client.post("/keys/certificates/renew/", data)
    assert confirm.status_code == 200, confirm
    body = confirm.content.decode()
    assert "不能再用 USB-KEY 签名" in body
    done = client.post("/keys/certificates/renew/", {"step": "confirm"})
    assert done.status_code == 302
    application = KeyApplication.objects.get(user=cast.issuer_a, kind="renewal")
    assert application.signature is None and application.state == "submitted"
