"""解除质押, full or partial, on the pledgee's application or jointly (the pledgor files, the pledgee
joins), reviewed with four-eyes (rules.md §9). A release is a row with its own history; the pledge is
never edited back, it moves to 部分解除 / 已解除 as releases are applied. Freed shares go to the
court's waiting freezes first (``queue_fill``)."""

from __future__ import annotations

from django.db import transaction

from csdp.approvals.models import Approval
from csdp.approvals.services import approval_prepare
from csdp.audit.services import audit_record
from csdp.clock.services import business_today, clock_now
from csdp.keys.signing import submission_digest
from csdp.lib.statemachine import STAFF, USER
from csdp.register.models import EventType
from csdp.restrictions import holdings
from csdp.restrictions.common import locked, move, open_approval, sign
from csdp.restrictions.common import notify as _notify
from csdp.restrictions.errors import RestrictionError
from csdp.restrictions.models import (
    PLEDGE_OUTSTANDING,
    RELEASE_MACHINE,
    Pledge,
    PledgeRelease,
    PledgeStatus,
    ReleaseStatus,
    ReleaseTransition,
)
from csdp.restrictions.services_freeze import queue_fill
from csdp.restrictions.services_pledge import _locked, _move

KIND_RELEASE = "restrictions.release"


def release_quantity_digest(pledge: Pledge, quantity: int) -> str:
    return submission_digest(
        content={"pledge": pledge.number, "release_shares": quantity, "released_before": pledge.released_shares}
    )


def release_digest(release: PledgeRelease) -> str:
    return release_quantity_digest(release.pledge, release.quantity_shares)


def _pending_release_shares(pledge: Pledge) -> int:
    return sum(
        pledge.releases.filter(status__in=[ReleaseStatus.AWAITING_PLEDGEE, ReleaseStatus.SUBMITTED]).values_list(
            "quantity_shares", flat=True
        )
    )


def release_check(*, pledge: Pledge, by, quantity_shares: int) -> None:
    """What a release application must meet — a party, a registered pledge, a quantity within what is
    still pledged less releases under way. The form runs it before the party signs; ``release_apply``
    again under the pledge's lock."""
    if by.pk not in (pledge.pledgor_user_id, pledge.pledgee_user_id):
        raise RestrictionError("只有质押双方可以申请解除质押。")
    if pledge.status not in PLEDGE_OUTSTANDING:
        raise RestrictionError("该质押不在登记状态，不能解除。", code="restrictions.state")
    left = pledge.unreleased_shares - _pending_release_shares(pledge)
    if not 0 < quantity_shares <= left:
        raise RestrictionError(
            f"解除数量须在 1 至 {left:,} 股之间（已扣除办理中的解除申请）。", code="restrictions.release_quantity"
        )


def release_apply(*, pledge: Pledge, by, quantity_shares: int, signature: str = "") -> PledgeRelease:
    """The pledgee applies (goes to staff at once), or the pledgor does and the pledgee joins."""
    with transaction.atomic():
        pledge = _locked(pledge)
        release_check(pledge=pledge, by=by, quantity_shares=quantity_shares)
        signed = sign(by, release_quantity_digest(pledge, quantity_shares), signature)
        by_pledgee = by.pk == pledge.pledgee_user_id
        status = ReleaseStatus.SUBMITTED if by_pledgee else ReleaseStatus.AWAITING_PLEDGEE
        release = PledgeRelease.objects.create(
            pledge=pledge,
            quantity_shares=quantity_shares,
            status=status,
            applied_by=by,
            signature=signed,
            created_at=clock_now(),
        )
        ReleaseTransition.objects.create(
            release=release,
            from_state="",
            to_state=status,
            actor=by,
            actor_kind=USER,
            at=clock_now(),
            reason="申请解除质押",
        )
        audit_record(
            actor=by,
            obj=release,
            action="restrictions.release.apply",
            to_state=status,
            data={"pledge": pledge.number, "quantity_shares": quantity_shares},
        )
        if not by_pledgee:
            _notify(pledge.pledgee_user, "解除质押申请待您确认", f"质押 {pledge.number} 的解除申请待您确认。")
    return release


def _locked_release(release: PledgeRelease) -> PledgeRelease:
    return locked(PledgeRelease, release.pk, "pledge")


def _move_release(release, *, to_state, actor, by, reason="", update_fields=()) -> None:
    move(
        release,
        machine=RELEASE_MACHINE,
        history=ReleaseTransition,
        action="restrictions.release",
        to_state=to_state,
        actor=actor,
        by=by,
        reason=reason,
        update_fields=update_fields,
    )


