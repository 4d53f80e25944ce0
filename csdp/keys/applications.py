"""Key applications (000 §二(四)(六)(七)): filing with materials, staff review, and what approval does.

Approval carries the application out in the same transaction: renewal and reissue issue a new key
(reissue revokes the lost key's certificate at once; a renewal's old certificate is revoked when
the new key is enrolled), a username lookup sends the username to the agent's mobile, a password
reset sends a temporary password, a PIN reset restores the initial PIN and unlocks the key.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from csdp.accounts.models import Institution, User
from csdp.accounts.services import user_password_temporary_set
from csdp.audit.services import audit_record
from csdp.clock.services import clock_now
from csdp.keys.errors import ApplicationRefused
from csdp.keys.models import (
    MACHINE,
    KeyApplication,
    KeyApplicationKind as Kind,
    KeyApplicationMaterial,
    KeyApplicationState as State,
    KeyApplicationTransition,
)
from csdp.keys.pins import device_pin_reset
from csdp.keys.selectors import active_key_of, certificate_days_left
from csdp.keys.signing import submission_signed
from csdp.lib.statemachine import USER, actor_kind, transition_record
from csdp.notify.services import notify_sms
from csdp.uploads.models import StoredFile
from csdp.uploads.services import UploadRejected, upload_store

# Where a new key is mailed: the 经办人's postal address, kept by csdp.issuers, which sits above keys
# (docs/architecture.md "Layers") and registers its reader here at start-up. Nothing registered: no
# address on file.
_POSTAL_ADDRESS: list[Callable[[User], str]] = []


def postal_address_source_register(source: Callable[[User], str]) -> None:
    if source not in _POSTAL_ADDRESS:
        _POSTAL_ADDRESS.append(source)


def _postal_address_of(user: User) -> str:
    return next((address for source in _POSTAL_ADDRESS if (address := source(user))), "")


_BASE = [("licence", "营业执照"), ("legal_rep_id", "法定代表人身份证明文件"), ("agent_id", "经办人身份证明文件")]
_ANNEX_1_2 = [("annex1", "《法定代表人证明书》（附件1）"), ("annex2", "《法定代表人授权委托书》（附件2）")]
MATERIALS: dict[str, list[tuple[str, str]]] = {
    Kind.RENEWAL: _BASE + [("annex7", "《U-KEY更换授权委托书》（附件7）")],  # 000 §二(四)3
    Kind.REISSUE: _BASE + _ANNEX_1_2,  # 000 §二(六)3: 按系统提示提交相关资料
    Kind.USERNAME_LOOKUP: _BASE + _ANNEX_1_2 + [("annex5", "《网上业务平台用户名查询申请》（附件5）")],  # 000 §二(七)
    Kind.PASSWORD_RESET: _BASE + _ANNEX_1_2 + [("annex6", "《网上业务平台重置登录密码/PIN码申请》（附件6）")],
    Kind.PIN_RESET: _BASE + _ANNEX_1_2 + [("annex6", "《网上业务平台重置登录密码/PIN码申请》（附件6）")],
}
RECOVERY_KINDS = (Kind.USERNAME_LOOKUP, Kind.PASSWORD_RESET, Kind.PIN_RESET)
TEXT_FIELDS = ("applicant_name", "applicant_mobile", "claimed_uscc", "securities_code", "postal_address", "note")


def _same_address(a: str, b: str) -> bool:
    return "".join(a.split()) == "".join(b.split())


def application_check(*, kind: str, user, data: dict) -> None:
    """May this member file this application now? Raises ApplicationRefused."""
    open_ = KeyApplication.objects.filter(user=user, kind__in=[Kind.RENEWAL, Kind.REISSUE], state=State.SUBMITTED)
    if open_.exists():
        raise ApplicationRefused("已有待审核的 USB-KEY 更换或补办申请，请等待审核结果。")
    if kind == Kind.RENEWAL and active_key_of(user) is None:
        raise ApplicationRefused("您没有可更换的 USB-KEY，如 USB-KEY 遗失请办理补办证书。")
    if kind == Kind.REISSUE:
        agent_address = _postal_address_of(user)
        if not agent_address:
            raise ApplicationRefused("未找到经办人通讯地址，请先在经办人信息维护中填写。", "postal_address")
        if not _same_address(data.get("postal_address", ""), agent_address):
            # 000 §二(六)3: 补办证书时填写的联系地址需与经办人信息中的通讯地址一致
            raise ApplicationRefused(
                "联系地址须与经办人信息中的通讯地址一致；如地址有变动，请先在经办人信息维护中更新。", "postal_address"
            )


def _recovery_target(data: dict) -> tuple[Institution | None, User | None]:
    institution = Institution.objects.filter(uscc=data.get("claimed_uscc", "").strip().upper()).first()
    if institution is None:
        return None, None
    user = (
        institution.users.filter(mobile=data.get("applicant_mobile", "").strip(), is_active=True).order_by("pk").first()
    )
    return institution, user


def materials_store(*, kind: str, data: dict, owner, actor) -> dict:
    """Store each material through the upload service; returns slot → StoredFile (already stored kept)."""
    stored = {}
    for slot, _ in MATERIALS[kind]:
        if isinstance(data.get(slot), StoredFile):
            stored[slot] = data[slot]
            continue
        try:
            stored[slot] = upload_store(file=data[slot], kind="scan", owner=owner, actor=actor)
        except UploadRejected as rejected:
            raise ApplicationRefused(rejected.message, slot) from None
    return stored


def application_content(kind: str, data: dict) -> dict:
    """What a signature over an application covers, besides the materials' hashes."""
    return {"kind": kind, **{field: str(data.get(field, "")) for field in TEXT_FIELDS}}


