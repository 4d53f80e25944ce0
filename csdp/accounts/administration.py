"""Administration of institutions and users by the depository's administrators (and the first
administrator's bootstrap from the command line).

Granting a staff role — to a new staff user or to an existing one — is four-eyes (issue 20 item 2):
one administrator prepares it (``staff_role_grant_prepare``), a different administrator approves it in
/approvals/ and only then does the role take effect (``role_grant_apply``, run by csdp.approvals inside
the approving transaction). csdp.approvals sits above accounts: the prepare and the pending grants go
through csdp.accounts.four_eyes, and approvals registers the kind (csdp/approvals/platform_kinds.py). A new staff user is created disabled until its role is approved. Every other
change here is one audited service call.
"""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from csdp.accounts.four_eyes import four_eyes_prepare, four_eyes_waiting
from csdp.accounts.models import Institution, User
from csdp.accounts.passwords import temporary_password
from csdp.accounts.roles import InstitutionKind, StaffRole
from csdp.accounts.services import institution_create, user_create, user_password_temporary_set
from csdp.audit.services import audit_record
from csdp.lib.errors import CsdpError, Problem
from csdp.lib.ids import uscc_problem

ROLE_GRANT_KIND = "accounts.role_grant"


class AdminRefused(CsdpError):
    code = "accounts.refused"


def staff_role_from_text(text: str) -> str:
    """A staff role from its code (``admin``) or its Chinese label (``管理员``)."""
    for value, label in StaffRole.choices:
        if text in (value, label):
            return value
    raise AdminRefused(f"未知的岗位“{text}”；可选：{'、'.join(StaffRole.labels)}。", code="accounts.unknown_role")