def release_confirm(*, release: PledgeRelease, by, signature: str = "") -> PledgeRelease:
    with transaction.atomic():
        release = _locked_release(release)
        if by.pk != release.pledge.pledgee_user_id:
            raise RestrictionError("只有质权人可以确认解除质押。", code="restrictions.not_pledgee")
        release.confirmed_signature = sign(by, release_digest(release), signature)
        _move_release(
            release,
            to_state=ReleaseStatus.SUBMITTED,
            actor=by,
            by=USER,
            reason="质权人确认",
            update_fields=["confirmed_signature"],
        )
    return release


def release_withdraw(*, release: PledgeRelease, by) -> PledgeRelease:
    with transaction.atomic():
        release = _locked_release(release)
        if by.pk not in (release.pledge.pledgor_user_id, release.pledge.pledgee_user_id):
            raise RestrictionError("只有质押双方可以撤回解除申请。")
        if open_approval(release.approval):
            raise RestrictionError("本公司正在复核该申请，暂不能撤回。", code="restrictions.under_review")
        _move_release(release, to_state=ReleaseStatus.WITHDRAWN, actor=by, by=USER, reason="撤回")
    return release


def release_review_prepare(*, release: PledgeRelease, by) -> Approval:
    with transaction.atomic():
        release = _locked_release(release)
        if release.status != ReleaseStatus.SUBMITTED:
            raise RestrictionError("只有待审核的解除申请可以提交复核。", code="restrictions.state")
        if open_approval(release.approval):
            raise RestrictionError("该申请已有待复核的经办记录。", code="restrictions.under_review")
        pledge = release.pledge
        attempt = Approval.objects.filter(kind=KIND_RELEASE, subject_id=str(release.pk)).count() + 1
        approval = approval_prepare(
            kind=KIND_RELEASE,
            key=f"restrictions.release:{release.pk}:{attempt}",
            subject=release,
            by=by,
            summary=f"解除质押 {pledge.number}：{release.quantity_shares:,} 股"
            f"（{'全部' if release.full else '部分'}解除）",
            payload={"release_id": release.pk, "pledge": pledge.number, "quantity_shares": release.quantity_shares},
        )
        release.approval = approval
        release.save(update_fields=["approval"])
    return approval


def release_reject(*, release: PledgeRelease, by, reason: str) -> PledgeRelease:
    if not reason.strip():
        raise RestrictionError("请填写驳回原因。")
    with transaction.atomic():
        release = _locked_release(release)
        if open_approval(release.approval):
            raise RestrictionError("该申请有待复核的经办记录，请先在复核中处理。", code="restrictions.under_review")
        release.reason = reason.strip()[:500]
        _move_release(
            release,
            to_state=ReleaseStatus.REJECTED,
            actor=by,
            by=STAFF,
            reason=release.reason,
            update_fields=["reason"],
        )
    return release


def apply_release(approval: Approval) -> dict:
    release = _locked_release(PledgeRelease.objects.get(pk=approval.payload["release_id"]))
    pledge = _locked(release.pledge)
    if release.status != ReleaseStatus.SUBMITTED or pledge.status not in PLEDGE_OUTSTANDING:
        raise RestrictionError("该解除申请或质押的状态已变化，不能执行。", code="restrictions.state")
    quantity = release.quantity_shares
    if quantity > pledge.unreleased_shares:
        raise RestrictionError("解除数量超过尚未解除的质押数量。", code="restrictions.release_quantity")
    day = business_today()
    lots = holdings.lots_locked(pledge.pledgor_account_id, pledge.security_id)
    parts = holdings.take_encumbered(lots, quantity, "pledged", prefer=(pledge.share_nature, pledge.lockup_end))
    holdings.apply(
        [
            holdings.spec(
                lot,
                event_type=EventType.PLEDGE_RELEASE,
                key=f"release:{release.pk}:{lot.pk}",
                day=day,
                memo=pledge.number,
                pledged=-share,
            )
            for lot, share in parts
        ]
    )
    release.released_on = day
    _move_release(
        release,
        to_state=ReleaseStatus.RELEASED,
        actor=approval.approved_by,
        by=STAFF,
        reason=f"复核通过（复核 #{approval.pk}）",
        update_fields=["released_on"],
    )
    pledge.released_shares += quantity
    to_state = (
        PledgeStatus.RELEASED if pledge.released_shares == pledge.pledged_shares else PledgeStatus.PARTLY_RELEASED
    )
    _move(
        pledge,
        to_state=to_state,
        actor=approval.approved_by,
        by=STAFF,
        reason=f"解除 {quantity:,} 股",
        update_fields=["released_shares"],
    )
    queue_fill(account_id=pledge.pledgor_account_id, security_id=pledge.security_id, day=day)  # 轮候冻结 takes it
    for party in (pledge.pledgor_user, pledge.pledgee_user):
        _notify(
            party,
            "解除质押已办理",
            f"质押 {pledge.number} 已解除 {quantity:,} 股，尚余 {pledge.unreleased_shares:,} 股。",
        )
    return {
        "质押登记编号": pledge.number,
        "解除数量": quantity,
        "尚余质押": pledge.unreleased_shares,
    }
