"""Staff review of registrations (000 §一(一)10): approval creates everything in one transaction and
issues the grey USB-KEY; rejection sends the applicant a link to correct and resubmit."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import authenticate
from django.urls import reverse

from csdp.accounts.models import Institution, User
from csdp.audit.models import AuditEvent
from csdp.issuers.models import InstitutionInfoVersion, IssuerProfile, IssuerSecurity
from csdp.issuers.selectors import agent_postal_address, institution_info_as_of, issuer_securities_codes
from csdp.issuers.services.common import IssuerRefused
from csdp.issuers.services.review import registration_approve
from csdp.issuers.states import RegistrationStatus, TransitionRefused
from csdp.keys.models import KeyIssue
from csdp.notify.models import OutboxMessage
from tests.issuers.conftest import PASSWORD, TODAY, Wizard


@pytest.fixture
def submitted(wizard):
    return wizard.submit()


def _approve(client_for, reviewer, registration):
    return client_for(reviewer).post(
        reverse("issuers:registration_approve", kwargs={"issuer_registration_id": registration.pk})
    )


def test_the_reviewer_sees_the_queue_and_the_materials_with_download_links(cast, client_for, submitted):
    client = client_for(cast.reviewer)
    assert "北京测试科技股份有限公司" in client.get(reverse("issuers:registration_queue")).content.decode()
    page = client.get(
        reverse("issuers:registration_detail", kwargs={"issuer_registration_id": submitted.pk})
    ).content.decode()
    material = submitted.materials.get(kind="business_licence")
    assert reverse("files:download", kwargs={"file_id": material.file_id}) in page
    assert "审核通过" in page and "驳回" in page


def test_approval_creates_the_institution_the_user_the_profile_the_codes_and_issues_the_key(
    cast, client_for, submitted
):
    response = _approve(client_for, cast.reviewer, submitted)
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == RegistrationStatus.APPROVED
    institution = Institution.objects.get(uscc=submitted.uscc)
    assert institution.kind == "issuer" and institution.name == "北京测试科技股份有限公司"
    user = User.objects.get(username="ceshi_ir")
    assert user.institution == institution and user.mobile == "13612345678" and user.display_name == "李经办"
    # The password typed in the wizard works, and was stored hashed from the start.
    assert authenticate(username="ceshi_ir", password=PASSWORD) == user
    assert IssuerProfile.objects.get(institution=institution).agent == user
    assert agent_postal_address(user) == "北京市北京市海淀区中关村大街 99 号 5 层"
    assert issuer_securities_codes(institution) == ["920777"]
    assert institution_info_as_of(institution, TODAY).legal_rep_name == "张法人"
    issue = KeyIssue.objects.get(user=user)
    assert issue.model == "grey" and issue.issued_by == cast.reviewer
    assert OutboxMessage.objects.filter(recipient="13612345678", purpose="key_issue").exists()
    assert AuditEvent.objects.filter(action="registration.approve", object_id=str(submitted.pk)).exists()


def test_approval_leaves_nothing_behind_when_the_key_cannot_be_issued(cast, submitted, monkeypatch):
    from csdp.keys import services as key_services

    def broken(**kwargs):
        raise RuntimeError("key factory down")

    monkeypatch.setattr(key_services, "key_issue", broken)
    with pytest.raises(RuntimeError):
        registration_approve(registration=submitted, actor=cast.reviewer)
    submitted.refresh_from_db()
    assert submitted.status == RegistrationStatus.SUBMITTED
    assert not Institution.objects.filter(uscc=submitted.uscc).exists()
    assert not User.objects.filter(username="ceshi_ir").exists()
    assert not IssuerSecurity.objects.filter(code="920777").exists()
    assert not InstitutionInfoVersion.objects.filter(uscc=submitted.uscc).exists()
    assert not submitted.transitions.filter(to_state=RegistrationStatus.APPROVED).exists()


def test_approval_is_refused_when_the_username_was_taken_meanwhile(cast, submitted):
    User.objects.create(username="CESHI_IR", institution=cast.issuer_b.institution)
    with pytest.raises(IssuerRefused) as refused:
        registration_approve(registration=submitted, actor=cast.reviewer)
    assert "用户名“ceshi_ir”已被占用。" in refused.value.message
    assert not Institution.objects.filter(uscc=submitted.uscc).exists()


def test_a_registration_is_approved_only_once(cast, submitted):
    registration_approve(registration=submitted, actor=cast.reviewer)
    with pytest.raises(TransitionRefused):
        registration_approve(registration=submitted, actor=cast.reviewer)
    assert KeyIssue.objects.count() == 1


def test_only_a_reviewer_may_decide(cast, client_for, submitted):
    for who in (cast.operator, cast.admin, cast.issuer_a):
        assert _approve(client_for, who, submitted).status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == RegistrationStatus.SUBMITTED


def _reject(client_for, reviewer, registration, reason="营业执照扫描件不清晰"):
    return client_for(reviewer).post(
        reverse("issuers:registration_reject", kwargs={"issuer_registration_id": registration.pk}), {"reason": reason}
    )


def test_rejection_needs_a_reason(cast, client_for, submitted):
    _reject(client_for, cast.reviewer, submitted, reason="  ")
    submitted.refresh_from_db()
    assert submitted.status == RegistrationStatus.SUBMITTED


def test_rejection_texts_the_reason_and_a_link_and_the_applicant_corrects_and_resubmits(cast, client_for, submitted):
    _reject(client_for, cast.reviewer, submitted)
    submitted.refresh_from_db()
    assert submitted.status == RegistrationStatus.REJECTED
    sms = OutboxMessage.objects.filter(recipient="13612345678", purpose="register_rejected").get()
    assert "营业执照扫描件不清晰" in sms.body
    link = re.search(r"(/issuers/register/resume/[\w-]+/)", sms.body).group(1)

    applicant = Wizard()
    response = applicant.client.get(link)
    assert response.url == reverse("issuers:register_institution")
    page = applicant.client.get(response.url).content.decode()
    assert "营业执照扫描件不清晰" in page
    applicant.post("register_materials", {"business_licence": _pdf()})
    applicant.post("register_review")
    submitted.refresh_from_db()
    assert submitted.status == RegistrationStatus.SUBMITTED
    assert list(submitted.transitions.values_list("to_state", flat=True)) == ["submitted", "rejected", "submitted"]
    # The link is spent once resubmitted.
    assert applicant.client.get(link).url == reverse("issuers:register_start")


def test_an_unknown_correction_link_opens_nothing(client):
    response = client.get(reverse("issuers:register_resume", kwargs={"registration_token": "nope"}))
    assert response.url == reverse("issuers:register_start")


def _pdf():
    from tests.issuers.conftest import pdf

    return pdf("licence-clear.pdf")


def test_the_reviewer_is_warned_of_a_username_taken_since_submission(cast, client_for, submitted):
    User.objects.create(username="ceshi_ir", institution=cast.issuer_b.institution)
    page = (
        client_for(cast.reviewer)
        .get(reverse("issuers:registration_detail", kwargs={"issuer_registration_id": submitted.pk}))
        .content.decode()
    )
    assert "当前无法审核通过" in page and "用户名“ceshi_ir”已被占用。" in page


def test_the_reviewer_can_list_rejected_and_approved_registrations(cast, client_for, submitted):
    client = client_for(cast.reviewer)
    _reject(client_for, cast.reviewer, submitted)
    url = reverse("issuers:registration_queue")
    assert "北京测试科技股份有限公司" not in client.get(url).content.decode()
    assert "北京测试科技股份有限公司" in client.get(url + "?status=rejected").content.decode()
    assert "北京测试科技股份有限公司" not in client.get(url + "?status=draft").content.decode()
