"""Staff review of online registrations (000 §一(一)10: 本公司对在线注册申请进行审核，审核通过后制作
USB-KEY 并邮寄). Approval creates everything in one transaction, or nothing."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.urls import reverse

from csdp.accounts.models import Institution, User
from csdp.accounts.roles import InstitutionKind
from csdp.accounts.services import institution_create
from csdp.audit.services import audit_record
from csdp.clock.services import business_today, clock_now
from csdp.issuers.models import (
    InstitutionInfoVersion,
    IssuerProfile,
    IssuerSecurity,
    Registration,
    RegistrationTransition,
)
from csdp.issuers.selectors import registration_conflicts
from csdp.issuers.services.common import IssuerRefused, record_transition
from csdp.issuers.services.registration import CORRECTION_TTL, token_hash
from csdp.issuers.states import REGISTRATION_MACHINE, RegistrationStatus
from csdp.lib.errors import Problem
from csdp.notify.services import notify_sms

KEY_MODEL = "grey"  # 000 §一(四): the issued key is the grey model (initial PIN 123456)


def _create_issuer(registration: Registration, actor) -> tuple[Institution, User]:
    codes = registration.codes
    institution = institution_create(
        kind=InstitutionKind.ISSUER,
        name=registration.institution_name,
        uscc=registration.uscc,
        code=codes[0] if codes else "",
        actor=actor,
    )
    user = User(
        username=registration.username,
        institution=institution,
        display_name=registration.agent_name,
        mobile=registration.mobile,
        email=registration.email,
    )
    user.password = registration.password_hash  # hashed when it was entered; never held in plain text
    user.save()
    audit_record(actor=actor, obj=user, action="user.create", to_state="active", reason="在线注册审核通过")
    IssuerProfile.objects.create(
        institution=institution,
        agent=user,
        agent_id_type=registration.agent_id_type,
        agent_id_number=registration.agent_id_number,
        postal_province=registration.postal_province,
        postal_city=registration.postal_city,
        postal_district=registration.postal_district,
        postal_detail=registration.postal_detail,
        registration=registration,
    )
    InstitutionInfoVersion.objects.create(
        institution=institution,
        effective_from=business_today(),
        name=registration.institution_name,
        uscc=registration.uscc,
        licence_valid_from=registration.licence_valid_from,
        licence_valid_until=registration.licence_valid_until,
        three_in_one=registration.three_in_one,
        org_code=registration.org_code,
        org_code_valid_from=registration.org_code_valid_from,
        org_code_valid_until=registration.org_code_valid_until,
        registered_address=registration.registered_address,
        legal_rep_name=registration.legal_rep_name,
        source=InstitutionInfoVersion.Source.REGISTRATION,
        created_by=actor,
    )
    IssuerSecurity.objects.bulk_create([IssuerSecurity(institution=institution, code=code) for code in codes])
    return institution, user


@transaction.atomic
def registration_approve(*, registration: Registration, actor) -> Registration:
    """Create the issuer institution, its agent user, profile, info version and codes, then issue the
    grey USB-KEY (key_issue sends the enrolment code: it stands for mailing the key). Any failure
    rolls everything back."""
    from csdp.keys.services import key_issue  # read at call time: tests replace it at its source

    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    REGISTRATION_MACHINE.check(registration.status, RegistrationStatus.APPROVED)
    problems = registration_conflicts(registration)
    if problems:
        raise IssuerRefused(
            "无法通过：" + "".join(problems) + "请驳回并说明原因。", problems=[Problem(p) for p in problems]
        )
    institution, user = _create_issuer(registration, actor)
    record_transition(
        transition_model=RegistrationTransition,
        owner_field="registration",
        obj=registration,
        actor=actor,
        to_state=RegistrationStatus.APPROVED,
        action="registration.approve",
    )
    registration.institution, registration.user = institution, user
    registration.reviewed_by, registration.reviewed_at = actor, clock_now()
    registration.reject_reason = ""
    registration.save()
    key_issue(user=user, model=KEY_MODEL, actor=actor)
    return registration


@transaction.atomic
def registration_reject(*, registration: Registration, actor, reason: str, site_url: str = "") -> str:
    """Return the registration with a reason; SMS the applicant a link to correct and resubmit.
    Returns the new raw token (the link's key)."""
    reason = (reason or "").strip()
    if not reason:
        raise IssuerRefused("请填写驳回原因。")
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    REGISTRATION_MACHINE.check(registration.status, RegistrationStatus.REJECTED)
    record_transition(
        transition_model=RegistrationTransition,
        owner_field="registration",
        obj=registration,
        actor=actor,
        to_state=RegistrationStatus.REJECTED,
        reason=reason,
        action="registration.reject",
    )
    token = secrets.token_urlsafe(32)
    registration.token_sha256 = token_hash(token)
    registration.expires_at = clock_now() + CORRECTION_TTL
    registration.reviewed_by, registration.reviewed_at, registration.reject_reason = actor, clock_now(), reason
    registration.save()
    link = site_url.rstrip("/") + reverse("issuers:register_resume", kwargs={"registration_token": token})
    notify_sms(
        mobile=registration.mobile,
        purpose="register_rejected",
        text=f"【中国结算】您的发行人在线注册申请未通过审核，原因：{reason}。请于30日内通过以下链接修改后重新提交：{link}",
    )
    return token
