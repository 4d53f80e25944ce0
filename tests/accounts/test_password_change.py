"""用户设置 → 密码修改, and replacing a temporary password: the user's own password (checked by Django's
validators) clears the obligation to change it, with an audit event."""

import pytest
from django.urls import reverse

from csdp.accounts.administration import user_password_reset
from csdp.accounts.password_forgot import password_forgot_reset
from csdp.accounts.services import PasswordChangeRefused, user_password_change, user_password_temporary_set
from csdp.audit.models import AuditEvent
from tests.conftest import PASSWORD

NEW = "Neu-Passwort-2026!"


def _change(client, old: str, new: str = NEW):
    return client.post(
        reverse("accounts:password_change"), {"old_password": old, "new_password1": new, "new_password2": new}
    )


@pytest.mark.django_db
def test_a_user_replaces_a_temporary_password_in_user_settings(cast, client_for):
    client = client_for(cast.issuer_a)
    response = _change(client, PASSWORD)
    assert response["Location"] == reverse("portal:home")
    cast.issuer_a.refresh_from_db()
    assert cast.issuer_a.check_password(NEW)
    assert client.get(reverse("portal:home")).status_code == 200  # this session survives the change


@pytest.mark.django_db
def test_an_administrators_reset_gives_a_temporary_password_that_must_be_changed(cast):
    password = user_password_reset(user=cast.participant, actor=cast.admin)

    cast.participant.refresh_from_db()
    assert cast.participant.check_password(password) and cast.participant.password_change_required
    event = AuditEvent.objects.filter(action="user.password_reset", object_id=str(cast.participant.pk)).get()
    assert event.actor == cast.admin and event.reason == "管理员重置密码"


@pytest.mark.django_db
def test_changing_the_password_clears_the_obligation_with_an_audit_event(cast, client_for):
    password = user_password_temporary_set(user=cast.participant, actor=cast.admin, reason="测试")
    cast.participant.refresh_from_db()  # the session is opened with the new password's hash
    client = client_for(cast.participant)

    assert _change(client, password)["Location"] == reverse("portal:home")

    cast.participant.refresh_from_db()
    assert cast.participant.check_password(NEW) and not cast.participant.password_change_required
    event = AuditEvent.objects.filter(action="user.password_change", object_id=str(cast.participant.pk)).get()
    assert event.actor == cast.participant and event.reason == "以本人设置的密码替换临时密码"


@pytest.mark.django_db
def test_the_temporary_password_cannot_be_kept_as_the_new_one(cast, client_for):
    password = user_password_temporary_set(user=cast.participant, actor=cast.admin, reason="测试")
    cast.participant.refresh_from_db()  # the session is opened with the new password's hash

    response = _change(client_for(cast.participant), password, new=password)

    assert response.status_code == 200 and "新密码不能与当前密码相同" in response.content.decode()
    cast.participant.refresh_from_db()
    assert cast.participant.password_change_required
    with pytest.raises(PasswordChangeRefused):
        user_password_change(user=cast.participant, new_password=password)


@pytest.mark.django_db
def test_a_weak_new_password_is_refused_by_the_validators_and_the_obligation_stays(cast, client_for):
    password = user_password_temporary_set(user=cast.participant, actor=cast.admin, reason="测试")
    cast.participant.refresh_from_db()  # the session is opened with the new password's hash

    response = _change(client_for(cast.participant), password, new="12345678")

    assert response.status_code == 200 and response.context["form"].errors["new_password2"]
    cast.participant.refresh_from_db()
    assert cast.participant.check_password(password) and cast.participant.password_change_required


@pytest.mark.django_db
def test_the_change_page_says_the_password_is_temporary(cast, client_for):
    user_password_temporary_set(user=cast.participant, actor=cast.admin, reason="测试")
    cast.participant.refresh_from_db()  # the session is opened with the new password's hash

    page = client_for(cast.participant).get(reverse("accounts:password_change")).content.decode()

    assert "您正在使用临时密码" in page
    assert (
        "您正在使用临时密码" not in client_for(cast.issuer_a).get(reverse("accounts:password_change")).content.decode()
    )


@pytest.mark.django_db
def test_a_password_the_user_sets_through_forgot_password_ends_the_obligation(cast, monkeypatch):
    user_password_temporary_set(user=cast.participant, actor=cast.admin, reason="测试")
    monkeypatch.setattr("csdp.accounts.login_steps._STEPS.code_check", lambda **kwargs: None)
    monkeypatch.setattr("csdp.accounts.login_steps._STEPS.sms_send", lambda **kwargs: None)

    password_forgot_reset(username="participant", mobile=cast.participant.mobile, code="123456", new_password=NEW)

    cast.participant.refresh_from_db()
    assert cast.participant.check_password(NEW) and not cast.participant.password_change_required
