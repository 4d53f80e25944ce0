import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from csdp.keys.models import Certificate, KeyDevice
from csdp.approvals.models import Approval
from csdp.keys.services import certificate_revoke
from csdp.keys.testing import enrol_test_key, login_with_key, sign
from csdp.notify.testing import captcha_solve, last_code
from tests.conftest import PASSWORD


def _scope(client) -> str:
    return client.session.get("login_scope")


@pytest.fixture
def client():
    return Client()


@pytest.mark.django_db
def test_u盾_login_with_the_software_test_key_gives_full_scope(cast, client):
    key = enrol_test_key(cast.issuer_a)
    response = login_with_key(client, user=cast.issuer_a, password=PASSWORD, test_key=key)
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    assert _scope(client) == "full"
    assert client.get(reverse("portal:home")).status_code == 200


@pytest.mark.django_db
def test_an_issuer_without_a_key_cannot_log_in_with_u盾(cast, client):
    response = client.post(reverse("accounts:login"), {"username": "issuer_a", "password": PASSWORD, "mode": "key"})
    assert response.status_code == 200
    assert "未找到可用的 USB-KEY 证书" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_participant_keeps_password_login_with_full_scope(cast, client):
    response = client.post(reverse("accounts:login"), {"username": "participant", "password": PASSWORD, "mode": "key"})
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    assert _scope(client) == "full"


@pytest.mark.django_db
def test_the_initial_pin_must_be_changed_before_anything_else(cast, client):
    key = enrol_test_key(cast.issuer_a, pin=None)
    assert key.pin == "123456"
    response = login_with_key(client, user=cast.issuer_a, password=PASSWORD, test_key=key)
    assert response["Location"] == reverse("keys:pin_change")
    assert client.get(reverse("portal:home"))["Location"] == reverse("portal:scope_limited")
    changed = client.post(
        reverse("keys:pin_change"), {"old_pin": "123456", "new_pin": "864200", "new_pin_again": "864200"}
    )
    assert changed["Location"] == reverse("portal:home")
    assert _scope(client) == "full"
    assert client.get(reverse("portal:home")).status_code == 200


@pytest.mark.django_db
def test_the_new_pin_may_not_be_an_initial_pin(cast, client_for):
    enrol_test_key(cast.issuer_a, pin=None)
    client = client_for(cast.issuer_a)
    response = client.post(
        reverse("keys:pin_change"), {"old_pin": "123456", "new_pin": "12345678", "new_pin_again": "12345678"}
    )
    assert response.status_code == 200
    assert KeyDevice.objects.get(user=cast.issuer_a).pin_must_change


@pytest.mark.django_db
def test_five_wrong_pins_do_not_lock_the_key_and_the_sixth_does(cast):
    key = enrol_test_key(cast.issuer_a)
    for _ in range(5):
        client = Client()
        response = login_with_key(client, user=cast.issuer_a, password=PASSWORD, test_key=key, pin="000000")
        assert "PIN 码错误" in response.content.decode()
        assert "_auth_user_id" not in client.session
    assert KeyDevice.objects.get(pk=key.device.pk).locked_at is None
    client = Client()
    response = login_with_key(client, user=cast.issuer_a, password=PASSWORD, test_key=key, pin="000000")
    assert KeyDevice.objects.get(pk=key.device.pk).locked_at is not None
    refused = login_with_key(Client(), user=cast.issuer_a, password=PASSWORD, test_key=key)
    assert refused.status_code == 200 and "锁死" in refused.content.decode()


@pytest.mark.django_db
def test_a_right_pin_resets_the_count_of_wrong_ones(cast):
    key = enrol_test_key(cast.issuer_a)
    for _ in range(3):
        login_with_key(Client(), user=cast.issuer_a, password=PASSWORD, test_key=key, pin="000000")
    login_with_key(Client(), user=cast.issuer_a, password=PASSWORD, test_key=key)
    assert KeyDevice.objects.get(pk=key.device.pk).failed_pins == 0


