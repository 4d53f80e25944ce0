"""Writes of the virtual counter. Every state change goes through `_move`, which checks the one
transition table, appends a Transition row, records the audit event and notifies the filer."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from csdp.audit.services import audit_record
from csdp.clock.services import clock_now
from csdp.counter.attachments import store_attachments, store_data_files
from csdp.counter.models import Application, ApplicationFile, ApplicationRound, BusinessType, FilePurpose, Transition
from csdp.counter.notices import notify_filer, notify_handlers
from csdp.counter.registry import FilingContext, round_key_required
from csdp.counter.states import MACHINE, CounterError, Status
from csdp.keys.signing import submission_digest, SignatureRefused, submission_sign_verify
from csdp.lib.statemachine import actor_kind, transition_record
from csdp.uploads.errors import UploadRejected


# --- checks ------------------------------------------------------------------------------------


def check_may_file(*, user, business_type: BusinessType) -> None:
    institution = getattr(user, "institution", None)
    if institution is None or not business_type.is_active:
        raise CounterError("该业务类型当前不可申报。")
    if institution.kind not in business_type.effective_filer_kinds():
        raise CounterError(f"“{business_type}”只能由{business_type.filer_kind_labels()}申报。")


def check_filer(*, user, application: Application) -> None:
    if getattr(user, "institution_id", None) != application.filer_institution_id:
        raise CounterError("只有申报机构可以办理此操作。")


def check_handler(*, user, application: Application) -> None:
    """Operators handle what is assigned to them (or unassigned); the administrator handles anything."""
    if user.staff_role == "admin":
        return
    if user.staff_role != "operator":
        raise CounterError("只有业务办理岗或管理员可以办理柜台业务。")
    if application.assignee_id not in (None, user.pk):
        raise CounterError(f"该业务已分派给 {application.assignee}，请由其办理或先转办。")


# --- the one place that moves an application -----------------------------------------------------


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("business_type", "filed_by").get(pk=application.pk)


def _move(application: Application, *, to_state: str, actor, reason: str = "", by: str | None = None) -> Transition:
    """Change the state of a locked application. Raises CounterError for a refused transition. ``by``: the
    kind of actor, by default the actor's own (a staff user or the filer); SYSTEM for the system."""
    from_state = application.status
    now = clock_now()
    application.status_since = now
    row = transition_record(
        machine=MACHINE,
        subject=application,
        to_state=to_state,
        history=Transition,
        actor=actor,
        by=by or actor_kind(actor),
        reason=reason,
        at=now,
        update_fields=["status_since"],
    )
    audit_record(
        actor=actor or "system",
        obj=application,
        action=f"counter.{to_state}",
        from_state=from_state,
        to_state=to_state,
        reason=reason,
    )
    notify_filer(application, to_state=to_state, reason=reason)
    return row


# --- filing -------------------------------------------------------------------------------------


def _typed_data(business_type: BusinessType, data: dict | None) -> dict:
    spec = business_type.spec
    if spec is None or spec.form_class is None:
        return {}
    return dict(data or {})


def _round_create(*, application, user, number: int, remark: str, data: dict, files, reuse_from=None, data_files=()):
    business_type = application.business_type
    spec = business_type.spec
    now = clock_now()
    if files:
        stored = store_attachments(files=files, owner=application.filer_institution, actor=user)
    elif reuse_from is not None:  # "确认材料": the documents of the previous round, confirmed as they are
        kept = reuse_from.files.filter(purpose=FilePurpose.ATTACHMENT).select_related("stored_file")
        stored = [f.stored_file for f in kept]
    elif spec is not None and not spec.attachments_required:
        stored = []
    else:
        raise UploadRejected("请上传申请材料。附件须为 1-2 个 ZIP 压缩包，或 1 个 PDF 文件。")
    if spec is not None and spec.validate is not None:
        spec.validate(
            FilingContext(
                user=user,
                institution=application.filer_institution,
                securities_code=application.securities_code,
                data=data,
                attachments=tuple(stored),
            )
        )
    sheets = store_data_files(files=data_files, owner=application.filer_institution, actor=user)
    round_ = ApplicationRound.objects.create(
        application=application, number=number, remark=remark, data=data, created_by=user, created_at=now
    )
    # In this order (the rows' ids): the submission's digest is recomputed over the round's files by id.
    purposes = [(f, FilePurpose.ATTACHMENT) for f in stored] + [(f, FilePurpose.DATA) for f in sheets]
    for stored_file, purpose in purposes:
        ApplicationFile.objects.create(
            application=application,
            round=round_,
            purpose=purpose,
            stored_file=stored_file,
            added_by=user,
            added_at=now,
        )
    round_.digest = round_digest(round_, [f for f, _ in purposes])
    round_.save(update_fields=["digest"])
    return round_


def round_content(round_: ApplicationRound) -> dict:
    """What the filer signs: the form content of the round (files are added by their sha256)."""
    application = round_.application
    return {
        "application": application.pk,
        "round": round_.number,
        "institution": application.filer_institution_id,
        "business_type": application.business_type.code,
        "securities_code": application.securities_code,
        "remark": round_.remark,
        "data": round_.data,
    }


