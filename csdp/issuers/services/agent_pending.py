"""经办人信息维护 from a password-only login (000 §二(六) 手机号码变更) takes effect only after staff
confirm it (issue 20 §3).

The password-only login exists for an agent whose mobile changed: no SMS code can be sent, so the
password alone opens the page. A password alone must not be able to move the mobile and postal
address — where the next SMS code and a reissued USB-KEY would go — to whoever holds it. So in that
mode the change is prepared as a four-eyes approval (csdp.approvals: the agent prepares, a reviewer
or operator confirms after checking with the company by telephone), the old mobile and e-mail are
told at once, and nothing changes until the confirmation. Choice documented in docs/issuers.md: staff
confirmation rather than a timed delay, because the owner of a hijacked account may not read a
cancellation notice sent to the very channels being replaced.
"""

from __future__ import annotations


from csdp.accounts.four_eyes import stamped_key
from csdp.accounts.models import User
from csdp.accounts.roles import Role
from csdp.approvals.kinds import register_kind
from csdp.approvals.models import OPEN, Approval
from csdp.approvals.services import approval_prepare
from csdp.issuers.services.agent import PROFILE_FIELDS, USER_FIELDS, agent_info_update, mask_mobile
from csdp.lib.errors import CsdpError
from csdp.notify.services import notify_email, notify_sms

LABELS = {
    "display_name": "姓名",
    "mobile": "手机号码",
    "email": "电子邮箱",
    "agent_id_type": "证件类型",
    "agent_id_number": "证件号码",
    "postal_province": "省",
    "postal_city": "市",
    "postal_district": "区县",
    "postal_detail": "详细地址",
}


def _apply(approval) -> dict:
    user = User.objects.get(pk=approval.payload["_user_id"])
    agent_info_update(user=user, values=approval.payload["_values"])
    return {"结果": "经办人信息已更新"}


KIND = register_kind(
    code="issuers.agent_change_unverified",
    label="经办人信息变更（口令登录，待确认）",
    apply=_apply,
    preparers={Role.ISSUER},
    approvers={Role.REVIEWER, Role.OPERATOR},
)


def pending_agent_change(user) -> Approval | None:
    return Approval.objects.filter(
        kind=KIND.code, subject_type="accounts.user", subject_id=str(user.pk), status__in=OPEN
    ).first()


def agent_change_prepare(*, user, values: dict) -> Approval:
    """Record the change for staff confirmation and tell the old mobile and e-mail now."""
    if pending_agent_change(user) is not None:
        raise CsdpError("已有一项待本公司确认的经办人信息变更，请等待确认结果。", code="issuers.agent_change_pending")
    shown = {LABELS[f]: values[f] for f in (*USER_FIELDS, *PROFILE_FIELDS) if f in LABELS}
    if "手机号码" in shown:
        shown["手机号码"] = mask_mobile(shown["手机号码"])
    approval = approval_prepare(
        kind=KIND.code,
        key=stamped_key("agent-change", user.pk),
        summary=f"{user.institution} 经办人 {user.get_username()} 在口令登录下申请变更经办人信息",
        payload={"_user_id": user.pk, "_values": values, **shown},
        by=user,
        subject=user,
    )
    text = (
        "【中国结算】您的经办人信息（手机号码、通讯地址等）有一项变更申请，须经本公司确认后生效。"
        "如非本人操作，请立即致电本公司。"
    )
    if user.mobile:
        notify_sms(mobile=user.mobile, purpose="agent_change_requested", user=user, text=text)
    if user.email:
        notify_email(
            to=user.email, subject="经办人信息变更申请待确认", body=text, purpose="agent_change_requested", user=user
        )
    return approval