@pytest.mark.django_db
def test_a_locked_key_logs_in_again_only_after_staff_reset_the_pin(cast, client_for):
    key = enrol_test_key(cast.issuer_a)
    KeyDevice.objects.filter(pk=key.device.pk).update(failed_pins=6, locked_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
    assert login_with_key(Client(), user=cast.issuer_a, password=PASSWORD, test_key=key).status_code == 200
    admin = client_for(cast.admin)
    admin.post(reverse("keys:device_pin_reset", kwargs={"key_device_id": key.device.pk}), {"reason": "PIN 码重置申请"})
    assert login_with_key(Client(), user=cast.issuer_a, password=PASSWORD, test_key=key).status_code == 200  # not yet
    approval = Approval.objects.get(kind="keys.pin_reset")
    client_for(cast.reviewer).post(reverse("approvals:decide", args=[approval.pk]), {"action": "approve"})
    client = Client()
    response = login_with_key(client, user=cast.issuer_a, password=PASSWORD, test_key=key, pin="123456")
    assert response["Location"] == reverse("keys:pin_change")  # the reset restores the initial PIN


@pytest.mark.django_db
def test_an_operator_cannot_reset_a_pin(cast, client_for):
    key = enrol_test_key(cast.issuer_a)
    KeyDevice.objects.filter(pk=key.device.pk).update(locked_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
    client_for(cast.operator).post(
        reverse("keys:device_pin_reset", kwargs={"key_device_id": key.device.pk}), {"reason": "x"}
    )
    assert KeyDevice.objects.get(pk=key.device.pk).locked_at is not None


@pytest.mark.django_db
def test_an_expired_certificate_refuses_login(cast, client):
    key = enrol_test_key(cast.issuer_a)
    Certificate.objects.filter(pk=key.certificate.pk).update(not_after=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    response = login_with_key(client, user=cast.issuer_a, password=PASSWORD, test_key=key)
    assert response.status_code == 200 and "证书已过期" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_revoked_certificate_refuses_login(cast, client):
    key = enrol_test_key(cast.issuer_a)
    certificate_revoke(certificate=key.certificate, reason="遗失", actor=cast.admin)
    response = login_with_key(client, user=cast.issuer_a, password=PASSWORD, test_key=key)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_replayed_login_signature_is_refused(cast, client):
    key = enrol_test_key(cast.issuer_a)
    client.post(reverse("accounts:login"), {"username": "issuer_a", "password": PASSWORD, "mode": "key"})
    payload = sign(key, client.get(reverse("keys:login_key")).context["signing"])
    assert client.post(reverse("keys:login_key"), {"key_signature": payload, "pin": "000000"}).status_code == 200
    replay = client.post(reverse("keys:login_key"), {"key_signature": payload, "pin": key.pin})
    assert replay.status_code == 200 and "签名挑战无效" in replay.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_key_step_without_a_password_step_goes_back_to_login(cast, client):
    enrol_test_key(cast.issuer_a)
    assert client.get(reverse("keys:login_key"))["Location"] == reverse("accounts:login")


def _sms_login(client, username: str, mobile: str, captcha: str | None = None):
    answer = captcha_solve(client)
    response = client.post(
        reverse("accounts:login"),
        {"username": username, "password": PASSWORD, "mode": "sms", "captcha": captcha or answer},
    )
    if response.status_code != 302:
        return response
    return client.post(reverse("keys:login_sms"), {"code": last_code(mobile)})


@pytest.mark.django_db
def test_口令登录_gives_the_limited_password_sms_scope(cast, client):
    enrol_test_key(cast.issuer_a)
    response = _sms_login(client, "issuer_a", cast.issuer_a.mobile)
    assert response["Location"] == reverse("keys:certificates")
    assert _scope(client) == "password_sms"
    assert client.get(reverse("keys:certificates")).status_code == 200
    assert client.get(reverse("keys:reissue_apply")).status_code == 200
    assert client.get(reverse("portal:home"))["Location"] == reverse("portal:scope_limited")
    # The renewal is open too: an expired certificate can only be renewed from here (issue 19 §8); a valid
    # one still signs the renewal with the key.
    assert client.get(reverse("keys:renewal_apply")).status_code == 200


@pytest.mark.django_db
def test_口令登录_refuses_a_wrong_captcha_before_sending_a_code(cast, client):
    response = _sms_login(client, "issuer_a", cast.issuer_a.mobile, captcha="WRONG")
    assert response.status_code == 200 and "图形验证码错误" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_口令登录_refuses_a_wrong_sms_code(cast, client):
    captcha = captcha_solve(client)
    client.post(
        reverse("accounts:login"), {"username": "issuer_a", "password": PASSWORD, "mode": "sms", "captcha": captcha}
    )
    wrong = "000000" if last_code(cast.issuer_a.mobile) != "000000" else "111111"
    response = client.post(reverse("keys:login_sms"), {"code": wrong})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_only_login_reaches_only_the_agent_page_scope(cast, client):
    response = client.post(
        reverse("accounts:login"), {"username": "issuer_a", "password": PASSWORD, "mode": "password"}
    )
    assert response["Location"] == reverse("issuers:agent_info")  # 经办人信息维护, to fix a changed mobile
    assert client.get(reverse("issuers:agent_info")).status_code == 200
    assert _scope(client) == "password_only"
    assert client.get(reverse("keys:certificates"))["Location"] == reverse("portal:scope_limited")
    assert client.get(reverse("portal:home"))["Location"] == reverse("portal:scope_limited")


@pytest.mark.django_db
def test_a_key_login_warns_from_thirty_days_before_expiry(cast, client):
    from csdp.clock.services import clock_now

    key = enrol_test_key(cast.issuer_a)
    Certificate.objects.filter(pk=key.certificate.pk).update(not_after=clock_now() + dt.timedelta(days=10))
    login_with_key(client, user=cast.issuer_a, password=PASSWORD, test_key=key)
    page = client.get(reverse("portal:home"))
    assert "将于" in page.content.decode() and "到期" in page.content.decode()


@pytest.mark.django_db
def test_no_warning_more_than_thirty_days_before_expiry(cast, client):
    key = enrol_test_key(cast.issuer_a)
    login_with_key(client, user=cast.issuer_a, password=PASSWORD, test_key=key)
    assert "请尽快在“国密证书管理”中提交 USB-KEY 更换申请" not in client.get(reverse("portal:home")).content.decode()
