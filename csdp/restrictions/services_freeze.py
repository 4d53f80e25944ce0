"""司法冻结 from a court's 协助执行通知书, with 轮候冻结, 续冻, 解除冻结 (whole or partial) and expiry
(rules.md §13). 司法扣划 of frozen shares: ``services_deduct``.

Staff record each court notice as an approval (four-eyes); approving it creates the Freeze record
and freezes on the register what is available — of the whole holding, or of the one lot (share
nature and lock-up end) the court named. The queue is the records' id order: a later freeze waits
for what earlier freezes and pledges hold and takes effect on what they release, in order
(``queue_fill``, run after every release on the holding and by the end of day). A freeze ends at the
end of its period unless renewed (续冻): the end of day of its last day releases it. Every way a
freeze ends goes through ``freeze_end``; every way frozen shares are let go through ``_let_go``.
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
from csdp.lib.statemachine import STAFF, SYSTEM
from csdp.register.models import RESTRICTED, EventType, ShareNature, Position
from csdp.restrictions import holdings
from csdp.restrictions.common import account_by_number, locked, move, new_number, require_state, security_by_code
from csdp.restrictions.errors import RestrictionError
from csdp.restrictions.models import FREEZE_LIVE, FREEZE_MACHINE, Freeze, FreezeStatus, FreezeTransition
from csdp.uploads.models import StoredFile

KIND_FREEZE = "restrictions.freeze"
KIND_RENEW = "restrictions.freeze_renew"
KIND_UNFREEZE = "restrictions.unfreeze"
MAX_PERIOD_DAYS = 3 * 366  # rules.md §13: a freeze of securities lasts at most three years per notice
NOT_LIVE = "该冻结已解除、扣划完毕或到期。"


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
    share_nature: str = ""  # a court naming one lot: its share nature …
    lockup_end: dt.date | None = None  # … and lock-up end; blank: any lot of the holding


def _targets(data: FreezeData):
    return account_by_number(data.account_number), security_by_code(data.security_code)


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
    if data.share_nature and data.share_nature not in ShareNature.values:
        raise RestrictionError("指定的股份性质不正确。")
    if data.share_nature and (data.share_nature in RESTRICTED) != (data.lockup_end is not None):
        raise RestrictionError("指定限售股份须填写限售截止日，无限售流通股不得填写。")
    if not data.share_nature and data.lockup_end is not None:
        raise RestrictionError("填写限售截止日时须同时指定股份性质。")


def _lot_of(lots, lot: tuple | None):
    """The lots a freeze may take: all of the holding, or only the one the court named."""
    return lots if lot is None else [p for p in lots if (p.share_nature, p.lockup_end) == lot]


def _held(account_id: int, security_id: int, lot: tuple | None) -> int:
    rows = Position.objects.filter(account_id=account_id, security_id=security_id)
    if lot is not None:
        rows = rows.filter(share_nature=lot[0], lockup_end=lot[1])
    return sum(rows.values_list("quantity", flat=True))


def freeze_prepare(*, by, data: FreezeData, files=()) -> Approval:
    """经办 a court's freeze notice; approving it records and applies the freeze."""
    _check(data)
    account, security = _targets(data)
    holdings.open_required(security)
    lot = (data.share_nature, data.lockup_end) if data.share_nature else None
    if _held(account.pk, security.pk, lot) <= 0:
        what = f"{security.code}（{ShareNature(data.share_nature).label}）" if lot else security.code
        raise RestrictionError(f"账户 {account.number} 未持有 {what}，无可冻结的证券。")
    scope = "全部持有" if data.whole_holding else f"{data.quantity_shares:,} 股"
    if lot:
        nature = ShareNature(data.share_nature).label
        scope += f"（指定股份性质 {nature}{f'，限售至 {data.lockup_end}' if data.lockup_end else ''}）"
    payload = {
        **asdict(data),
        "start_date": data.start_date.isoformat(),
        "end_date": data.end_date.isoformat(),
        "lockup_end": data.lockup_end.isoformat() if data.lockup_end else None,
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


def freeze_move(freeze: Freeze, *, to_state: str, actor, reason: str, update_fields=()) -> None:
    move(
        freeze,
        machine=FREEZE_MACHINE,
        history=FreezeTransition,
        action="restrictions.freeze",
        to_state=to_state,
        actor=actor,
        by=STAFF if actor else SYSTEM,
        reason=reason,
        update_fields=update_fields,
    )


def queue_fill(*, account_id: int, security_id: int, day: dt.date, actor=None) -> int:
    """Give the holding's available shares to its live freezes in queue order. Caller holds the
    transaction; locks: the freezes (pk order), then the register's lots (pk order)."""
    freezes = list(
        Freeze.objects.select_for_update()
        .filter(account_id=account_id, security_id=security_id, status__in=FREEZE_LIVE)
        .order_by("pk")
    )
    waiting = [f for f in freezes if f.frozen_shares < f.demand_shares]
    if not waiting:
        return 0
    lots = holdings.lots_locked(account_id, security_id)
    events, moved, total = [], [], 0
    for freeze in waiting:
        # A freeze that gets nothing still lets the ones behind it try: one naming another lot may
        # find shares there (what it could take, the earlier ones have already been given).
        parts = holdings.take_available(_lot_of(lots, freeze.lot), freeze.demand_shares - freeze.frozen_shares)
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
        if added:
            moved.append((freeze, added))
            total += added
    holdings.apply(events)
    for freeze, added in moved:
        freeze.frozen_shares += added
        first = freeze.status == FreezeStatus.WAITING
        freeze_move(
            freeze,
            to_state=FreezeStatus.ACTIVE,
            actor=actor,
            reason=f"{'冻结生效' if first else '轮候冻结生效'} {added:,} 股（累计 {freeze.frozen_shares:,} 股）",
            update_fields=["frozen_shares"],
        )
    return total


def _data_of(payload: dict) -> FreezeData:
    return FreezeData(
        court=payload["court"],
        document_number=payload["document_number"],
        account_number=payload["account_number"],
        security_code=payload["security_code"],
        whole_holding=payload["whole_holding"],
        quantity_shares=payload["quantity_shares"],
        start_date=dt.date.fromisoformat(payload["start_date"]),
        end_date=dt.date.fromisoformat(payload["end_date"]),
        share_nature=payload.get("share_nature", ""),
        lockup_end=dt.date.fromisoformat(payload["lockup_end"]) if payload.get("lockup_end") else None,
    )


def apply_freeze(approval: Approval) -> dict:
    data = _data_of(approval.payload)
    account, security = _targets(data)
    day = business_today()
    if data.end_date < day:
        raise RestrictionError("冻结期限已过，不能再办理该冻结。")
    lot = (data.share_nature, data.lockup_end) if data.share_nature else None
    holdings.lots_locked(account.pk, security.pk)
    requested = _held(account.pk, security.pk, lot) if data.whole_holding else data.quantity_shares
    if requested <= 0:
        raise RestrictionError(f"账户 {account.number} 已不持有 {security.code}，无可冻结的证券。")
    freeze = Freeze.objects.create(
        number=new_number("restr.freeze", "DJ"),
        status=FreezeStatus.WAITING,
        court=data.court.strip(),
        document_number=data.document_number.strip(),
        account=account,
        security=security,
        whole_holding=data.whole_holding,
        share_nature=data.share_nature,
        lockup_end=data.lockup_end,
        requested_shares=requested,
        start_date=data.start_date,
        end_date=data.end_date,
        approval=approval,
        created_at=clock_now(),
    )
    freeze.materials.set(StoredFile.objects.filter(pk__in=approval.payload.get("files", [])))
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
        data={"requested": requested, "approval": approval.pk, "lot": data.share_nature},
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
    require_state(freeze, FREEZE_LIVE, NOT_LIVE + "不能续冻（请按新冻结办理）。")
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
    freeze = locked(Freeze, approval.payload["freeze_id"])
    end_date = dt.date.fromisoformat(approval.payload["end_date"])
    require_state(freeze, FREEZE_LIVE, f"冻结 {freeze.number}：{NOT_LIVE}不能续冻。")
    if freeze.end_date < business_today():
        raise RestrictionError(f"冻结 {freeze.number} 已到期，不能续冻。", code="restrictions.state")
    if end_date <= freeze.end_date:
        raise RestrictionError("续冻期限须晚于原期限。")
    old = freeze.end_date
    freeze.end_date = end_date
    freeze_move(
        freeze,
        to_state=freeze.status,
        actor=approval.approved_by,
        reason=f"续冻：{old} → {end_date}（{approval.payload['document_number']}）",
        update_fields=["end_date"],
    )
    return {"冻结编号": freeze.number, "原期限": old.isoformat(), "续冻至": end_date.isoformat()}


def freeze_release_prepare(*, freeze: Freeze, by, document_number: str, quantity_shares: int | None = None) -> Approval:
    """解除冻结 on a court's notice: the whole freeze, or ``quantity_shares`` of it (部分解冻)."""
    require_state(freeze, FREEZE_LIVE, NOT_LIVE)
    if not document_number.strip():
        raise RestrictionError("请填写解除冻结通知书文号。")
    demand = freeze.demand_shares
    quantity = demand if quantity_shares is None else quantity_shares
    if not 0 < quantity <= demand:
        raise RestrictionError(
            f"解除冻结数量须在 1 至 {demand:,} 股之间（该冻结尚余冻结及轮候 {demand:,} 股）。",
            code="restrictions.unfreeze_quantity",
        )
    scope = "全部" if quantity == demand else f"部分解除 {quantity:,} 股"
    return approval_prepare(
        kind=KIND_UNFREEZE,
        key=f"restrictions.unfreeze:{freeze.number}:{freeze.lifted_shares}:{quantity}",
        subject=freeze,
        by=by,
        summary=f"解除冻结 {freeze.number}（{scope}）：{freeze.account.number} {freeze.security.code}，"
        f"现冻结 {freeze.frozen_shares:,} 股（{document_number.strip()}）",
        payload={"freeze_id": freeze.pk, "document_number": document_number.strip(), "quantity_shares": quantity},
    )


def _let_go(freeze: Freeze, shares: int, *, day: dt.date, key: str) -> None:
    """UNFREEZE events for ``shares`` of what the freeze holds: its own lot first when the court named
    one; otherwise the lots no court named first, so lot-specific freezes keep their own shares."""
    if shares <= 0:
        return
    lots = holdings.lots_locked(freeze.account_id, freeze.security_id)
    if freeze.lot is not None:
        parts = holdings.take_encumbered(lots, shares, "frozen", prefer=freeze.lot)
    else:
        named = set(
            Freeze.objects.filter(account_id=freeze.account_id, security_id=freeze.security_id, status__in=FREEZE_LIVE)
            .exclude(share_nature="")
            .values_list("share_nature", "lockup_end")
        )
        parts = holdings.take_encumbered(lots, shares, "frozen", last=named)
    holdings.apply(
        [
            holdings.spec(
                lot,
                event_type=EventType.UNFREEZE,
                key=f"unfreeze:{freeze.number}:{key}:{lot.pk}",
                day=day,
                memo=freeze.number,
                frozen=-share,
            )
            for lot, share in parts
        ]
    )
    freeze.frozen_shares -= shares


def freeze_end(freeze: Freeze, *, to_state: str, day: dt.date, actor, reason: str, update_fields=()) -> int:
    """The one place a freeze ends (unfrozen, expired or deducted to the last share): what it still
    holds is let go, the record reaches its final state, and the queue behind it takes the shares.
    Returns the shares let go. A business that waits for a freeze to end (e.g. dividend cash held
    back while frozen) hooks in here, inside the same transaction."""
    released = freeze.frozen_shares
    _let_go(freeze, released, day=day, key="end")
    freeze_move(freeze, to_state=to_state, actor=actor, reason=reason, update_fields=["frozen_shares", *update_fields])
    queue_fill(account_id=freeze.account_id, security_id=freeze.security_id, day=day)
    return released


def apply_unfreeze(approval: Approval) -> dict:
    freeze = locked(Freeze, approval.payload["freeze_id"])
    require_state(freeze, FREEZE_LIVE, f"冻结 {freeze.number}：{NOT_LIVE}")
    document = approval.payload["document_number"]
    quantity = approval.payload.get("quantity_shares") or freeze.demand_shares
    if quantity > freeze.demand_shares:
        raise RestrictionError(
            f"解除冻结数量 {quantity:,} 股超过该冻结尚余的 {freeze.demand_shares:,} 股。",
            code="restrictions.unfreeze_quantity",
        )
    day = business_today()
    freeze.lifted_shares += quantity
    if freeze.demand_shares == 0:
        released = freeze_end(
            freeze,
            to_state=FreezeStatus.RELEASED,
            day=day,
            actor=approval.approved_by,
            reason=f"解除冻结（{document}）",
            update_fields=["lifted_shares"],
        )
        return {"冻结编号": freeze.number, "解除冻结": released, "尚余冻结": 0}
    # 部分解冻: the court lifts part of its demand; what it queues for goes before what it holds.
    released = max(0, freeze.frozen_shares - freeze.demand_shares)
    _let_go(freeze, released, day=day, key=f"part{freeze.lifted_shares}")
    freeze_move(
        freeze,
        to_state=freeze.status,
        actor=approval.approved_by,
        reason=f"部分解除冻结 {quantity:,} 股，释放 {released:,} 股（{document}）",
        update_fields=["lifted_shares", "frozen_shares"],
    )
    queue_fill(account_id=freeze.account_id, security_id=freeze.security_id, day=day)
    return {"冻结编号": freeze.number, "解除冻结": released, "尚余冻结": freeze.frozen_shares}


def freezes_expire(*, day: dt.date) -> tuple[int, int]:
    """End of day: freezes whose period ends today (or earlier) are released, each in its own
    transaction (resumable: an expired one is final); then every holding with a waiting freeze
    takes what became available during the day (e.g. shares bought or received)."""
    expired = 0
    for pk in list(
        Freeze.objects.filter(status__in=FREEZE_LIVE, end_date__lte=day).order_by("pk").values_list("pk", flat=True)
    ):
        with transaction.atomic():
            freeze = locked(Freeze, pk)
            if freeze.status not in FREEZE_LIVE or freeze.end_date > day:
                continue  # renewed or released meanwhile
            freeze_end(
                freeze, to_state=FreezeStatus.EXPIRED, day=day, actor=None, reason=f"冻结期限 {freeze.end_date} 届满"
            )
            expired += 1
    filled = 0
    holdings_waiting = (
        Freeze.objects.filter(status__in=FREEZE_LIVE)
        .filter(
            frozen_shares__lt=F("requested_shares") + F("accrued_shares") - F("lifted_shares") - F("deducted_shares")
        )
        .values_list("account_id", "security_id")
        .distinct()
    )
    for account_id, security_id in sorted(set(holdings_waiting)):
        with transaction.atomic():
            filled += queue_fill(account_id=account_id, security_id=security_id, day=day)
    return expired, filled