def renewal_needs_signature(user) -> bool:
    """A renewal is signed with the key it renews (000 §二(四)3, seed 000 §二: every submission is signed),
    unless that key's certificate has expired: an expired certificate cannot sign, so its holder files
    from the 口令登录 session, whose password and SMS code stand in for the key (000 §二(六))."""
    key = active_key_of(user)
    return key is None or certificate_days_left(key.certificate) > 0


def _signature(*, kind: str, user, data: dict, stored: dict, payload: str | None):
    """The signature a submission of this kind needs, verified here whatever called the service."""
    if kind != Kind.RENEWAL or not renewal_needs_signature(user):
        return None
    return submission_signed(
        user=user,
        content=application_content(kind, data),
        files=[stored[slot] for slot, _ in MATERIALS[kind]],
        payload=payload or "",
    )


def key_application_submit(
    *, kind: str, user, data: dict, actor, signature_payload: str | None = None
) -> KeyApplication:
    """File an application with its materials (uploads or StoredFiles). ``user`` is None for the
    public recovery requests. A renewal carries the key's signature over its content and materials
    (``signature_payload``), checked here under the filer's lock: SignatureRefused when it is
    missing or does not match."""
    if kind in RECOVERY_KINDS:
        institution, target = _recovery_target(data)
    now = clock_now()
    with transaction.atomic():
        if kind not in RECOVERY_KINDS:
            # One open application per filer: the filer's row is the lock the check and the write share.
            User.objects.select_for_update().filter(pk=user.pk).first()
            application_check(kind=kind, user=user, data=data)
            institution, target = user.institution, user
        stored = materials_store(
            kind=kind, data=data, owner=institution if user else None, actor=actor if user else None
        )
        signature = _signature(kind=kind, user=user, data=data, stored=stored, payload=signature_payload)
        application = KeyApplication.objects.create(
            kind=kind,
            user=target,
            institution=institution,
            submitted_at=now,
            signature=signature,
            **{field: data.get(field, "") for field in TEXT_FIELDS},
        )
        for slot, label in MATERIALS[kind]:
            KeyApplicationMaterial.objects.create(application=application, slot=slot, label=label, file=stored[slot])
        KeyApplicationTransition.objects.create(
            application=application, at=now, actor=user, to_state=State.SUBMITTED, actor_kind=USER
        )
        audit_record(
            actor=actor,
            obj=application,
            action="key_application.submit",
            to_state=State.SUBMITTED,
            data={
                "kind": kind,
                "matched_user": target.pk if target else None,
                "signature": signature.pk if signature else None,
            },
        )
    return application


def _move(application: KeyApplication, to: str, *, actor, reason: str) -> None:
    now = clock_now()
    from_state = application.state
    application.decided_at, application.decided_by, application.decision_reason = now, actor, reason
    transition_record(
        machine=MACHINE,
        subject=application,
        to_state=to,
        history=KeyApplicationTransition,
        actor=actor,
        by=actor_kind(actor),
        reason=reason,
        at=now,
        field="state",
        update_fields=["decided_at", "decided_by", "decision_reason"],
    )
    audit_record(
        actor=actor, obj=application, action=f"key_application.{to}", from_state=from_state, to_state=to, reason=reason
    )


def key_application_decide(*, application: KeyApplication, approve: bool, reason: str, actor) -> KeyApplication:
    with transaction.atomic():
        application = KeyApplication.objects.select_for_update().get(pk=application.pk)
        if approve:
            if application.user is None:
                raise ApplicationRefused("申请信息与登记的机构、经办人手机号码不符，无法办理，请驳回。")
            _move(application, State.APPROVED, actor=actor, reason=reason)
            _carry_out(application, actor=actor)
        else:
            _move(application, State.REJECTED, actor=actor, reason=reason)
            if application.applicant_mobile:
                notify_sms(
                    mobile=application.applicant_mobile,
                    purpose="key_application",
                    user=application.user,
                    text=f"【中国结算】您的{application.get_kind_display()}申请已被驳回：{reason}",
                )
    return application


def _carry_out(application: KeyApplication, *, actor) -> None:
    from csdp.keys.services import certificate_revoke, key_issue  # read at call time: tests replace it at its source

    user, kind = application.user, application.kind
    key = active_key_of(user)
    if kind == Kind.RENEWAL:
        key_issue(user=user, model=key.device.model if key else "grey", actor=actor)
    elif kind == Kind.REISSUE:
        if key is not None:
            certificate_revoke(certificate=key.certificate, reason="USB-KEY 遗失，已补办", actor=actor)  # 000 §二(六)
        key_issue(user=user, model=key.device.model if key else "grey", actor=actor)
    elif kind == Kind.USERNAME_LOOKUP:
        notify_sms(
            mobile=user.mobile,
            purpose="username_lookup",
            user=user,
            sensitive=True,
            text=f"【中国结算】您在网上业务平台的用户名为 {user.get_username()}。",
        )
    elif kind == Kind.PASSWORD_RESET:
        password = user_password_temporary_set(user=user, actor=actor, reason=f"密码重置申请 #{application.pk}")
        notify_sms(
            mobile=user.mobile,
            purpose="password_reset",
            user=user,
            sensitive=True,
            text=f"【中国结算】您的登录密码已重置，临时密码为 {password}，请登录后尽快修改。",
        )
    elif kind == Kind.PIN_RESET:
        if key is None:
            raise ApplicationRefused("该用户没有可重置 PIN 码的 USB-KEY。")
        device_pin_reset(device=key.device, actor=actor, reason=f"PIN 码重置申请 #{application.pk}")
        notify_sms(
            mobile=user.mobile,
            purpose="pin_reset",
            user=user,
            text="【中国结算】您的 USB-KEY PIN 码已重置为初始 PIN 码并解除锁死，请登录后立即修改 PIN 码。",
        )