def _password_checked(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise AdminRefused(
            "密码不符合要求。",
            code="accounts.weak_password",
            problems=[Problem(m, field="password") for m in error.messages],
        ) from None


def _institution_problems(*, kind: str, name: str, code: str, uscc: str, exclude_pk=None) -> list[Problem]:
    problems = []
    if kind not in InstitutionKind.values:
        problems.append(Problem("机构类型无效。", field="kind"))
    if not name.strip():
        problems.append(Problem("请填写机构全称。", field="name"))
    if uscc and (problem := uscc_problem(uscc)):
        problems.append(Problem(problem, field="uscc"))
    others = Institution.objects.exclude(pk=exclude_pk)
    if uscc and others.filter(uscc=uscc).exists():
        problems.append(Problem(f"统一社会信用代码 {uscc} 已被其他机构使用。", field="uscc"))
    if code and others.filter(kind=kind, code=code).exists():
        problems.append(Problem(f"机构代码 {code} 已被同类机构使用。", field="code"))
    return problems


def institution_add(*, kind: str, name: str, code: str = "", uscc: str = "", actor) -> Institution:
    """Create an institution of any kind, checked (USCC check digit, unique codes) before it is written."""
    uscc = uscc.strip().upper()
    problems = _institution_problems(kind=kind, name=name, code=code.strip(), uscc=uscc)
    if problems:
        raise AdminRefused("机构信息有误。", code="accounts.institution_invalid", problems=problems)

    return institution_create(kind=kind, name=name.strip(), code=code.strip(), uscc=uscc, actor=actor)


@transaction.atomic
def institution_update(
    *, institution: Institution, name: str, code: str, uscc: str, is_active: bool, actor
) -> Institution:
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    uscc = uscc.strip().upper()
    problems = _institution_problems(
        kind=institution.kind, name=name, code=code.strip(), uscc=uscc, exclude_pk=institution.pk
    )
    if problems:
        raise AdminRefused("机构信息有误。", code="accounts.institution_invalid", problems=problems)
    before = {
        "name": institution.name,
        "code": institution.code,
        "uscc": institution.uscc,
        "is_active": institution.is_active,
    }
    institution.name, institution.code, institution.uscc, institution.is_active = (
        name.strip(),
        code.strip(),
        uscc,
        is_active,
    )
    institution.save(update_fields=["name", "code", "uscc", "is_active"])
    audit_record(
        actor=actor,
        obj=institution,
        action="institution.update",
        data={
            "before": before,
            "after": {
                "name": institution.name,
                "code": institution.code,
                "uscc": institution.uscc,
                "is_active": is_active,
            },
        },
    )
    return institution


def _user_problems(*, username: str, email: str, mobile: str) -> list[Problem]:
    problems = []
    if not username or len(username) > 150 or not all(c.isalnum() or c in "@.+-_" for c in username):
        problems.append(Problem("用户名只能包含字母、数字和 @ . + - _。", field="username"))
    elif User.objects.filter(username=username).exists():
        problems.append(Problem(f"用户名 {username} 已存在。", field="username"))
    if mobile and not (mobile.isdigit() and len(mobile) == 11 and mobile.startswith("1")):
        problems.append(Problem("手机号码应为 11 位数字。", field="mobile"))
    if email and "@" not in email:
        problems.append(Problem("电子邮箱格式不正确。", field="email"))
    return problems


def member_user_add(
    *, username: str, institution: Institution, display_name: str = "", mobile: str = "", email: str = "", actor
) -> tuple[User, str]:
    """A member institution's user; its role follows from the institution's kind, so nothing to grant.
    Returns the user and a temporary password, shown once to the administrator."""
    problems = _user_problems(username=username, email=email, mobile=mobile)
    if problems:
        raise AdminRefused("用户信息有误。", code="accounts.user_invalid", problems=problems)

    password = temporary_password()
    user = user_create(
        username=username,
        password=password,
        password_temporary=True,
        institution=institution,
        display_name=display_name,
        mobile=mobile,
        email=email,
        actor=actor,
    )
    return user, password


def staff_user_add(
    *, username: str, staff_role: str, display_name: str = "", mobile: str = "", email: str = "", actor
) -> tuple[User, str, object]:
    """A staff user, created disabled; the role grant goes to four-eyes and enables the user when a
    second administrator approves it. Returns the user, its temporary password and the approval."""
    problems = _user_problems(username=username, email=email, mobile=mobile)
    if problems:
        raise AdminRefused("用户信息有误。", code="accounts.user_invalid", problems=problems)

    password = temporary_password()
    with transaction.atomic():
        user = user_create(
            username=username,
            password=password,
            password_temporary=True,
            staff_role=staff_role,
            display_name=display_name,
            mobile=mobile,
            email=email,
            actor=actor,
        )
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        approval = staff_role_grant_prepare(user=user, staff_role=staff_role, actor=actor, new_user=True)
    return user, password, approval


def staff_role_grant_prepare(*, user: User, staff_role: str, actor, new_user: bool = False):
    """经办 a staff role grant or change; a different administrator approves it (csdp.approvals)."""
    if user.institution_id is not None:
        raise AdminRefused("机构用户的角色由其机构类型决定，不能授予内部岗位。", code="accounts.member_no_staff_role")
    if staff_role not in StaffRole.values:
        raise AdminRefused("岗位无效。", code="accounts.unknown_role")
    if not new_user and user.staff_role == staff_role:
        raise AdminRefused("该用户已是此岗位。", code="accounts.role_unchanged")
    label = StaffRole(staff_role).label
    before = StaffRole(user.staff_role).label if user.staff_role else "无"
    return four_eyes_prepare(
        kind=ROLE_GRANT_KIND,
        # One open grant per user and target role; a second click returns the same approval.
        key=f"role-grant:{user.pk}:{staff_role}:{user.staff_role}:{int(new_user)}:{user.is_active}",
        summary=f"{'新建内部用户' if new_user else '变更岗位'} {user.username}：{before} → {label}",
        payload={"user_id": user.pk, "staff_role": staff_role, "from_role": user.staff_role, "new_user": new_user},
        by=actor,
        subject=user,
    )


def role_grant_apply(approval) -> dict:
    """Apply an approved grant: the role the payload names (a stale one — the user's role changed since —
    is refused), and a new user is enabled."""
    payload = approval.payload
    user = User.objects.select_for_update().filter(pk=payload["user_id"]).first()
    if user is None:
        raise AdminRefused("该用户已不存在。", code="accounts.user_missing")
    if user.staff_role != payload["from_role"] and not payload.get("new_user"):
        raise AdminRefused("该用户的岗位在经办后已变更，请重新经办。", code="accounts.role_stale")
    user.staff_role = payload["staff_role"]
    fields = ["staff_role"]
    if payload.get("new_user"):
        user.is_active = True
        fields.append("is_active")
    user.save(update_fields=fields)
    audit_record(
        actor=approval.approved_by,
        obj=user,
        action="user.role_grant",
        from_state=payload["from_role"],
        to_state=payload["staff_role"],
        data={"approval": approval.pk, "prepared_by": approval.prepared_by_id},
    )
    return {"user": user.username, "staff_role": user.staff_role}


def _refuse_self(user: User, actor, what: str) -> None:
    if actor is not None and getattr(actor, "pk", None) == user.pk:
        raise AdminRefused(f"不能{what}自己的账户。", code="accounts.self")


@transaction.atomic
def user_active_set(*, user: User, active: bool, actor, reason: str = "") -> User:
    """停用 / 启用. A disabled user cannot log in and its API tokens stop working (role_of is None)."""
    _refuse_self(user, actor, "停用" if not active else "启用")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active == active:
        return user
    if active and user.staff_role and _role_grant_pending(user):
        raise AdminRefused("该用户的岗位授予尚待复核，复核通过后自动启用。", code="accounts.grant_pending")
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        obj=user,
        action="user.enable" if active else "user.disable",
        from_state="disabled" if active else "active",
        to_state="active" if active else "disabled",
        reason=reason,
    )
    return user


