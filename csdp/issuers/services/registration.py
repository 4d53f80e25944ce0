"""The online-registration wizard's writes (000 §一(一)): draft, steps, materials, SMS code, submit."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.hashers import make_password
from django.db import transaction

from csdp.clock.services import clock_now
from csdp.issuers.choices import MaterialKind, registration_materials
from csdp.issuers.models import Registration, RegistrationMaterial, RegistrationTransition
from csdp.issuers.services.common import IssuerRefused, record_transition
from csdp.issuers.states import REGISTRATION_MACHINE, RegistrationStatus
from csdp.lib.errors import Problem
from csdp.notify.codes import CodeRefused, code_issue, code_check
from csdp.uploads.services import upload_store

DRAFT_TTL = dt.timedelta(days=3)  # an abandoned draft is gone after this
CORRECTION_TTL = dt.timedelta(days=30)  # a rejected registration may be corrected for this long
CODE_PURPOSE = "register"
# Wizard steps after the agreement, in the manual's order; step_done counts them.
STEPS = ("agreement", "category", "method", "institution", "user", "materials", "verify")
EDITABLE = (RegistrationStatus.DRAFT, RegistrationStatus.REJECTED)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def step_number(step: str) -> int:
    return STEPS.index(step) + 1


def registration_start() -> tuple[Registration, str]:
    """Accepting the service agreement opens a draft; the caller keeps the raw token in the session."""
    token = secrets.token_urlsafe(32)
    now = clock_now()
    registration = Registration.objects.create(
        token_sha256=token_hash(token), expires_at=now + DRAFT_TTL, agreement_accepted_at=now, step_done=1
    )
    return registration, token


def registration_for_token(token: str | None) -> Registration | None:
    """The draft (or rejected registration) a token opens; None when unknown, finished or expired."""
    if not token:
        return None
    registration = Registration.objects.filter(token_sha256=token_hash(token), status__in=EDITABLE).first()
    if registration is None or (registration.expires_at and registration.expires_at <= clock_now()):
        return None
    return registration


@transaction.atomic
def registration_step_save(*, registration: Registration, step: str, values: dict) -> Registration:
    """Store one wizard step's cleaned values (password already hashed) and mark the step done."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status not in EDITABLE:
        raise IssuerRefused("该注册申请已提交，不能再修改。")
    for field, value in values.items():
        setattr(registration, field, value)
    registration.step_done = max(registration.step_done, step_number(step))
    if registration.status == RegistrationStatus.DRAFT:
        registration.expires_at = clock_now() + DRAFT_TTL
    registration.save()
    return registration


def registration_values(step: str, cleaned: dict) -> dict:
    """Map a step form's cleaned data onto Registration fields; the password leaves only as a hash."""
    if step == "institution":
        values = {
            k: v for k, v in cleaned.items() if k not in ("name", "participant_types") and not k.endswith("_long_term")
        }
        values["institution_name"] = cleaned["name"]
        return values
    if step == "user":
        values = {k: v for k, v in cleaned.items() if k not in ("password", "password_again")}
        if cleaned.get("password"):
            values["password_hash"] = make_password(cleaned["password"])
        return values
    return dict(cleaned)


@transaction.atomic
def registration_material_attach(*, registration: Registration, kind: str, file) -> RegistrationMaterial:
    """Store a scan through the upload service (kind "scan") and put it in the draft's slot for ``kind``."""
    if kind not in MaterialKind.values:
        raise IssuerRefused("未知的材料类型。")
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status not in EDITABLE:
        raise IssuerRefused("该注册申请已提交，不能再修改。")
    stored = upload_store(file=file, kind="scan", owner=None, actor=None)
    material, _ = RegistrationMaterial.objects.update_or_create(
        registration=registration, kind=kind, defaults={"file": stored}
    )
    return material


def registration_missing_materials(registration: Registration) -> list[str]:
    present = set(registration.materials.values_list("kind", flat=True))
    return [kind for kind in registration_materials(registration.three_in_one) if kind not in present]


def registration_code_send(*, registration: Registration) -> None:
    """Send the SMS verification code to the agent's mobile (000 §一(一)9)."""
    if not registration.mobile:
        raise IssuerRefused("请先填写经办人手机号码。")
    try:
        code_issue(purpose=CODE_PURPOSE, mobile=registration.mobile)
    except CodeRefused as refused:
        raise IssuerRefused(refused.message) from None


def registration_code_verify(*, registration: Registration, code: str) -> Registration:
    # Not inside a transaction of ours: code_check commits the failed attempt's count itself.
    try:
        code_check(purpose=CODE_PURPOSE, mobile=registration.mobile, code=code)
    except CodeRefused as refused:
        raise IssuerRefused(refused.message) from None
    return registration_step_save(
        registration=registration, step="verify", values={"mobile_verified": registration.mobile}
    )


def registration_problems(registration: Registration) -> list[str]:
    """What still stops the registration from being submitted, in the wizard's order."""
    problems = []
    if registration.step_done < step_number("user"):
        problems.append("机构基本信息或用户信息尚未填写完整。")
    if not registration.password_hash:
        problems.append("尚未设置登录密码。")
    missing = registration_missing_materials(registration)
    if missing:
        problems.append("尚未上传：" + "、".join(MaterialKind(k).label for k in missing) + "。")
    if not registration.mobile or registration.mobile_verified != registration.mobile:
        problems.append("经办人手机号码尚未通过短信验证。")
    return problems


@transaction.atomic
def registration_submit(*, registration: Registration) -> Registration:
    """检查并提交 (000 §一(一)10): complete drafts and corrected rejections go to review."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    REGISTRATION_MACHINE.check(registration.status, RegistrationStatus.SUBMITTED)
    problems = registration_problems(registration)
    if problems:
        raise IssuerRefused("注册信息不完整，不能提交。", problems=[Problem(p) for p in problems])
    record_transition(
        transition_model=RegistrationTransition,
        owner_field="registration",
        obj=registration,
        actor=None,
        to_state=RegistrationStatus.SUBMITTED,
        action="registration.submit",
    )
    registration.submitted_at = clock_now()
    registration.expires_at = None
    # The token is spent: the applicant returns only through the link a rejection sends.
    registration.token_sha256 = token_hash(secrets.token_urlsafe(32))
    registration.save()
    return registration


@transaction.atomic
def registration_drafts_purge() -> int:
    """Delete abandoned drafts past their expiry: they hold an applicant's personal data and were never
    submitted. Their scans stay as upload-service rows owned by nobody. Returns the number deleted."""
    expired = Registration.objects.filter(status=RegistrationStatus.DRAFT, expires_at__lte=clock_now())
    count = expired.count()
    RegistrationMaterial.objects.filter(registration__in=expired).delete()
    expired.delete()  # a draft has no history rows (PROTECT, append-only): it was never submitted
    return count
