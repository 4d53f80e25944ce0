"""Staff log in with a second factor (issue 20 §1): the set-up inside the window, a code each time,
no way in with a password alone, and a reset that needs two administrators."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from csdp.approvals.services import ApprovalRefused, approval_approve
from csdp.keys import totp
from csdp.keys.factors import factor_reset_prepare
from csdp.keys.models import StaffFactor
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    settings.CSDP_STAFF_SECOND_FACTOR = True


def _password(client, username):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


def _enrol(client, username) -> str:
    assert _password(client, username)["Location"] == "/keys/login/totp/enrol/"
    client.get("/keys/login/totp/enrol/")
    secret = client.session["totp_enrol_secret"]
    done = client.post("/keys/login/totp/enrol/", {"code": totp.code_at(secret, totp.current_step())})
    assert done.status_code == 302 and client.session["login_scope"] == "full"
    return secret


def test_a_new_staff_user_sets_up_the_app_and_then_needs_a_code_every_time(cast):
    secret = _enrol(Client(), "reviewer")
    client = Client()
    assert _password(client, "reviewer")["Location"] == "/keys/login/totp/"
    assert client.get("/").status_code == 302  # not logged in by the password alone
    wrong = client.post("/keys/login/totp/", {"code": "000000"})
    assert "动态验证码不正确" in wrong.content.decode()
    # The code used at enrolment was this step's; the next step's code logs in.
    ok = client.post("/keys/login/totp/", {"code": totp.code_at(secret, totp.current_step() + 1)})
    assert ok.status_code == 302 and client.get("/").status_code == 200


def test_a_code_cannot_be_used_twice(cast):
    secret = _enrol(Client(), "operator")
    code = totp.code_at(secret, totp.current_step() + 1)
    first = Client()
    _password(first, "operator")
    assert first.post("/keys/login/totp/", {"code": code}).status_code == 302
    second = Client()
    _password(second, "operator")
    assert "已使用" in second.post("/keys/login/totp/", {"code": code}).content.decode()


def test_after_the_window_a_staff_user_without_a_factor_cannot_log_in(cast):
    type(cast.admin).objects.filter(pk=cast.admin.pk).update(date_joined=timezone.now() - dt.timedelta(days=30))
    response = _password(Client(), "admin")
    assert response.status_code == 200
    assert "请联系管理员重置二次验证" in response.content.decode()


def test_a_reset_needs_a_second_administrator_and_reopens_the_window(cast, django_user_model):
    _enrol(Client(), "reviewer")
    other_admin = django_user_model.objects.create_user("admin2", password=PASSWORD, staff_role="admin")
    approval = factor_reset_prepare(user=cast.reviewer, by=cast.admin)
    with pytest.raises(ApprovalRefused):
        approval_approve(approval=approval, by=cast.admin)
    assert StaffFactor.objects.get(user=cast.reviewer).confirmed_at is not None
    approval_approve(approval=approval, by=other_admin)
    factor = StaffFactor.objects.get(user=cast.reviewer)
    assert factor.confirmed_at is None and factor.enrol_until > timezone.now()
    _enrol(Client(), "reviewer")


def test_members_are_not_asked_for_the_staff_factor(cast):
    response = _password(Client(), "participant")
    assert response["Location"] == "/"
