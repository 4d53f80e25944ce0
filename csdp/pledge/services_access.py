"""Getting access to the board (004 §五–§七): investors with an account here register themselves;
lenders without an account apply with materials and are reviewed by staff."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from csdp.accounts.models import User
from csdp.accounts.passwords import temporary_password
from csdp.accounts.roles import InstitutionKind
from csdp.accounts.services import institution_create, user_create
from csdp.audit.services import audit_record
from csdp.clock.services import clock_now
from csdp.notify.services import notify_sms
from csdp.pledge.models import APPLICATION_TRANSITIONS, ApplicationStatus, LenderApplication, PledgeProfile, ProfileKind
from csdp.pledge.services import PledgeError
from csdp.uploads.errors import UploadRejected
from csdp.uploads.services import upload_store


def _new_user(
    *,
    username: str,
    password: str | None,
    name: str,
    code: str,
    mobile: str,
    email: str,
    actor,
    password_temporary: bool = False,
):
    if User.objects.filter(username=username).exists():
        raise PledgeError("该用户名已被使用，请换一个。")
    institution = institution_create(kind=InstitutionKind.PLEDGE_USER, name=name, code=code, actor=actor)
    return user_create(
        username=username,
        password=password,
        password_temporary=password_temporary,
        institution=institution,
        display_name=name,
        mobile=mobile,
        email=email,
        actor=actor,
    )


def investor_register(
    *, id_number: str, account_number: str, username: str, password: str, sms_code: str, email: str = ""
) -> PledgeProfile:
    """004 §六(一): identified by ID number AND a securities account of that investor registered here,
    and proving control of the account with the SMS code sent to the mobile its custody participant
    keeps on file (``services_holder.holder_code_send``); the user's mobile is that one. An account
    without a mobile on file registers through its participant (``holder_confirmation_request``)."""
    from csdp.pledge.services_holder import holder_account, holder_code_check  # services_holder imports us

    account = holder_account(id_number=id_number, account_number=account_number)
    if User.objects.filter(username=username).exists():
        raise PledgeError("该用户名已被使用，请换一个。")
    holder_code_check(account=account, sms_code=sms_code)  # outside the write: a wrong try is counted
    with transaction.atomic():
        return investor_profile_create(
            account=account, username=username, password=password, mobile=account.mobile, email=email, actor=None
        )


def investor_profile_create(
    *, account, username: str, password: str | None, mobile: str, email: str, actor, password_temporary: bool = False
):
    """The board user and profile of an account holder whose control of the account was proven; a
    password chosen for the holder (``password_temporary``) must be changed at the first login."""
    investor = account.investor
    if PledgeProfile.objects.filter(investor=investor).exists():
        raise PledgeError("该投资者已注册信息平台用户，请直接登录。")
    user = _new_user(
        username=username,
        password=password,
        name=investor.name,
        code=f"PLI{investor.ymt_number}",
        mobile=mobile,
        email=email,
        actor=actor,
        password_temporary=password_temporary,
    )
    try:
        with transaction.atomic():
            profile = PledgeProfile.objects.create(
                user=user,
                kind=ProfileKind.INVESTOR,
                investor=investor,
                name=investor.name,
                id_type=investor.id_type,
                id_number=investor.id_number,
            )
    except IntegrityError:
        raise PledgeError("该投资者已注册信息平台用户，请直接登录。") from None
    audit_record(
        actor=actor or user,
        obj=profile,
        action="pledge.profile.register",
        to_state="active",
        data={"account": account.number},
    )
    return profile


@transaction.atomic
def lender_apply(
    *, name: str, id_type: str, id_number: str, username: str, mobile: str, email: str, files
) -> LenderApplication:
    """004 §六(二): an application with materials (uploads kind "scan"), reviewed by staff."""
    if not files:
        raise PledgeError("请上传申请材料（PDF、PNG 或 JPEG 扫描件）。")
    if User.objects.filter(username=username).exists():
        raise PledgeError("该用户名已被使用，请换一个。")
    application = LenderApplication.objects.create(
        name=name,
        id_type=id_type,
        id_number=id_number,
        username=username,
        mobile=mobile,
        email=email,
        created_at=clock_now(),
    )
    try:
        stored = [upload_store(file=f, kind="scan", owner=None, actor=None) for f in files]
    except UploadRejected as rejected:
        raise PledgeError(rejected.message) from None
    application.materials.set(stored)
    audit_record(actor=None, obj=application, action="pledge.lender.apply", to_state=ApplicationStatus.PENDING)
    return application


def _decide(application: LenderApplication, *, actor, to_state: str, reason: str) -> LenderApplication:
    application = LenderApplication.objects.select_for_update().get(pk=application.pk)
    if to_state not in APPLICATION_TRANSITIONS[application.status]:
        raise PledgeError("该申请已处理。")
    from_state = application.status
    application.status, application.decided_by, application.decided_at = to_state, actor, clock_now()
    application.reason = reason
    application.save()
    audit_record(
        actor=actor,
        obj=application,
        action=f"pledge.lender.{to_state}",
        from_state=from_state,
        to_state=to_state,
        reason=reason,
    )
    return application


@transaction.atomic
def lender_approve(*, application: LenderApplication, actor) -> PledgeProfile:
    """Creates the site user and its profile; the temporary password goes by SMS only (sensitive:
    erased from the outbox once delivered)."""
    application = _decide(application, actor=actor, to_state=ApplicationStatus.APPROVED, reason="审核通过")
    password = temporary_password()
    user = _new_user(
        username=application.username,
        password=password,
        password_temporary=True,
        name=application.name,
        code=f"PLL{application.pk:06d}",
        mobile=application.mobile,
        email=application.email,
        actor=actor,
    )
    profile = PledgeProfile.objects.create(
        user=user,
        kind=ProfileKind.LENDER,
        name=application.name,
        id_type=application.id_type,
        id_number=application.id_number,
    )
    application.profile = profile
    application.save(update_fields=["profile"])
    notify_sms(
        mobile=application.mobile,
        purpose="pledge.lender",
        user=user,
        sensitive=True,
        text=f"【中国结算】证券质押信息平台用户 {user.username} 已开通，临时密码 {password}，请登录后尽快修改。",
    )
    return profile


@transaction.atomic
def lender_reject(*, application: LenderApplication, actor, reason: str) -> LenderApplication:
    if not reason.strip():
        raise PledgeError("请填写不通过的原因。")
    application = _decide(application, actor=actor, to_state=ApplicationStatus.REJECTED, reason=reason.strip())
    notify_sms(
        mobile=application.mobile, purpose="pledge.lender", text=f"您的证券质押信息平台使用申请未通过：{reason.strip()}"
    )
    return application


PLATFORM_FIELDS = ("contact_name", "contact_phone", "contact_email", "region", "business_intro")


@transaction.atomic
def platform_info_update(*, profile: PledgeProfile, actor, **values) -> PledgeProfile:
    """004 §七 业务平台信息: the only part of the profile the user edits; 基本信息 stays read-only."""
    unknown = set(values) - set(PLATFORM_FIELDS)
    if unknown:
        raise PledgeError("基本信息不可修改。")
    profile = PledgeProfile.objects.select_for_update().get(pk=profile.pk)
    for name, value in values.items():
        setattr(profile, name, value)
    profile.platform_info_at = clock_now()
    profile.save()
    audit_record(actor=actor, obj=profile, action="pledge.profile.platform_info", data=values)
    return profile