def round_digest(round_: ApplicationRound, stored_files) -> str:
    return submission_digest(content=round_content(round_), files=tuple(stored_files))


def _refuse_on_error(fn):
    """Turn the errors of the upload service and of a type's validation hook into CounterError."""

    def wrapped(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except UploadRejected as rejected:
            raise CounterError(rejected.message) from None
        except ValidationError as invalid:
            # One per line, as the form lists a sheet's errors: a heading ("…不予接收：") then each problem,
            # never "：；" or "。；" from joining sentences.
            raise CounterError("\n".join(invalid.messages)) from None

    wrapped.__name__, wrapped.__doc__ = fn.__name__, fn.__doc__
    return wrapped


@_refuse_on_error
@transaction.atomic
def application_draft(
    *,
    user,
    business_type: BusinessType,
    securities_code: str,
    remark: str = "",
    data: dict | None = None,
    files=(),
    data_files=(),
) -> Application:
    """新申报业务: store the filled-in application and its attachments; it waits in DRAFT for the
    agent's confirmation and the USB-KEY signature (000 §三(一)3–8). ``data_files``: the structured form's
    own files (``StructuredForm.data_files``), kept with the round as 申报数据文件."""
    check_may_file(user=user, business_type=business_type)
    now = clock_now()
    application = Application.objects.create(
        business_type=business_type,
        filer_institution=user.institution,
        filed_by=user,
        securities_code=securities_code,
        status=Status.DRAFT,
        status_since=now,
        created_at=now,
    )
    _round_create(
        application=application,
        user=user,
        number=1,
        remark=remark,
        data=_typed_data(business_type, data),
        files=files,
        data_files=data_files,
    )
    audit_record(actor=user, obj=application, action="counter.draft", to_state=Status.DRAFT)
    return application


@_refuse_on_error
@transaction.atomic
def round_prepare(
    *, application: Application, user, remark: str = "", data: dict | None = None, files=(), data_files=()
):
    """After a return: the filer uploads corrected documents, or confirms the previous ones (no files),
    and gets a new round that waits for the signature (000 §三(二))."""
    application = _locked(application)
    check_filer(user=user, application=application)
    if application.status != Status.RETURNED:
        raise CounterError("只有被退回的业务可以重新提交。")
    last = application.rounds.order_by("-number").first()
    if last.signed_at is None:  # an unsigned resubmission prepared earlier is replaced
        last.delete()
        last = application.rounds.order_by("-number").first()
    merged = data if data is not None else last.data
    return _round_create(
        application=application,
        user=user,
        number=last.number + 1,
        remark=remark,
        data=_typed_data(application.business_type, merged),
        files=files,
        reuse_from=last,
        data_files=data_files,
    )


def pending_round(application: Application) -> ApplicationRound | None:
    last = application.rounds.order_by("-number").first()
    return last if last is not None and last.signed_at is None else None


@transaction.atomic
def application_submit(*, application: Application, user, signature_payload: str) -> Application:
    """提交: verify the USB-KEY signature over the pending round's digest and submit (or resubmit)."""
    application = _locked(application)
    check_filer(user=user, application=application)
    round_ = pending_round(application)
    if round_ is None or application.status not in (Status.DRAFT, Status.RETURNED):
        raise CounterError("没有待提交的申请内容。")
    files = [f.stored_file for f in round_.files.select_related("stored_file")]
    if round_digest(round_, files) != round_.digest:
        raise CounterError("申请内容已变化，请重新确认后提交。")

    try:
        signature = submission_sign_verify(
            user=user,
            digest=round_.digest,
            payload=signature_payload,
            require_key=round_key_required(application.business_type, round_.data),
        )
    except SignatureRefused as refused:
        raise CounterError(refused.message) from None
    round_.signature, round_.signed_at = signature, clock_now()
    round_.save(update_fields=["signature", "signed_at"])
    if application.submitted_at is None:
        application.submitted_at = round_.signed_at
        application.save(update_fields=["submitted_at"])
    _move(application, to_state=Status.SUBMITTED, actor=user, reason=f"第 {round_.number} 轮提交")
    notify_handlers(application, round_number=round_.number)
    return application


@transaction.atomic
def application_withdraw(*, application: Application, user, reason: str = "") -> Application:
    application = _locked(application)
    check_filer(user=user, application=application)
    _move(application, to_state=Status.WITHDRAWN, actor=user, reason=reason or "申报机构撤回")
    return application


@transaction.atomic
def application_confirm_results(*, application: Application, user) -> Application:
    """The filer viewed the result reports and confirms: 办结 (000 §三(三)). Runs the type's on_finished."""
    application = _locked(application)
    check_filer(user=user, application=application)
    _move(application, to_state=Status.FINISHED, actor=user, reason="确认办理结果")
    application.finished_at = application.status_since
    application.save(update_fields=["finished_at"])
    spec = application.business_type.spec
    if spec is not None and spec.on_finished is not None:
        spec.on_finished(application)
    return application
