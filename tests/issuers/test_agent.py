"""经办人信息维护 (000 §二(一)): effective at once, the old mobile is told of a change, reachable in
the limited 口令 scopes (000 §二(六)); from a password-only login a change waits for staff (issue 20 §3)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from csdp.approvals.models import Approval
from csdp.audit.models import AuditEvent
from csdp.issuers.models import IssuerProfile
from csdp.issuers.selectors import agent_postal_address
from csdp.notify.models import OutboxMessage

AGENT = reverse("issuers:agent_info")


def agent_data(**overrides) -> dict:
    data = {
        "display_name": "新经办",
        "agent_id_type": "passport",
        "agent_id_number": "E12345678",
        "mobile": "13900000000",
        "email": "new@a.example",
        "postal_province": "河北省",
        "postal_city": "石家庄市",
        "postal_district": "长安区",
        "postal_detail": "中山东路 1 号",
    }
    data.update(overrides)
    return data


def scoped_client(user, scope: str) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session["login_scope"] = scope
    session.save()
    return client


def test_changes_take_effect_at_once_and_are_signed_in_a_key_session(issuers, signer_for):
    a = issuers.issuer_a
    response = signer_for(a).submit(AGENT, agent_data())
    assert response.url == AGENT
    a.refresh_from_db()
    assert a.display_name == "新经办" and a.email == "new@a.example"
    assert agent_postal_address(a) == "河北省石家庄市长安区中山东路 1 号"
    event = AuditEvent.objects.filter(action="agent.update").latest("seq")
    assert event.data["signature_id"] is not None


def test_a_new_mobile_is_announced_to_the_old_number_and_audited(issuers, signer_for):
    a = issuers.issuer_a
    signer_for(a).submit(AGENT, agent_data(mobile="13711112222"))
    a.refresh_from_db()
    assert a.mobile == "13711112222"
    sms = OutboxMessage.objects.get(purpose="agent_mobile_changed")
    assert sms.recipient == "13900000000" and "137****2222" in sms.body
    event = AuditEvent.objects.filter(action="agent.update").latest("seq")
    assert event.data["old_mobile"] == "139****0000" and event.data["new_mobile"] == "137****2222"


def test_an_unchanged_mobile_sends_nothing(issuers, signer_for):
    signer_for(issuers.issuer_a).submit(AGENT, agent_data())
    assert not OutboxMessage.objects.filter(purpose="agent_mobile_changed").exists()


def test_the_limited_scopes_reach_the_page_and_a_password_sms_login_saves_at_once(issuers):
    a = issuers.issuer_a
    for scope in ("password_sms", "password_only"):
        client = scoped_client(a, scope)
        assert client.get(AGENT).status_code == 200
        # Other pages stay closed to the limited scope.
        assert client.get(reverse("issuers:institution_info")).url == reverse("portal:scope_limited")
    response = scoped_client(a, "password_sms").post(AGENT, agent_data(mobile="13655556666"))
    assert response.url == AGENT
    a.refresh_from_db()
    assert a.mobile == "13655556666"
    assert AuditEvent.objects.filter(action="agent.update").latest("seq").data["signature_id"] is None


def test_a_password_only_change_waits_for_staff_and_the_old_mobile_and_email_are_told(issuers, cast, client_for):
    a = issuers.issuer_a
    response = scoped_client(a, "password_only").post(
        AGENT, agent_data(mobile="13655556666", postal_detail="别处 9 号")
    )
    assert response.url == AGENT
    a.refresh_from_db()
    assert a.mobile == "13900000000"  # nothing changes on a password alone
    told = OutboxMessage.objects.filter(purpose="agent_change_requested")
    assert {m.recipient for m in told} == {"13900000000", a.email}
    assert "须经本公司确认后生效" in told.first().body
    again = scoped_client(a, "password_only").post(AGENT, agent_data(mobile="13699990000"))
    assert "已有一项待本公司确认" in again.content.decode()
    approval = Approval.objects.get(kind="issuers.agent_change_unverified")
    page = client_for(cast.reviewer).get(reverse("approvals:detail", args=[approval.pk])).content.decode()
    assert "136****6666" in page and "_values" not in page
    client_for(cast.reviewer).post(reverse("approvals:decide", args=[approval.pk]), {"action": "approve"})
    a.refresh_from_db()
    assert a.mobile == "13655556666" and agent_postal_address(a).endswith("别处 9 号")


def test_an_issuer_without_a_profile_gets_one(cast, client_for):
    scoped_client(cast.issuer_a, "password_sms").post(AGENT, agent_data())
    assert IssuerProfile.objects.get(institution=cast.issuer_a.institution).agent == cast.issuer_a


def test_invalid_data_changes_nothing(issuers, signer_for):
    a = issuers.issuer_a
    response = signer_for(a).submit(AGENT, agent_data(mobile="12", postal_district="海淀"))
    page = response.content.decode()
    assert "手机号码应为以 1 开头的 11 位数字。" in page and "区县名称应以" in page
    a.refresh_from_db()
    assert a.mobile == "13900000000"
