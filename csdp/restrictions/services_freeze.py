"""司法冻结 from a court's 协助执行通知书, with 轮候冻结, 续冻, 解除冻结 and expiry (rules.md §13).

Staff record each court notice as an approval (four-eyes); approving it creates the Freeze record
and freezes on the register what is available. The queue is the records' id order: a later freeze
waits for what earlier freezes and pledges hold and takes effect on what they release, in order
(``queue_fill``, run after every release on the holding and by the end of day). A freeze ends at the
end of its period unless renewed (续冻): the end of day of its last day releases it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.db import transaction
from django.db.models import F

from csdp.approvals.models import Approval
from csdp.approvals.services import approval_prepare
from csdp.audit.services import audit_record
from csdp.clock.services import business_today, clock_now
from csdp.lib.statemachine import STAFF, SYSTEM, transition_record
from csdp.register.models import EventType
from csdp.restrictions import holdings
from csdp.restrictions.errors import RestrictionError
from csdp.restrictions.models import FREEZE_LIVE, FREEZE_MACHINE, Freeze, FreezeStatus, FreezeTransition

KIND_FREEZE = "restrictions.freeze"
KIND_RENEW = "restrictions.freeze_renew"
KIND_UNFREEZE = "restrictions.unfreeze"
MAX_PERIOD_DAYS = 3 * 366  # rules.md §13: a freeze of securities lasts at most three years per notice


@dataclass(frozen=True)
class FreezeData:
    court: str
    document_number: str
    account_number: str
    security_code: str
    whole_holding: bool
    quantity_shares: int | None
    start_date: dt.date
    end_date: dt.date


def _targets(data: FreezeData):
    from csdp.securities.models import Security, SecuritiesAccount

    account = SecuritiesAccount.objects.filter(number=data.account_number).first()
    security = Security.objects.filter(code=data.security_code).first()
    if account is None:
        raise RestrictionError(f"证券账户 {data.account_number} 不存在。")
    if security is None:
        raise RestrictionError(f"证券代码 {data.security_code} 不存在。")
    return account, security


def _check(data: FreezeData) -> None:
    if not data.court.strip() or not data.document_number.strip():
        raise RestrictionError("请填写执行法院与协助执行通知书文号。")
    if not data.whole_holding and not (data.quantity_shares and data.quantity_shares > 0):
        raise RestrictionError("请填写冻结数量，或选择冻结全部持有。")
    if data.end_date < data.start_date:
        raise RestrictionError("冻结期限止日不得早于起始日。")
    if data.start_date > business_today():
        raise RestrictionError("冻结起始日不得晚于今天。")
    if (data.end_date - data.start_date).days > MAX_PERIOD_DAYS:
        raise RestrictionError("冻结期限不得超过三年，期满需续冻的请办理续冻。")


def freeze_prepare(*, by, data: FreezeData, files=()) -> Approval:
    """经办 a court's freeze notice; approving it records and applies the freeze."""
    _check(data)
    account, security = _targets(data)
    totals = holdings.holding_totals(account.pk, security.pk)
    if totals["quantity"] <= 0:
        raise RestrictionError(f"账户 {account.number} 未持有 {security.code}，无可冻结的证券。")
    scope = "全部持有" if data.whole_holding else f"{data.quantity_shares} 股"
    payload = {
        **asdict(data),
        "start_date": data.start_date.isoformat(),
        "end_date": data.end_date.isoformat(),
        "files": [f.pk for f in files],
    }
    return approval_prepare(
        kind=KIND_FREEZE,
        key=f"restrictions.freeze:{data.court.strip()}:{data.document_number.strip()}:{account.number}:{security.code}"[
            :120
        ],
        summary=f"司法冻结：{data.court} {data.document_number}，{account.number} {security.code} {scope}，"
        f"至 {data.end_date}",
        payload=payload,
        by=by,
    )


def _move(freeze: Freeze, *, to_state: str, actor, by: str, reason: str, update_fields=()) -> None:
    from_state = freeze.status
    transition_record(
        machine=FREEZE_MACHINE,
        subject=freeze,
        to_state=to_state,
        history=FreezeTransition,
        actor=actor,
        by=by,
        reason=reason,
        at=clock_now(),
        update_fields=update_fields,
    )
    audit_record(
        actor=actor or "system",
        obj=freeze,
        action=f"restrictions.freeze.{to_state}",
        from_state=from_state,
        to_state=to_state,
        reason=reason,
    )


