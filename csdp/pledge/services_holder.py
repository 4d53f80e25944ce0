"""Self-registration proves control of the account (004 §六(一)): ID number and account number are
not enough — anyone may know both. Two ways, as at a real depository's online service:

* an SMS code sent to the mobile the account's custody participant keeps on file
  (``SecuritiesAccount.mobile``, loaded by the master-data import), through csdp.notify's one
  verification-code mechanism (``code_issue`` / ``code_check``: hashed, single use, rate limited);
* for an account without a mobile on file, a request the custody participant confirms under its own
  login (``HolderConfirmation``); the temporary password then goes by SMS to the mobile given.

Every refusal for an unknown pair says the same thing, so the page does not tell which half was wrong.
"""

from __future__ import annotations

from django.db import transaction

from csdp.accounts.models import User
from csdp.accounts.passwords import temporary_password
from csdp.audit.services import audit_record
from csdp.clock.services import clock_now
from csdp.notify.codes import CodeRefused, code_issue, code_check
from csdp.notify.services import notify_user, notify_sms
from csdp.pledge.models import APPLICATION_TRANSITIONS, ApplicationStatus, HolderConfirmation, PledgeProfile
from csdp.pledge.services import PledgeError
from csdp.pledge.services_access import investor_profile_create
from csdp.securities.models import AccountStatus, SecuritiesAccount

REGISTER_PURPOSE = "pledge.holder_register"
MISMATCH = "证件号码与证券账户不匹配，或该账户不在本公司登记。"


def holder_account(*, id_number: str, account_number: str):
    """The open account of that number whose investor has that ID number, not yet on the board."""
    account = (
        SecuritiesAccount.objects.select_related("investor", "custody_unit__participant")
        .filter(number=account_number.strip().upper(), investor__id_number=id_number.strip().upper())
        .exclude(status=AccountStatus.CLOSED)
        .first()
    )
    if account is None:
        raise PledgeError(MISMATCH, code="pledge.holder_mismatch")
    if PledgeProfile.objects.filter(investor=account.investor).exists():
        raise PledgeError("该投资者已注册信息平台用户，请直接登录。", code="pledge.holder_registered")
    return account


def masked(mobile: str) -> str:
    return f"{mobile[:3]}****{mobile[-4:]}"


def holder_code_send(*, id_number: str, account_number: str) -> str:
    """Send the code to the mobile on file; returns it masked for the page (138****0000)."""
    account = holder_account(id_number=id_number, account_number=account_number)
    if not account.mobile:
        raise PledgeError(
            "该证券账户未在托管参与人处预留手机号码，无法短信验证。请选择“由托管参与人确认”方式注册，"
            "或先到托管参与人处预留手机号码。",
            code="pledge.holder_no_mobile",
        )
    try:
        code_issue(purpose=REGISTER_PURPOSE, mobile=account.mobile)
    except CodeRefused as refused:
        raise PledgeError(refused.message, code=refused.code) from None
    return masked(account.mobile)


def holder_code_check(*, account, sms_code: str) -> None:
    """Accept the code once (call outside a transaction: a wrong try must be counted)."""
    if not account.mobile:
        raise PledgeError(
            "该证券账户未预留手机号码，请选择“由托管参与人确认”方式注册。", code="pledge.holder_no_mobile"
        )
    try:
        code_check(purpose=REGISTER_PURPOSE, mobile=account.mobile, code=sms_code)
    except CodeRefused as refused:
        raise PledgeError(refused.message, code=refused.code) from None


def holder_confirmation_request(
    *, id_number: str, account_number: str, username: str, mobile: str, email: str = ""
) -> HolderConfirmation:
    """Ask the account's custody participant to confirm the account is the applicant's."""
    account = holder_account(id_number=id_number, account_number=account_number)
    if account.custody_unit is None:
        raise PledgeError(
            "该证券账户未指定托管单元，无法由托管参与人确认，请联系本公司。", code="pledge.holder_no_unit"
        )
    if User.objects.filter(username=username).exists():
        raise PledgeError("该用户名已被使用，请换一个。")
    participant = account.custody_unit.participant
    with transaction.atomic():
        if HolderConfirmation.objects.select_for_update().filter(account=account, status="pending").exists():
            raise PledgeError("该账户已有待托管参与人确认的注册申请，请等待确认结果。", code="pledge.holder_pending")
        row = HolderConfirmation.objects.create(
            account=account,
            participant=participant,
            username=username,
            mobile=mobile,
            email=email,
            created_at=clock_now(),
        )
        audit_record(actor=None, obj=row, action="pledge.holder.request", to_state=ApplicationStatus.PENDING)
        for user in User.objects.filter(institution_id=participant.institution_id, is_active=True).order_by("pk"):
            notify_user(
                user=user,
                subject="投资者注册信息平台待确认",
                body=f"证券账户 {account.number} 的持有人申请注册证券质押信息平台，请核实后确认。",
                purpose="pledge.holder",
            )
    return row


def _decide(row: HolderConfirmation, *, by, to_state: str, reason: str) -> HolderConfirmation:
    row = HolderConfirmation.objects.select_for_update().select_related("participant").get(pk=row.pk)
    if getattr(by, "institution_id", None) != row.participant.institution_id:
        raise PledgeError("只有该账户的托管参与人可以确认或拒绝。", code="pledge.not_custodian")
    if to_state not in APPLICATION_TRANSITIONS[row.status]:
        raise PledgeError("该申请已处理。", code="pledge.holder_decided")
    from_state = row.status
    row.status, row.decided_by, row.decided_at, row.reason = to_state, by, clock_now(), reason
    row.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    audit_record(
        actor=by, obj=row, action=f"pledge.holder.{to_state}", from_state=from_state, to_state=to_state, reason=reason
    )
    return row


@transaction.atomic
def holder_confirm(*, confirmation: HolderConfirmation, by) -> PledgeProfile:
    """The custodian confirms: the user and profile are created; the temporary password goes by SMS
    only (sensitive: erased from the outbox once delivered)."""
    row = _decide(confirmation, by=by, to_state=ApplicationStatus.APPROVED, reason="托管参与人确认")
    password = temporary_password()
    profile = investor_profile_create(
        account=row.account,
        username=row.username,
        password=password,
        password_temporary=True,
        mobile=row.mobile,
        email=row.email,
        actor=by,
    )
    row.profile = profile
    row.save(update_fields=["profile"])
    notify_sms(
        mobile=row.mobile,
        purpose="pledge.holder",
        user=profile.user,
        sensitive=True,
        text=f"【中国结算】证券质押信息平台用户 {row.username} 已开通，临时密码 {password}，请登录后尽快修改。",
    )
    return profile


@transaction.atomic
def holder_refuse(*, confirmation: HolderConfirmation, by, reason: str) -> HolderConfirmation:
    if not reason.strip():
        raise PledgeError("请填写拒绝的原因。")
    row = _decide(confirmation, by=by, to_state=ApplicationStatus.REJECTED, reason=reason.strip())
    notify_sms(
        mobile=row.mobile, purpose="pledge.holder", text=f"您的证券质押信息平台注册申请未获托管参与人确认：{row.reason}"
    )
    return row