def role_grants_pending(user: User):
    return four_eyes_waiting(kind=ROLE_GRANT_KIND, subject=user)


def _role_grant_pending(user: User) -> bool:
    return role_grants_pending(user).exists()


@transaction.atomic
def user_unlock(*, user: User, actor) -> User:
    """解锁: clears a password lockout before it runs out."""
    user = User.objects.select_for_update().get(pk=user.pk)
    was_locked = bool(user.locked_until and user.locked_until > timezone.now())
    user.locked_until, user.failed_logins = None, 0
    user.save(update_fields=["locked_until", "failed_logins"])
    audit_record(
        actor=actor, obj=user, action="user.unlock", from_state="locked" if was_locked else "active", to_state="active"
    )
    return user


@transaction.atomic
def user_password_reset(*, user: User, actor) -> str:
    """重置密码: a temporary password, shown once to the administrator; the user's sessions end and the
    next login must replace it."""
    _refuse_self(user, actor, "重置")
    return user_password_temporary_set(user=user, actor=actor, reason="管理员重置密码")


@transaction.atomic
def admin_bootstrap(
    *, username: str, staff_role: str, password: str | None, display_name: str = "", email: str = ""
) -> tuple[User, str]:
    """`csdp admin create`: a staff user with its role at once, for the machine's operator (who has
    the database anyway). This is how the first administrator exists; later grants are four-eyes.
    A password the operator typed is theirs; a generated one is temporary and must be changed."""
    if User.objects.filter(username=username).exists():
        raise AdminRefused(f"用户名 {username} 已存在。", code="accounts.user_exists")
    generated = not password
    password = password or temporary_password()
    _password_checked(password, User(username=username, display_name=display_name, email=email))
    user = user_create(
        username=username,
        password=password,
        password_temporary=generated,
        staff_role=staff_role,
        display_name=display_name,
        email=email,
        actor=None,
    )
    audit_record(
        actor=None, obj=user, action="user.bootstrap", to_state=staff_role, reason="csdp admin create（命令行）"
    )
    return user, password