def queue_fill(*, account_id: int, security_id: int, day: dt.date, actor=None) -> int:
    """Give the holding's available shares to its live freezes in queue order. Caller holds the
    transaction; locks: the freezes (pk order), then the register's lots (pk order)."""
    freezes = list(
        Freeze.objects.select_for_update()
        .filter(account_id=account_id, security_id=security_id, status__in=FREEZE_LIVE)
        .order_by("pk")
    )
    waiting = [f for f in freezes if f.frozen_shares < f.requested_shares]
    if not waiting:
        return 0
    lots = holdings.lots_locked(account_id, security_id)
    events, moved, total = [], [], 0
    for freeze in waiting:
        parts = holdings.take_available(lots, freeze.requested_shares - freeze.frozen_shares)
        if not parts:
            break  # nothing left for this one, so nothing for the ones behind it either
        for lot, share in parts:
            events.append(
                holdings.spec(
                    lot,
                    event_type=EventType.FREEZE,
                    day=day,
                    memo=freeze.number,
                    frozen=share,
                    key=f"freeze:{freeze.number}:{freeze.frozen_shares}:{lot.pk}",
                )
            )
            lot.frozen += share  # later freezes in this pass see it taken
        added = sum(share for _, share in parts)
        moved.append((freeze, added))
        total += added
    holdings.apply(events)
    for freeze, added in moved:
        freeze.frozen_shares += added
        first = freeze.status == FreezeStatus.WAITING
        _move(
            freeze,
            to_state=FreezeStatus.ACTIVE,
            actor=actor,
            by=STAFF if actor else SYSTEM,
            reason=f"{'冻结生效' if first else '轮候冻结生效'} {added} 股（累计 {freeze.frozen_shares} 股）",
            update_fields=["frozen_shares"],
        )
    return total


def apply_freeze(approval: Approval) -> dict:
    from csdp.fees.workflow import next_number
    from csdp.uploads.models import StoredFile

    p = approval.payload
    data = FreezeData(
        court=p["court"],
        document_number=p["document_number"],
        account_number=p["account_number"],
        security_code=p["security_code"],
        whole_holding=p["whole_holding"],
        quantity_shares=p["quantity_shares"],
        start_date=dt.date.fromisoformat(p["start_date"]),
        end_date=dt.date.fromisoformat(p["end_date"]),
    )
    account, security = _targets(data)
    day = business_today()
    if data.end_date < day:
        raise RestrictionError("冻结期限已过，不能再办理该冻结。")
    holdings.lots_locked(account.pk, security.pk)
    requested = (
        holdings.holding_totals(account.pk, security.pk)["quantity"] if data.whole_holding else data.quantity_shares
    )
    if requested <= 0:
        raise RestrictionError(f"账户 {account.number} 已不持有 {security.code}，无可冻结的证券。")
    freeze = Freeze.objects.create(
        number=next_number("restr.freeze", "DJ", 6, day.year),
        status=FreezeStatus.WAITING,
        court=data.court.strip(),
        document_number=data.document_number.strip(),
        account=account,
        security=security,
        whole_holding=data.whole_holding,
        requested_shares=requested,
        start_date=data.start_date,
        end_date=data.end_date,
        approval=approval,
        created_at=clock_now(),
    )
    freeze.materials.set(StoredFile.objects.filter(pk__in=p.get("files", [])))
    FreezeTransition.objects.create(
        freeze=freeze,
        from_state="",
        to_state=FreezeStatus.WAITING,
        actor=approval.approved_by,
        actor_kind=STAFF,
        at=clock_now(),
        reason=f"{freeze.court} {freeze.document_number}",
    )
    audit_record(
        actor=approval.approved_by,
        obj=freeze,
        action="restrictions.freeze.record",
        to_state=FreezeStatus.WAITING,
        data={"requested": requested, "approval": approval.pk},
    )
    queue_fill(account_id=account.pk, security_id=security.pk, day=day, actor=approval.approved_by)
    freeze.refresh_from_db()
    return {
        "冻结编号": freeze.number,
        "要求冻结": requested,
        "已冻结": freeze.frozen_shares,
        "轮候": freeze.requested_shares - freeze.frozen_shares,
    }


def freeze_renew_prepare(*, freeze: Freeze, by, end_date: dt.date, document_number: str) -> Approval:
    """续冻 on a court's renewal notice, before the period ends."""
    if freeze.status not in FREEZE_LIVE:
        raise RestrictionError("该冻结已解除或到期，不能续冻（请按新冻结办理）。", code="restrictions.state")
    if freeze.end_date < business_today():
        raise RestrictionError("冻结期限已届满，不能续冻。")
    if end_date <= freeze.end_date:
        raise RestrictionError(f"续冻期限须晚于原期限 {freeze.end_date}。")
    if (end_date - freeze.end_date).days > MAX_PERIOD_DAYS:
        raise RestrictionError("每次续冻期限不得超过三年。")
    if not document_number.strip():
        raise RestrictionError("请填写续冻通知书文号。")
    return approval_prepare(
        kind=KIND_RENEW,
        key=f"restrictions.renew:{freeze.number}:{end_date.isoformat()}",
        subject=freeze,
        by=by,
        summary=f"续冻 {freeze.number}：至 {end_date}（{document_number.strip()}）",
        payload={"freeze_id": freeze.pk, "end_date": end_date.isoformat(), "document_number": document_number.strip()},
    )


