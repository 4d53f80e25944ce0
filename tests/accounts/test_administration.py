"""Administration in the product: institutions, users, roles with four-eyes, the first administrator
from the command line."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from csdp.accounts.administration import (
    ROLE_GRANT_KIND,
    AdminRefused,
    staff_role_grant_prepare,
    staff_user_add,
    user_active_set,
)
from csdp.accounts.models import Institution, User
from csdp.accounts.roles import StaffRole
from csdp.approvals.models import Approval, Status
from csdp.approvals.services import approval_approve
from csdp.audit.models import AuditEvent
from csdp.lib.errors import CsdpError
from tests.conftest import PASSWORD, _staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_b(cast):
    return _staff("admin_b", StaffRole.ADMIN)


def test_admin_create_bootstraps_a_working_administrator_by_the_chinese_role_name(db, capsys):
    call_command("admin", "create", "--username", "root", "--role", "管理员")

    user = User.objects.get(username="root")
    assert (user.staff_role, user.is_active, user.password_change_required) == (StaffRole.ADMIN, True, True)
    password = capsys.readouterr().out.split("临时密码：")[1].split()[0]
    client = Client()
    response = client.post("/accounts/login/", {"username": "root", "password": password})
    assert response.status_code == 302
    assert client.get("/accounts/users/")["Location"] == "/accounts/password/"  # the printed password is temporary
    new = "Root-Eigenes-2026!"
    client.post("/accounts/password/", {"old_password": password, "new_password1": new, "new_password2": new})
    assert client.get("/accounts/users/").status_code == 200
    assert AuditEvent.objects.filter(action="user.bootstrap", object_id=str(user.pk)).exists()


def test_admin_create_with_a_password_the_operator_typed_does_not_ask_to_change_it(db, monkeypatch):
    monkeypatch.setenv("CSDP_ADMIN_PASSWORD", "Root-Eigenes-2026!")
    call_command("admin", "create", "--username", "root", "--role", "admin")

    assert User.objects.get(username="root").password_change_required is False


def test_admin_create_refuses_an_unknown_role_and_an_existing_username(cast):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="未知的岗位"):
        call_command("admin", "create", "--username", "x", "--role", "超级用户")
    with pytest.raises(CommandError, match="已存在"):
        call_command("admin", "create", "--username", "admin", "--role", "admin")


def test_an_institution_is_created_from_the_page_and_a_bad_uscc_is_listed(cast, client_for):
    client = client_for(cast.admin)
    bad = client.post(
        "/accounts/institutions/new/",
        {"kind": "participant", "name": "己证券", "code": "P009", "uscc": "91110000100000000X", "is_active": "on"},
    )
    assert bad.status_code == 200 and bad.context["form"].errors["uscc"]
    assert not Institution.objects.filter(name="己证券").exists()

    ok = client.post(
        "/accounts/institutions/new/", {"kind": "participant", "name": "己证券", "code": "P009", "is_active": "on"}
    )
    institution = Institution.objects.get(name="己证券")
    assert ok.status_code == 302 and institution.kind == "participant"
    dup = client.post("/accounts/institutions/new/", {"kind": "participant", "name": "庚证券", "code": "P009"})
    assert "P009" in str(dup.context["form"].errors)


def test_a_member_user_is_created_with_a_temporary_password_and_can_log_in(cast, client_for):
    client = client_for(cast.admin)
    response = client.post(
        "/accounts/users/new/", {"username": "p2", "institution": cast.participant.institution_id}, follow=True
    )
    text = response.content.decode()
    password = text.split("临时密码：")[1].split("（")[0]
    user = User.objects.get(username="p2")
    assert user.role == "participant" and user.is_active and user.password_change_required
    assert Client().post("/accounts/login/", {"username": "p2", "password": password}).status_code == 302


def test_a_new_staff_user_must_change_its_temporary_password_too(cast):
    user, _, _ = staff_user_add(username="op2", staff_role=StaffRole.OPERATOR, actor=cast.admin)

    assert user.password_change_required is True


def test_a_staff_role_takes_effect_only_when_a_second_administrator_approves(cast, admin_b):
    user, _, approval = staff_user_add(username="op2", staff_role=StaffRole.OPERATOR, actor=cast.admin)
    assert user.is_active is False and approval.kind == ROLE_GRANT_KIND

    with pytest.raises(CsdpError) as same:
        approval_approve(approval=approval, by=cast.admin)
    assert same.value.code == "approval.same_person"
    with pytest.raises(CsdpError):
        approval_approve(approval=approval, by=cast.reviewer)  # a reviewer may not approve staff roles
    user.refresh_from_db()
    assert user.is_active is False

    approval_approve(approval=approval, by=admin_b)
    user.refresh_from_db()
    assert (user.is_active, user.staff_role) == (True, StaffRole.OPERATOR)
    assert AuditEvent.objects.filter(action="user.role_grant", object_id=str(user.pk)).exists()


def test_a_re_role_is_prepared_from_the_page_and_applied_on_approval(cast, admin_b, client_for):
    client_for(cast.admin).post(
        f"/accounts/users/{cast.reviewer.pk}/action/", {"action": "role", "staff_role": "admin"}
    )
    cast.reviewer.refresh_from_db()
    assert cast.reviewer.staff_role == StaffRole.REVIEWER  # not yet
    approval = Approval.objects.get(kind=ROLE_GRANT_KIND, status=Status.PREPARED)

    client_for(admin_b).post(f"/approvals/{approval.pk}/decide/", {"action": "approve"})
    cast.reviewer.refresh_from_db()
    approval.refresh_from_db()
    assert approval.status == Status.APPLIED, approval.failure
    assert cast.reviewer.staff_role == StaffRole.ADMIN


def test_a_stale_grant_is_refused_when_the_role_changed_since_it_was_prepared(cast, admin_b):
    first = staff_role_grant_prepare(user=cast.operator, staff_role=StaffRole.ADMIN, actor=cast.admin)
    second = staff_role_grant_prepare(user=cast.operator, staff_role=StaffRole.REVIEWER, actor=cast.admin)
    approval_approve(approval=first, by=admin_b)
    with pytest.raises(CsdpError) as stale:
        approval_approve(approval=second, by=admin_b)
    assert stale.value.code == "accounts.role_stale"
    cast.operator.refresh_from_db()
    assert cast.operator.staff_role == StaffRole.ADMIN


def test_a_member_user_cannot_be_given_a_staff_role(cast):
    with pytest.raises(AdminRefused):
        staff_role_grant_prepare(user=cast.participant, staff_role=StaffRole.ADMIN, actor=cast.admin)


def test_disable_unlock_and_reset_password_from_the_page(cast, client_for):
    import datetime as dt

    from django.utils import timezone

    client = client_for(cast.admin)
    url = f"/accounts/users/{cast.participant.pk}/action/"
    client.post(url, {"action": "disable", "reason": "离职"})
    cast.participant.refresh_from_db()
    assert cast.participant.is_active is False
    assert Client().post("/accounts/login/", {"username": "participant", "password": PASSWORD}).status_code == 200
    client.post(url, {"action": "enable"})

    User.objects.filter(pk=cast.participant.pk).update(locked_until=timezone.now() + dt.timedelta(hours=1))
    client.post(url, {"action": "unlock"})
    cast.participant.refresh_from_db()
    assert cast.participant.locked_until is None and cast.participant.is_active

    page = client.post(url, {"action": "reset_password"}, follow=True).content.decode()
    password = page.split("临时密码：")[1].split("（")[0]
    assert Client().post("/accounts/login/", {"username": "participant", "password": PASSWORD}).status_code == 200
    assert Client().post("/accounts/login/", {"username": "participant", "password": password}).status_code == 302
    cast.participant.refresh_from_db()
    assert cast.participant.password_change_required is True
    actions = set(
        AuditEvent.objects.filter(object_id=str(cast.participant.pk), object_type="accounts.user").values_list(
            "action", flat=True
        )
    )
    assert {"user.disable", "user.enable", "user.unlock", "user.password_reset"} <= actions


def test_an_administrator_cannot_disable_itself(cast):
    with pytest.raises(AdminRefused):
        user_active_set(user=cast.admin, active=False, actor=cast.admin)


def test_the_user_page_shows_the_audit_trail(cast, client_for):
    client = client_for(cast.admin)
    client.post(f"/accounts/users/{cast.participant.pk}/action/", {"action": "unlock"})
    page = client.get(f"/accounts/users/{cast.participant.pk}/").content.decode()
    assert "user.unlock" in page
