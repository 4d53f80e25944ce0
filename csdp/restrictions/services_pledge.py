"""证券质押登记 (seed 004 §十七; rules.md §9; the public 《证券质押登记业务实施细则》).

A joint application: either party files it (signed with its key where it has one), the other party
confirms it under its own login (signed likewise), an operator reviews it against the register and
prepares the registration, a different reviewer approves it (csdp.approvals), and the approval's
``apply`` checks the register again under its row locks and writes the Pledge record and the
register's pledged quantity in one transaction. Releases: ``services_release``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import asdict, dataclass

from django.db import transaction

from csdp.accounts.models import User
from csdp.approvals.models import Approval
from csdp.approvals.services import approval_prepare
from csdp.audit.services import audit_record
from csdp.clock.services import business_today, clock_now
from csdp.keys.signing import submission_digest
from csdp.lib.statemachine import STAFF, USER
from csdp.pledge.handoff import HANDOFF_STATES, is_party
from csdp.pledge.models import AccessState, Posting
from csdp.pledge.services import posting_pledged_by_pledge
from csdp.register.models import RESTRICTED, EventType, ShareNature
from csdp.restrictions import holdings
from csdp.restrictions.common import locked, move, new_number, open_approval, sign
from csdp.restrictions.common import notify as _notify
from csdp.restrictions.errors import RestrictionError
from csdp.restrictions.models import PLEDGE_MACHINE, Pledge, PledgeStatus, PledgeTransition
from csdp.restrictions.services_freeze import queue_fill
from csdp.securities.models import Security

KIND_PLEDGE = "restrictions.pledge"
PLEDGOR, PLEDGEE = "pledgor", "pledgee"
VERIFY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper


@dataclass(frozen=True)
class PledgeData:
    """The elements a party files (rules.md §9). Money in fen."""

    role: str  # the filer's side: pledgor or pledgee
    counterparty: str  # the other party's username on the board
    pledgor_account: str
    security_code: str
    share_nature: str
    lockup_end: dt.date | None
    quantity_shares: int
    debt_amount_fen: int
    debt_start: dt.date
    debt_end: dt.date
    contract_number: str
    pledgee_account: str = ""
    posting_id: int | None = None


def _profile(user):
    profile = getattr(user, "pledge_profile", None)
    if profile is None or profile.access_state != AccessState.ACTIVE:
        return None
    return profile


def pledge_digest(pledge: Pledge, files=None) -> str:
    """What both parties sign: the elements and the materials, so neither can be changed after."""
    content = {
        "pledgor": pledge.pledgor_user.get_username(),
        "pledgee": pledge.pledgee_user.get_username(),
        "pledgor_account": pledge.pledgor_account.number,
        "pledgee_account": pledge.pledgee_account,
        "security": pledge.security.code,
        "share_nature": pledge.share_nature,
        "lockup_end": pledge.lockup_end.isoformat() if pledge.lockup_end else "",
        "quantity_shares": pledge.quantity_shares,
        "debt_amount_fen": pledge.debt_amount_fen,
        "debt_start": pledge.debt_start.isoformat(),
        "debt_end": pledge.debt_end.isoformat(),
        "contract_number": pledge.contract_number,
        "posting": pledge.posting_id or "",
    }
    files = sorted(files, key=lambda f: f.pk) if files is not None else list(pledge.materials.order_by("pk"))
    return submission_digest(content=content, files=files)


def _move(pledge: Pledge, *, to_state: str, actor, by: str, reason: str = "", update_fields=()) -> None:
    move(
        pledge,
        machine=PLEDGE_MACHINE,
        history=PledgeTransition,
        action="restrictions.pledge",
        to_state=to_state,
        actor=actor,
        by=by,
        reason=reason,
        update_fields=update_fields,
    )


def _locked(pledge: Pledge) -> Pledge:
    return locked(Pledge, pledge.pk, "pledgor_account", "security", "pledgor_user", "pledgee_user")


def shortage_message(*, lot, quantity: int, what: str = "质押") -> str | None:
    """Why the lot cannot take ``quantity`` more encumbered shares, or None when it can."""
    if lot is None or lot.quantity == 0:
        return "出质人账户未持有该证券（该股份性质）。"
    if lot.available >= quantity:
        return None
    parts = [f"持有 {lot.quantity:,} 股"]
    if lot.frozen:
        parts.append(f"其中冻结 {lot.frozen:,} 股")
    if lot.pledged:
        parts.append(f"已质押 {lot.pledged:,} 股")
    return f"可{what}数量不足：{'，'.join(parts)}，可用 {lot.available:,} 股，申请{what} {quantity:,} 股。"


def _lot_of(lots, share_nature: str, lockup_end):
    return next((p for p in lots if p.share_nature == share_nature and p.lockup_end == lockup_end), None)


def _check_elements(by, data: PledgeData):
    if _profile(by) is None:
        raise RestrictionError(
            "您当前没有证券质押信息平台的使用权限，不能申请质押登记。", code="restrictions.no_profile"
        )
    if data.role not in (PLEDGOR, PLEDGEE):
        raise RestrictionError("请选择您在本次质押中的身份（出质人或质权人）。")
    other = User.objects.filter(username=data.counterparty.strip(), is_active=True).first()
    if other is None or _profile(other) is None:
        raise RestrictionError("对方用户不存在或没有信息平台使用权限。", code="restrictions.counterparty")
    if other.pk == by.pk:
        raise RestrictionError("出质人与质权人不能为同一用户。", code="restrictions.same_party")
    pledgor, pledgee = (by, other) if data.role == PLEDGOR else (other, by)
    investor = _profile(pledgor).investor
    account = investor.accounts.filter(number=data.pledgor_account).first() if investor else None
    if account is None:  # one party can no longer file over another investor's account
        raise RestrictionError("出质人证券账户须为出质人本人名下的账户。", code="restrictions.not_own_account")
    security = Security.objects.filter(code=data.security_code).first()
    if security is None:
        raise RestrictionError(f"证券代码 {data.security_code} 不存在。")
    if data.share_nature not in ShareNature.values:
        raise RestrictionError("股份性质不正确。")
    if (data.share_nature in RESTRICTED) != (data.lockup_end is not None):
        raise RestrictionError("限售股份须填写限售截止日，无限售流通股不得填写。")
    if data.quantity_shares <= 0 or data.debt_amount_fen <= 0:
        raise RestrictionError("质押数量与主债权金额须大于零。")
    if data.debt_end < data.debt_start:
        raise RestrictionError("债务履行期止日不得早于起日。")
    if not data.contract_number.strip():
        raise RestrictionError("请填写质押合同编号。")
    return pledgor, pledgee, account, security


def _posting_for(by, data: PledgeData, pledgor, pledgee):
    if data.posting_id is None:
        return None

    posting = Posting.objects.filter(pk=data.posting_id).first()
    if posting is None or not is_party(posting, by):
        raise RestrictionError(
            "只有该质押信息的发布人或与其洽谈的用户可以由此发起质押登记。", code="restrictions.not_party"
        )
    if posting.status not in HANDOFF_STATES:
        raise RestrictionError("只有“洽谈中”的质押信息可以发起质押登记申请。")
    if posting.owner_id not in (pledgor.pk, pledgee.pk):
        raise RestrictionError("质押信息的发布人须为本次质押的一方。")
    return posting


# --- the parties --------------------------------------------------------------------------------------


def pledge_preview(*, by, data: PledgeData, files) -> Pledge:
    """The application as it would be filed (unsaved): every check a filer can act on, and the
    object whose digest the filer signs (``pledge_digest(preview, files)``)."""
    pledgor, pledgee, account, security = _check_elements(by, data)
    holdings.open_required(security)
    if not list(files):
        raise RestrictionError("请上传质押合同等申请材料。", code="restrictions.materials_required")
    posting = _posting_for(by, data, pledgor, pledgee)
    lot = _lot_of(list(account.positions.filter(security=security)), data.share_nature, data.lockup_end)
    problem = shortage_message(lot=lot, quantity=data.quantity_shares)
    if problem:  # checked again under the locks at registration; told now so nobody files in vain
        raise RestrictionError(problem, code="restrictions.insufficient")
    return Pledge(
        status=PledgeStatus.APPLIED,
        posting=posting,
        pledgor_user=pledgor,
        pledgor_name=_profile(pledgor).name,
        pledgor_account=account,
        pledgee_user=pledgee,
        pledgee_name=_profile(pledgee).name,
        pledgee_account=data.pledgee_account.strip(),
        security=security,
        share_nature=data.share_nature,
        lockup_end=data.lockup_end,
        quantity_shares=data.quantity_shares,
        debt_amount_fen=data.debt_amount_fen,
        debt_start=data.debt_start,
        debt_end=data.debt_end,
        contract_number=data.contract_number.strip(),
        started_by=by,
    )


def pledge_apply(*, by, data: PledgeData, files, signature: str = "") -> Pledge:
    """A party files the joint application, signed over its elements and materials (verified here,
    whatever the caller); the other party is told to confirm it."""
    files = list(files)
    with transaction.atomic():
        pledge = pledge_preview(by=by, data=data, files=files)
        signed = sign(by, pledge_digest(pledge, files), signature)
        now = clock_now()
        pledge.number = new_number("restr.pledge", "ZY")
        pledge.created_at, pledge.started_signature = now, signed
        pledge.save()
        pledge.materials.set(files)
        PledgeTransition.objects.create(
            pledge=pledge,
            from_state="",
            to_state=PledgeStatus.APPLIED,
            actor=by,
            actor_kind=USER,
            at=now,
            reason="提交质押登记申请",
        )
        audit_record(
            actor=by,
            obj=pledge,
            action="restrictions.pledge.apply",
            to_state=PledgeStatus.APPLIED,
            data={k: str(v) for k, v in asdict(data).items()},
        )
        other = pledge.other_party(by)
        _notify(other, "质押登记申请待您确认", f"{_profile(by).name} 提交了质押登记申请 {pledge.number}，请登录确认。")
    return pledge


def pledge_confirm(*, pledge: Pledge, by, signature: str = "") -> Pledge:
    """The other party confirms the same elements under its own login (and key)."""
    with transaction.atomic():
        pledge = _locked(pledge)
        if by.pk not in (pledge.pledgor_user_id, pledge.pledgee_user_id) or by.pk == pledge.started_by_id:
            raise RestrictionError("只有申请的另一方可以确认该质押登记申请。", code="restrictions.not_counterparty")
        if pledge.status != PledgeStatus.APPLIED:
            raise RestrictionError("该申请当前不能确认。", code="restrictions.state")
        pledge.confirmed_signature = sign(by, pledge_digest(pledge), signature)
        pledge.confirmed_by, pledge.confirmed_at = by, clock_now()
        _move(
            pledge,
            to_state=PledgeStatus.CONFIRMED,
            actor=by,
            by=USER,
            reason="对方确认",
            update_fields=["confirmed_signature", "confirmed_by", "confirmed_at"],
        )
        _notify(pledge.started_by, "质押登记申请已确认", f"申请 {pledge.number} 已由对方确认，待本公司审核。")
    return pledge


def pledge_withdraw(*, pledge: Pledge, by, reason: str = "") -> Pledge:
    with transaction.atomic():
        pledge = _locked(pledge)
        if by.pk not in (pledge.pledgor_user_id, pledge.pledgee_user_id):
            raise RestrictionError("只有申请双方可以撤回。")
        if open_approval(pledge.approval):
            raise RestrictionError("本公司正在复核该申请，暂不能撤回。", code="restrictions.under_review")
        _move(pledge, to_state=PledgeStatus.WITHDRAWN, actor=by, by=USER, reason=reason or "申请人撤回")
        _notify(pledge.other_party(by), "质押登记申请已撤回", f"申请 {pledge.number} 已被撤回。")
    return pledge


# --- staff ---------------------------------------------------------------------------------------------


def pledge_review_prepare(*, pledge: Pledge, by) -> Approval:
    """经办: an operator checks the application against the register and prepares the registration;
    a different reviewer approves it at /approvals/ (the register is checked again then)."""
    with transaction.atomic():
        pledge = _locked(pledge)
        if pledge.status != PledgeStatus.CONFIRMED:
            raise RestrictionError("只有双方已确认的申请可以提交复核。", code="restrictions.state")
        if open_approval(pledge.approval):
            raise RestrictionError("该申请已有待复核的经办记录。", code="restrictions.under_review")
        lot = _lot_of(
            holdings.lots_locked(pledge.pledgor_account_id, pledge.security_id), pledge.share_nature, pledge.lockup_end
        )
        problem = shortage_message(lot=lot, quantity=pledge.quantity_shares)
        if problem:
            raise RestrictionError(problem, code="restrictions.insufficient")
        attempt = Approval.objects.filter(kind=KIND_PLEDGE, subject_id=str(pledge.pk)).count() + 1
        approval = approval_prepare(
            kind=KIND_PLEDGE,
            key=f"restrictions.pledge:{pledge.pk}:{attempt}",
            subject=pledge,
            by=by,
            summary=f"质押登记 {pledge.number}：{pledge.pledgor_name} → {pledge.pledgee_name}，"
            f"{pledge.security.code} {pledge.quantity_shares:,} 股",
            payload={
                "pledge_id": pledge.pk,
                "number": pledge.number,
                "account": pledge.pledgor_account.number,
                "security": pledge.security.code,
                "share_nature": pledge.share_nature,
                "quantity_shares": pledge.quantity_shares,
                "digest": pledge_digest(pledge),
            },
        )
        pledge.approval = approval
        pledge.save(update_fields=["approval"])
    return approval


def pledge_reject(*, pledge: Pledge, by, reason: str) -> Pledge:
    if not reason.strip():
        raise RestrictionError("请填写驳回原因。")
    with transaction.atomic():
        pledge = _locked(pledge)
        if open_approval(pledge.approval):
            raise RestrictionError("该申请有待复核的经办记录，请先在复核中处理。", code="restrictions.under_review")
        pledge.reason = reason.strip()[:500]
        _move(
            pledge, to_state=PledgeStatus.REJECTED, actor=by, by=STAFF, reason=pledge.reason, update_fields=["reason"]
        )
        for party in (pledge.pledgor_user, pledge.pledgee_user):
            _notify(party, "质押登记申请被驳回", f"申请 {pledge.number} 被驳回：{pledge.reason}")
    return pledge


def apply_pledge(approval: Approval) -> dict:
    """The approved registration: the register is checked under its row locks (available, the court's
    queue first), then the PLEDGE event and the record change together."""
    pledge = _locked(Pledge.objects.get(pk=approval.payload["pledge_id"]))
    if pledge.status != PledgeStatus.CONFIRMED:
        raise RestrictionError(f"质押登记 {pledge.number} 的状态已变为“{pledge.get_status_display()}”，不能登记。")
    if approval.payload.get("digest") != pledge_digest(pledge):
        raise RestrictionError("申请内容在经办后发生变化，请重新经办。", code="restrictions.changed")
    day = business_today()
    queue_fill(account_id=pledge.pledgor_account_id, security_id=pledge.security_id, day=day)  # courts come first
    lots = holdings.lots_locked(pledge.pledgor_account_id, pledge.security_id)
    lot = _lot_of(lots, pledge.share_nature, pledge.lockup_end)
    problem = shortage_message(lot=lot, quantity=pledge.quantity_shares)
    if problem:
        raise RestrictionError(problem, code="restrictions.insufficient")
    holdings.apply(
        [
            holdings.spec(
                lot,
                event_type=EventType.PLEDGE,
                key=f"pledge:{pledge.number}",
                day=day,
                memo=pledge.number,
                pledged=pledge.quantity_shares,
            )
        ]
    )
    pledge.registered_on = day
    pledge.verify_code = "".join(secrets.choice(VERIFY_ALPHABET) for _ in range(16))
    _move(
        pledge,
        to_state=PledgeStatus.REGISTERED,
        actor=approval.approved_by,
        by=STAFF,
        reason=f"复核通过（复核 #{approval.pk}）",
        update_fields=["registered_on", "verify_code"],
    )
    if pledge.posting_id:
        posting_pledged_by_pledge(posting_id=pledge.posting_id, pledge=pledge)
    for party in (pledge.pledgor_user, pledge.pledgee_user):
        _notify(
            party,
            "证券质押登记已办理",
            f"质押登记 {pledge.number} 已登记，可下载质押登记证明（验证码 {pledge.verify_code}）。",
        )
    return {"质押登记编号": pledge.number, "质押数量": pledge.quantity_shares}
