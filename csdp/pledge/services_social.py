"""私信 (004 §十五), 举报 (004 §十六) and the depository's moderation powers (004 §四)."""

from __future__ import annotations

from django.db import transaction

from csdp.audit.services import audit_record
from csdp.clock.services import clock_now
from csdp.notify.services import notify_user
from csdp.pledge import selectors
from csdp.pledge.models import AccessState, PledgeProfile, Posting
from csdp.pledge.models_social import Message, ModerationAction, ModerationKind, Report, ReportStatus, Thread
from csdp.pledge.services import PledgeError, posting_return
from csdp.pledge.states import BOARD

MESSAGE_MAX_CHARS = 2000


def _notify(user, subject: str, body: str, purpose: str) -> None:
    notify_user(user=user, subject=subject, body=body, purpose=purpose)


def _check_body(body: str) -> str:
    body = (body or "").strip()
    if not body or len(body) > MESSAGE_MAX_CHARS:
        raise PledgeError(f"私信内容不能为空，且不超过 {MESSAGE_MAX_CHARS} 字。")
    return body


@transaction.atomic
def thread_start(*, posting: Posting, user, body: str) -> Thread:
    """A user who may see the posting's details writes to its owner (one thread per user and posting).
    The caller loaded ``posting`` through access_object, so 004 §十四 is already enforced."""
    profile = selectors.profile_of(user)
    if profile is None or profile.access_state != AccessState.ACTIVE:
        raise PledgeError("您当前没有信息平台的使用权限。")
    if posting.owner_id == user.pk:
        raise PledgeError("不能给自己发布的信息发私信。")
    if not posting.listed:
        raise PledgeError("该信息当前不接受私信。")
    body = _check_body(body)
    now = clock_now()
    thread, _ = Thread.objects.get_or_create(
        posting=posting, starter=user, defaults={"recipient": posting.owner, "last_message_at": now}
    )
    message_send(thread=thread, user=user, body=body)
    return thread


@transaction.atomic
def message_send(*, thread: Thread, user, body: str) -> Message:
    if user.pk not in (thread.starter_id, thread.recipient_id):
        raise PledgeError("只有私信双方可以回复。")
    profile = selectors.profile_of(user)
    if profile is None or profile.access_state != AccessState.ACTIVE:
        raise PledgeError("您当前没有信息平台的使用权限。")
    now = clock_now()
    message = Message.objects.create(thread=thread, sender=user, body=_check_body(body), sent_at=now)
    Thread.objects.filter(pk=thread.pk).update(last_message_at=now)
    other = thread.recipient if user.pk == thread.starter_id else thread.starter
    _notify(other, "您收到一条质押信息平台私信", "请登录信息平台查看私信。", "pledge.message")
    return message


@transaction.atomic
def report_create(*, reporter, reason: str, posting: Posting | None = None, message: Message | None = None) -> Report:
    """The caller loaded the posting or message through access_object (the reporter may see it)."""
    reason = (reason or "").strip()
    if not reason:
        raise PledgeError("请填写举报理由。")
    if (posting is None) == (message is None):
        raise PledgeError("请选择举报的信息或私信。")
    report = Report.objects.create(
        reporter=reporter, posting=posting, message=message, reason=reason[:1000], created_at=clock_now()
    )
    audit_record(actor=reporter, obj=report, action="pledge.report.create", to_state=ReportStatus.OPEN)
    return report


@transaction.atomic
def report_handle(*, report: Report, actor, outcome: str) -> Report:
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status != ReportStatus.OPEN or not outcome.strip():
        raise PledgeError("该举报已处理，或未填写处理结果。")
    report.status, report.outcome, report.handled_by, report.handled_at = (
        ReportStatus.HANDLED,
        outcome.strip(),
        actor,
        clock_now(),
    )
    report.save()
    audit_record(
        actor=actor,
        obj=report,
        action="pledge.report.handle",
        from_state=ReportStatus.OPEN,
        to_state=ReportStatus.HANDLED,
        reason=report.outcome,
    )
    _notify(report.reporter, "您的举报已处理", f"处理结果：{report.outcome}", "pledge.report")
    return report


# --- moderation (004 §四) -------------------------------------------------------------------------

NOTICES = {
    ModerationKind.CORRECTION: "本公司要求您更正已发布的信息",
    ModerationKind.RESTRICT: "您在质押信息平台的信息发布已被限制",
    ModerationKind.UNRESTRICT: "您在质押信息平台的信息发布限制已解除",
    ModerationKind.SUSPEND: "您的质押信息平台使用权限已暂停",
    ModerationKind.RESTORE: "您的质押信息平台使用权限已恢复",
    ModerationKind.END: "您的质押信息平台使用权限已终止",
}
# kind → (profile field, allowed current values, new value)
PROFILE_CHANGES = {
    ModerationKind.RESTRICT: ("postings_restricted", {False}, True),
    ModerationKind.UNRESTRICT: ("postings_restricted", {True}, False),
    ModerationKind.SUSPEND: ("access_state", {AccessState.ACTIVE}, AccessState.SUSPENDED),
    ModerationKind.RESTORE: ("access_state", {AccessState.SUSPENDED}, AccessState.ACTIVE),
    ModerationKind.END: ("access_state", {AccessState.ACTIVE, AccessState.SUSPENDED}, AccessState.ENDED),
}


@transaction.atomic
def moderation_apply(
    *, actor, kind: str, reason: str, profile: PledgeProfile | None = None, posting: Posting | None = None
) -> ModerationAction:
    """Require a correction of a posting, or restrict / suspend / restore / end a user's access;
    each with a notice to the user, a ModerationAction row and an audit event."""
    reason = (reason or "").strip()
    if not reason:
        raise PledgeError("请填写原因，原因将通知用户。")
    if kind == ModerationKind.CORRECTION:
        if posting is None:
            raise PledgeError("请选择要求更正的信息。")
        posting_return(posting=posting, actor=actor, reason=f"要求更正：{reason}")
        target = posting.owner
    else:
        field, allowed, new = PROFILE_CHANGES[ModerationKind(kind)]
        profile = PledgeProfile.objects.select_for_update().get(pk=profile.pk)
        old = getattr(profile, field)
        if old not in allowed:
            raise PledgeError("该用户当前状态不能执行此操作。")
        setattr(profile, field, new)
        profile.save(update_fields=[field])
        target = profile.user
        listable = profile.access_state == AccessState.ACTIVE and not profile.postings_restricted
        # Set-based: the owner's board postings leave (or return to) the board in one UPDATE.
        Posting.objects.filter(owner=target, status__in=BOARD).update(listed=listable)
        audit_record(
            actor=actor,
            obj=profile,
            action=f"pledge.moderation.{kind}",
            from_state=str(old),
            to_state=str(new),
            reason=reason,
        )
    row = ModerationAction.objects.create(
        target=target, posting=posting, kind=kind, reason=reason, actor=actor, at=clock_now()
    )
    _notify(
        target, NOTICES[ModerationKind(kind)], f"{NOTICES[ModerationKind(kind)]}。原因：{reason}", "pledge.moderation"
    )
    return row
