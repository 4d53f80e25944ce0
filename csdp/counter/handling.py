"""Writes of the depository staff on counter applications (000 §三(二)(三)): assignment and 转办,
accepting, returning with an opinion, attaching result reports and sending them back, and ending an
accepted application whose business was withdrawn."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction

from csdp.audit.services import audit_record
from csdp.clock.services import clock_now
from csdp.counter.models import Application, ApplicationFile, Assignment, FilePurpose, Opinion, OpinionKind
from csdp.counter.services import CounterError, _locked, _move, check_handler
from csdp.counter.states import Status
from csdp.lib.publish import staged_files
from csdp.lib.statemachine import SYSTEM, actor_kind
from csdp.uploads.errors import UploadRejected
from csdp.uploads.services import upload_store

RESULT_KIND = "result"  # PDF or XLSX (csdp.uploads.kinds)


def _latest_round(application: Application):
    return application.rounds.filter(signed_at__isnull=False).order_by("-number").first()


@transaction.atomic
def application_assign(*, application: Application, assignee, actor, reason: str = "") -> Application:
    """分派 / 转办: give the application to an operator. Operators may take an unassigned one or pass
    on their own; the administrator may assign anything to anyone."""
    application = _locked(application)
    if application.status not in (Status.SUBMITTED, Status.ACCEPTED):
        raise CounterError("只有待受理或办理中的业务可以分派。")
    if assignee.staff_role not in ("operator", "admin") or not assignee.is_active:
        raise CounterError("只能分派给业务办理岗或管理员。")
    if actor.staff_role != "admin":
        check_handler(user=actor, application=application)
    if application.assignee_id == assignee.pk:
        raise CounterError(f"该业务已由 {assignee} 办理。")
    previous = application.assignee
    application.assignee = assignee
    application.save(update_fields=["assignee"])
    Assignment.objects.create(
        application=application, assignee=assignee, assigned_by=actor, at=clock_now(), reason=reason
    )
    audit_record(
        actor=actor,
        obj=application,
        action="counter.assign",
        reason=reason,
        data={"from": previous.username if previous else "", "to": assignee.username},
    )
    return application


def _claim(application: Application, actor) -> None:
    """Acting on an unassigned application makes the actor its handler."""
    if application.assignee_id is None:
        application.assignee = actor
        application.save(update_fields=["assignee"])
        Assignment.objects.create(
            application=application, assignee=actor, assigned_by=actor, at=clock_now(), reason="办理时领取"
        )


def application_accept(*, application: Application, actor, opinion: str = "") -> Application:
    """受理. A structured type's on_accepted and result_builder run now; the reports are attached as results.

    Participant files an on_accepted writes (the ch. 5 refunds' BJFH / LXFH, 002 §5.2–5.3) appear only
    once the acceptance has committed (issue 20 §7): a refusal later in the same acceptance publishes none."""
    with staged_files():
        return _application_accept(application=application, actor=actor, opinion=opinion)


@transaction.atomic
def _application_accept(*, application: Application, actor, opinion: str) -> Application:
    application = _locked(application)
    check_handler(user=actor, application=application)
    _claim(application, actor)
    round_ = _latest_round(application)
    _move(application, to_state=Status.ACCEPTED, actor=actor, reason=opinion or "受理")
    Opinion.objects.create(
        application=application,
        round=round_,
        kind=OpinionKind.ACCEPT,
        text=opinion or "已受理",
        author=actor,
        created_at=clock_now(),
    )
    spec = application.business_type.spec
    if spec is not None and spec.on_accepted is not None:
        spec.on_accepted(application)
    if spec is not None and spec.result_builder is not None:
        for generated in spec.result_builder(application):
            _result_store(application, actor, ContentFile(generated.content, name=generated.name))
    return application


@transaction.atomic
def application_return(*, application: Application, actor, kind: str, opinion: str) -> Application:
    """退回: the filer must modify the documents, or confirm them, and resubmit (000 §三(二))."""
    if kind not in (OpinionKind.MODIFY, OpinionKind.CONFIRM):
        raise CounterError("请选择退回意见类型：修改材料或确认材料。")
    if not opinion.strip():
        raise CounterError("退回时必须填写办理意见。")
    application = _locked(application)
    check_handler(user=actor, application=application)
    _claim(application, actor)
    _move(application, to_state=Status.RETURNED, actor=actor, reason=opinion.strip())
    Opinion.objects.create(
        application=application,
        round=_latest_round(application),
        kind=kind,
        text=opinion.strip(),
        author=actor,
        created_at=clock_now(),
    )
    return application


@transaction.atomic
def application_return_on_review(*, application: Application, actor, reason: str) -> Application:
    """The business an accepted application started was refused by its four-eyes reviewer (csdp.approvals'
    ``on_reject``): back to the filer, 退回待处理, with the reviewer's reason as the 办理意见 (请修改材料) — the
    filing itself must change, and a corrected round, once accepted, prepares a new approval. The filer is
    told by ``_move``; the reviewer acts through the approval, so ``check_handler`` does not apply."""
    application = _locked(application)
    if application.status != Status.ACCEPTED:
        return application  # withdrawn or returned meanwhile: nothing of it is left to hand back
    text = f"复核未通过，{reason.strip()}"  # "办理意见：复核未通过，…" in the notice: one colon
    _move(application, to_state=Status.RETURNED, actor=actor, reason=text)
    Opinion.objects.create(
        application=application,
        round=_latest_round(application),
        kind=OpinionKind.MODIFY,
        text=text,
        author=actor,
        created_at=clock_now(),
    )
    return application


def _result_store(application: Application, actor, file) -> ApplicationFile:
    stored = upload_store(file=file, kind=RESULT_KIND, owner=application.filer_institution, actor=actor)
    row = ApplicationFile.objects.create(
        application=application, purpose=FilePurpose.RESULT, stored_file=stored, added_by=actor, added_at=clock_now()
    )
    audit_record(
        actor=actor,
        obj=application,
        action="counter.result_attach",
        data={"file": stored.original_name, "sha256": stored.sha256},
    )
    return row


@transaction.atomic
def result_attach(*, application: Application, actor, file) -> ApplicationFile:
    """Attach one result report (PDF or Excel) while the application is being handled."""
    application = _locked(application)
    check_handler(user=actor, application=application)
    if application.status != Status.ACCEPTED:
        raise CounterError("只有办理中的业务可以添加办理结果。")
    try:
        return _result_store(application, actor, file)
    except UploadRejected as rejected:
        raise CounterError(rejected.message) from None


@transaction.atomic
def result_remove(*, result: ApplicationFile, actor) -> None:
    """Take back a result report attached by mistake, before the results are sent."""
    application = _locked(result.application)
    check_handler(user=actor, application=application)
    if application.status != Status.ACCEPTED or result.purpose != FilePurpose.RESULT:
        raise CounterError("办理结果已发送，不能再删除。")
    audit_record(
        actor=actor,
        obj=application,
        action="counter.result_remove",
        data={"file": result.stored_file.original_name, "sha256": result.stored_file.sha256},
    )
    result.delete()


@transaction.atomic
def application_issue_results(*, application: Application, actor, note: str = "") -> Application:
    """Send the result reports back to the filer, who views, downloads and confirms them (000 §三(三))."""
    application = _locked(application)
    check_handler(user=actor, application=application)
    spec = application.business_type.spec
    if spec is not None and spec.on_results is not None:
        spec.on_results(application)
    if application.status == Status.ACCEPTED and not application.files.filter(purpose=FilePurpose.RESULT).exists():
        raise CounterError("请先上传办理结果报表（PDF 或 Excel）。")
    _move(application, to_state=Status.RESULT_ISSUED, actor=actor, reason=note or "办理结果已发送")
    return application


@transaction.atomic
def application_withdraw_accepted(*, application: Application, actor=None, reason: str) -> Application:
    """An accepted application whose business was withdrawn through that business's own four-eyes (a
    权益分派's 撤销, csdp/dividend): it ends 已撤回, with its transition row, audit event and the filer's
    notice — instead of staying 办理中 with nothing left to handle. ``actor``: the staff user who approved
    the withdrawal, or None for the system; the filer cannot (the machine allows it to staff and the system
    only)."""
    application = _locked(application)
    if application.status != Status.ACCEPTED:  # a draft or a submission is the filer's to withdraw
        raise CounterError(f"只有办理中的业务可以因业务撤销而终止（当前状态“{application.get_status_display()}”）。")
    by = SYSTEM if actor is None else actor_kind(actor)
    _move(application, to_state=Status.WITHDRAWN, actor=actor, reason=reason, by=by)
    return application
