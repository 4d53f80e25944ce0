"""本机构信息维护 (000 §二(二)): key fields through materials, review and a version effective the day
after approval; non-key fields at once; a pending or rejected application blocks new ones."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from csdp.accounts.models import Institution
from csdp.audit.services import audit_record
from csdp.clock.services import business_today, clock_now
from csdp.issuers.models import InfoChangeApplication, InfoChangeTransition, InstitutionInfoVersion
from csdp.issuers.models.profile import KEY_FIELDS, NON_KEY_FIELDS
from csdp.issuers.selectors import blocking_application, institution_info_as_of
from csdp.issuers.services.common import IssuerRefused, record_transition
from csdp.issuers.signing import issuer_submission_signed
from csdp.issuers.states import APPLICATION_MACHINE, ApplicationStatus
from csdp.notify.services import notify_user

_DATE_FIELDS = {"licence_valid_from", "licence_valid_until", "org_code_valid_from", "org_code_valid_until"}


def to_json(values: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()}


def from_json(values: dict) -> dict:
    return {k: (dt.date.fromisoformat(v) if k in _DATE_FIELDS and v else v) for k, v in values.items()}


def _current(institution) -> InstitutionInfoVersion:
    current = institution_info_as_of(institution, business_today())
    if current is None:
        raise IssuerRefused("本机构尚无登记信息，请联系本公司。")
    return current


def _lock(institution) -> Institution:
    # Serialises the applications of one institution: the blocking rule is checked under this lock.
    return Institution.objects.select_for_update().get(pk=institution.pk)


def _move(application, actor, to_state, action, reason=""):
    APPLICATION_MACHINE.check(application.status, to_state)
    record_transition(
        transition_model=InfoChangeTransition,
        owner_field="application",
        obj=application,
        actor=actor,
        to_state=to_state,
        reason=reason,
        action=action,
    )


KEY_CHANGE = "institution_key_change"  # what a key-field change's signature covers: the key fields and materials


def _key_change_signed(*, user, proposed: dict, materials: list, payload: str | None):
    values = {k: proposed[k] for k in KEY_FIELDS}
    return issuer_submission_signed(user=user, kind=KEY_CHANGE, values=values, files=materials, payload=payload)


@transaction.atomic
def info_application_submit(
    *, institution, user, proposed: dict, materials: list, signature_payload: str | None = None
) -> InfoChangeApplication:
    """File a key-field change, signed with the key over the key fields and the materials (seed 000 §二;
    SignatureRefused otherwise). Refused while another application is pending or rejected (000 §二(二))."""

    def signed():
        return _key_change_signed(user=user, proposed=proposed, materials=materials, payload=signature_payload)

    return _application_file(institution=institution, user=user, proposed=proposed, materials=materials, signed=signed)


@transaction.atomic
def info_application_seed(*, institution, user, proposed: dict, materials: list) -> InfoChangeApplication:
    """The demo's seeded history only (csdp.issuers.demo): an application on file before keys were
    enrolled, without a signature. Every submission goes through info_application_submit."""
    return _application_file(institution=institution, user=user, proposed=proposed, materials=materials, signed=None)


def _application_file(*, institution, user, proposed: dict, materials: list, signed) -> InfoChangeApplication:
    _lock(institution)
    blocking = blocking_application(institution)
    if blocking is not None:
        raise IssuerRefused(
            "存在被驳回的信息维护申请，请先在申请列表中处理（修改后重新提交或撤回）。"
            if blocking.status == ApplicationStatus.REJECTED
            else "存在待审核的信息维护申请，审核完成前不能发起新的申请。"
        )
    current = _current(institution)
    changes = {k: v for k, v in proposed.items() if k in KEY_FIELDS and getattr(current, k) != v}
    if not changes:
        raise IssuerRefused("关键信息没有变化，无需提交审核。")
    if not materials:
        raise IssuerRefused("修改关键信息须上传相关审核材料。")
    signature = signed() if signed else None
    application = InfoChangeApplication.objects.create(
        institution=institution,
        status=ApplicationStatus.SUBMITTED,
        signature=signature,
        proposed=to_json({k: proposed[k] for k in KEY_FIELDS}),
        previous=to_json({k: getattr(current, k) for k in KEY_FIELDS}),
        submitted_by=user,
        submitted_at=clock_now(),
    )
    application.materials.set(materials)
    InfoChangeTransition.objects.create(
        application=application,
        from_state="",
        to_state=application.status,
        actor=user,
        actor_label=user.get_username(),
        at=clock_now(),
    )
    audit_record(
        actor=user,
        obj=application,
        action="info_application.submit",
        to_state=application.status,
        data={"fields": sorted(changes), "signature_id": getattr(signature, "pk", None)},
    )
    return application


@transaction.atomic
def info_application_resubmit(
    *, application, user, proposed: dict, materials: list, signature_payload: str | None = None
) -> InfoChangeApplication:
    """修改后重新提交 a rejected application (handled in 申请列表), signed as a new one."""
    _lock(application.institution)
    application = InfoChangeApplication.objects.select_for_update().get(pk=application.pk)
    if not materials:
        raise IssuerRefused("修改关键信息须上传相关审核材料。")
    _move(application, user, ApplicationStatus.SUBMITTED, "info_application.resubmit")
    signature = _key_change_signed(user=user, proposed=proposed, materials=materials, payload=signature_payload)
    current = _current(application.institution)
    application.proposed = to_json({k: proposed[k] for k in KEY_FIELDS})
    application.previous = to_json({k: getattr(current, k) for k in KEY_FIELDS})
    application.signature, application.submitted_by, application.submitted_at = signature, user, clock_now()
    application.save()
    application.materials.set(materials)
    return application


@transaction.atomic
def info_application_withdraw(*, application, user) -> InfoChangeApplication:
    application = InfoChangeApplication.objects.select_for_update().get(pk=application.pk)
    _move(application, user, ApplicationStatus.WITHDRAWN, "info_application.withdraw")
    application.save()
    return application


@transaction.atomic
def info_application_reject(*, application, actor, reason: str) -> InfoChangeApplication:
    reason = (reason or "").strip()
    if not reason:
        raise IssuerRefused("请填写驳回原因。")
    application = InfoChangeApplication.objects.select_for_update().get(pk=application.pk)
    _move(application, actor, ApplicationStatus.REJECTED, "info_application.reject", reason)
    application.reviewed_by, application.reviewed_at, application.reject_reason = actor, clock_now(), reason
    application.save()
    notify_user(
        user=application.submitted_by,
        subject="本机构信息变更申请被驳回",
        purpose="info_application_rejected",
        body=f"【中国结算】您的本机构信息变更申请（编号{application.pk}）被驳回，原因：{reason}。请在申请列表中处理。",
    )
    return application


@transaction.atomic
def info_application_approve(*, application, actor) -> InfoChangeApplication:
    """Approve: the new key fields take effect the day after approval (000 §二 末段: 审核通过后次日生效)."""
    application = InfoChangeApplication.objects.select_for_update().get(pk=application.pk)
    _lock(application.institution)
    _move(application, actor, ApplicationStatus.APPROVED, "info_application.approve")
    effective = business_today() + dt.timedelta(days=1)
    latest = (
        InstitutionInfoVersion.objects.filter(institution=application.institution)
        .order_by("-effective_from", "-id")
        .first()
    )
    non_key = {f: getattr(latest, f) for f in NON_KEY_FIELDS} if latest else {}
    InstitutionInfoVersion.objects.create(
        institution=application.institution,
        effective_from=effective,
        source=InstitutionInfoVersion.Source.KEY_CHANGE,
        application=application,
        created_by=actor,
        **from_json(application.proposed),
        **non_key,
    )
    application.reviewed_by, application.reviewed_at, application.effective_from = actor, clock_now(), effective
    application.save()
    notify_user(
        user=application.submitted_by,
        subject="本机构信息变更申请已通过",
        purpose="info_application_approved",
        body=f"【中国结算】您的本机构信息变更申请（编号{application.pk}）已审核通过，自{effective:%Y-%m-%d}起生效。",
    )
    return application


@transaction.atomic
def institution_info_non_key_update(
    *, institution, user, values: dict, signature_payload: str | None = None
) -> InstitutionInfoVersion:
    """Non-key fields take effect at once, without review, signed with the key (seed 000 §二;
    SignatureRefused otherwise). Versions already approved for a later day get the same non-key
    values, so tomorrow's key change does not bring back yesterday's phone number."""
    _lock(institution)
    today = business_today()
    current = _current(institution)
    new_values = {f: values[f] for f in NON_KEY_FIELDS}
    if all(getattr(current, f) == v for f, v in new_values.items()):
        raise IssuerRefused("信息没有变化。")
    signature = issuer_submission_signed(
        user=user, kind="institution_non_key", values=values, files=[], payload=signature_payload
    )
    future = list(InstitutionInfoVersion.objects.filter(institution=institution, effective_from__gt=today))
    version = None
    for base, day in [(current, today)] + [(v, v.effective_from) for v in future]:
        row = InstitutionInfoVersion.objects.create(
            institution=institution,
            effective_from=day,
            source=InstitutionInfoVersion.Source.NON_KEY_CHANGE,
            created_by=user,
            **{f: getattr(base, f) for f in KEY_FIELDS},
            **new_values,
        )
        version = version or row
    audit_record(
        actor=user,
        obj=version,
        action="institution_info.non_key_update",
        to_state="effective",
        data={
            "fields": sorted(f for f, v in new_values.items() if getattr(current, f) != v),
            "signature_id": getattr(signature, "pk", None),
        },
    )
    return version


@transaction.atomic
def institution_names_apply(*, on: dt.date, institution=None) -> int:
    """Carry names that took effect by ``on`` to accounts.Institution.name (shown in the page shell).
    For every institution at the start of a day, or for one when its issuer opens 本机构信息维护;
    returns the rows changed."""
    changed = 0
    institutions = Institution.objects.filter(info_versions__effective_from__lte=on).distinct()
    if institution is not None:
        institutions = institutions.filter(pk=institution.pk)
    for institution in institutions:
        info = institution_info_as_of(institution, on)
        if info and info.name != institution.name:
            Institution.objects.filter(pk=institution.pk).update(name=info.name)
            changed += 1
    return changed