def apply_renew(approval: Approval) -> dict:
    freeze = Freeze.objects.select_for_update().get(pk=approval.payload["freeze_id"])
    end_date = dt.date.fromisoformat(approval.payload["end_date"])
    if freeze.status not in FREEZE_LIVE or freeze.end_date < business_today():
        raise RestrictionError(f"冻结 {freeze.number} 已解除或到期，不能续冻。", code="restrictions.state")
    if end_date <= freeze.end_date:
        raise RestrictionError("续冻期限须晚于原期限。")
    old = freeze.end_date
    freeze.end_date = end_date
    _move(
        freeze,
        to_state=freeze.status,
        actor=approval.approved_by,
        by=STAFF,
        reason=f"续冻：{old} → {end_date}（{approval.payload['document_number']}）",
        update_fields=["end_date"],
    )
    return {"冻结编号": freeze.number, "原期限": old.isoformat(), "续冻至": end_date.isoformat()}


def freeze_release_prepare(*, freeze: Freeze, by, document_number: str) -> Approval:
    """解除冻结 on a court's notice."""
    if freeze.status not in FREEZE_LIVE:
        raise RestrictionError("该冻结已解除或到期。", code="restrictions.state")
    if not document_number.strip():
        raise RestrictionError("请填写解除冻结通知书文号。")
    return approval_prepare(
        kind=KIND_UNFREEZE,
        key=f"restrictions.unfreeze:{freeze.number}",
        subject=freeze,
        by=by,
        summary=f"解除冻结 {freeze.number}：{freeze.account.number} {freeze.security.code} {freeze.frozen_shares} 股"
        f"（{document_number.strip()}）",
        payload={"freeze_id": freeze.pk, "document_number": document_number.strip()},
    )


def _end(freeze: Freeze, *, to_state: str, day: dt.date, actor, reason: str) -> None:
    """Release what the freeze holds, end it, and let the queue behind it take the shares."""
    if freeze.frozen_shares:
        lots = holdings.lots_locked(freeze.account_id, freeze.security_id)
        parts = holdings.take_encumbered(lots, freeze.frozen_shares, "frozen")
        holdings.apply(
            [
                holdings.spec(
                    lot,
                    event_type=EventType.UNFREEZE,
                    key=f"unfreeze:{freeze.number}:{lot.pk}",
                    day=day,
                    memo=freeze.number,
                    frozen=-share,
                )
                for lot, share in parts
            ]
        )
    freeze.frozen_shares = 0
    _move(
        freeze,
        to_state=to_state,
        actor=actor,
        by=STAFF if actor else SYSTEM,
        reason=reason,
        update_fields=["frozen_shares"],
    )
    queue_fill(account_id=freeze.account_id, security_id=freeze.security_id, day=day)


def apply_unfreeze(approval: Approval) -> dict:
    freeze = Freeze.objects.select_for_update().get(pk=approval.payload["freeze_id"])
    if freeze.status not in FREEZE_LIVE:
        raise RestrictionError(f"冻结 {freeze.number} 已解除或到期。", code="restrictions.state")
    released = freeze.frozen_shares
    _end(
        freeze,
        to_state=FreezeStatus.RELEASED,
        day=business_today(),
        actor=approval.approved_by,
        reason=f"解除冻结（{approval.payload['document_number']}）",
    )
    return {"冻结编号": freeze.number, "解除冻结": released}


def freezes_expire(*, day: dt.date) -> tuple[int, int]:
    """End of day: freezes whose period ends today (or earlier) are released, each in its own
    transaction (resumable: an expired one is final); then every holding with a waiting freeze
    takes what became available during the day (e.g. shares bought or received)."""
    expired = 0
    for pk in list(
        Freeze.objects.filter(status__in=FREEZE_LIVE, end_date__lte=day).order_by("pk").values_list("pk", flat=True)
    ):
        with transaction.atomic():
            freeze = Freeze.objects.select_for_update().get(pk=pk)
            if freeze.status not in FREEZE_LIVE or freeze.end_date > day:
                continue  # renewed or released meanwhile
            _end(freeze, to_state=FreezeStatus.EXPIRED, day=day, actor=None, reason=f"冻结期限 {freeze.end_date} 届满")
            expired += 1
    filled = 0
    holdings_waiting = (
        Freeze.objects.filter(status__in=FREEZE_LIVE, frozen_shares__lt=F("requested_shares"))
        .values_list("account_id", "security_id")
        .distinct()
    )
    for account_id, security_id in sorted(set(holdings_waiting)):
        with transaction.atomic():
            filled += queue_fill(account_id=account_id, security_id=security_id, day=day)
    return expired, filled
