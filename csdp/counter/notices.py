"""What the filer is told at each step (issue 4 §5), by SMS and e-mail through csdp.notify."""

from __future__ import annotations

from csdp.counter.states import Status
from csdp.notify.services import notify_user

EFFECTED = "counter.effected"  # not a state: the business took effect while the application is 办理中

_TEXT = {
    Status.SUBMITTED: ("业务申请已提交", "您的{name}申请（{ref}，证券代码 {code}）已提交，请关注办理进度。"),
    Status.ACCEPTED: ("业务申请已受理", "您的{name}申请（{ref}）已受理，正在办理。"),
    Status.RETURNED: (
        "业务申请被退回",
        "您的{name}申请（{ref}）被退回，办理意见：{reason}。请登录虚拟柜台处理后重新提交。",
    ),
    Status.RESULT_ISSUED: (
        "业务办理结果已反馈",
        "您的{name}申请（{ref}）已有办理结果，请在业务列表中查看、下载并确认。",
    ),
    Status.FINISHED: ("业务已办结", "您的{name}申请（{ref}）已办结。"),
    Status.WITHDRAWN: ("业务申请已撤回", "您的{name}申请（{ref}）已撤回。"),
}


def notify_filer(application, *, to_state: str, reason: str = "") -> None:
    subject, body = _TEXT[to_state]
    notify_user(
        user=application.filed_by,
        subject=subject,
        body=body.format(
            name=application.business_type.name,
            ref=application.reference,
            code=application.securities_code,
            reason=reason[:100],
        ),
        purpose=f"counter.{to_state}",
    )


def notify_handlers(application, *, round_number: int) -> None:
    """A (re)submission tells its handler: the assignee, or else the type's named handlers."""
    handlers = [application.assignee] if application.assignee_id else list(application.business_type.handlers.all())
    for handler in handlers:
        notify_user(
            user=handler,
            subject="柜台业务待受理",
            body=f"{application.filer_institution.name}的{application.business_type.name}申请（{application.reference}，"
            f"第 {round_number} 轮）已提交，请及时办理。",
            purpose="counter.to_handle",
        )


def notify_filer_effected(application, *, outcome: str) -> None:
    """The business the application started took effect (a register business on its effective date): the
    filer learns it then, not only when staff send the result reports."""
    notify_user(
        user=application.filed_by,
        subject="业务已办理生效",
        body=f"您的{application.business_type.name}申请（{application.reference}）{outcome}。"
        "办理结果报表将随后发送，请在业务列表中查看。",
        purpose=EFFECTED,
    )
