"""司法扣划: on a court's 协助执行通知书 the shares a freeze holds are transferred to the account the
court names (rules.md §13: a freeze secures enforcement; the deduction is the enforcement).

An operator records the notice against a live freeze (quantity up to what it holds, the receiving
account, the document); a different reviewer approves (four-eyes). Applying it, in one transaction:
the freeze's frozen shares leave the account lot by lot (one NON_TRADE_TRANSFER event per lot that
takes the quantity and the frozen quantity down together), the same quantities arrive on the
receiving account with their share nature and lock-up end, a ``Deduction`` record is written, and
the freeze's ``deducted_shares`` grows — to its end (已扣划, through ``freeze_end``) when the court
has taken all it asked for. A waiting freeze on the receiving account takes what arrives.
"""

from __future__ import annotations

from csdp.approvals.models import Approval
from csdp.approvals.services import approval_prepare
from csdp.audit.services import audit_record
from csdp.clock.services import business_today, clock_now
from csdp.register.models import EventType
from csdp.restrictions import holdings
from csdp.restrictions.common import account_by_number, locked, new_number, require_state
from csdp.restrictions.errors import RestrictionError
from csdp.restrictions.models import Deduction, Freeze, FreezeStatus
from csdp.restrictions.services_freeze import freeze_end, freeze_move, queue_fill
from csdp.securities.models import AccountStatus
from csdp.uploads.models import StoredFile

KIND_DEDUCT = "restrictions.deduct"
NUMBER_PREFIX = "KH"  # the QLBD file tells a deduction from a non-trade transfer by it


def _receiving(freeze: Freeze, to_account: str):
    target = account_by_number(to_account, "扣划转入证券账户")
    if target.pk == freeze.account_id:
        raise RestrictionError("扣划转入账户不能是被冻结的账户本身。")
    if target.status != AccountStatus.NORMAL:
        raise RestrictionError(f"扣划转入账户 {target.number} 状态为“{target.get_status_display()}”，不能转入。")
    return target


def _check_quantity(freeze: Freeze, quantity: int) -> None:
    require_state(freeze, {FreezeStatus.ACTIVE}, "只有冻结中的冻结可以办理扣划（轮候中、已解除或已到期的不能扣划）。")
    if not 0 < quantity <= freeze.frozen_shares:
        raise RestrictionError(
            f"扣划数量须在 1 至 {freeze.frozen_shares:,} 股之间（只能扣划该冻结已冻结的股份）。",
            code="restrictions.deduct_quantity",
        )


def deduct_prepare(
    *, freeze: Freeze, by, to_account: str, quantity_shares: int, document_number: str, files=()
) -> Approval:
    """经办 a court's deduction notice on a freeze; approving it transfers the shares."""
    _check_quantity(freeze, quantity_shares)
    if not document_number.strip():
        raise RestrictionError("请填写扣划协助执行通知书文号。")
    target = _receiving(freeze, to_account)
    return approval_prepare(
        kind=KIND_DEDUCT,
        key=f"restrictions.deduct:{freeze.number}:{document_number.strip()}"[:120],
        subject=freeze,
        by=by,
        summary=f"司法扣划 {freeze.number}（{freeze.court}）：{freeze.account.number} → {target.number}，"
        f"{freeze.security.code} {quantity_shares:,} 股（{document_number.strip()}）",
        payload={
            "freeze_id": freeze.pk,
            "to_account": target.number,
            "quantity_shares": quantity_shares,
            "document_number": document_number.strip(),
            "files": [f.pk for f in files],
        },
    )


def _events(parts, *, number: str, target_id: int, day) -> list:
    events = []
    for lot, share in parts:  # frozen shares leave frozen, and arrive free with the same nature
        common = {"event_type": EventType.NON_TRADE_TRANSFER, "day": day, "memo": number}
        events.append(holdings.spec(lot, key=f"deduct:{number}:{lot.pk}:out", quantity=-share, frozen=-share, **common))
        events.append(
            holdings.spec(lot, key=f"deduct:{number}:{lot.pk}:in", quantity=share, account_id=target_id, **common)
        )
    return events


def apply_deduct(approval: Approval) -> dict:
    p = approval.payload
    freeze = locked(Freeze, p["freeze_id"])
    quantity = p["quantity_shares"]
    _check_quantity(freeze, quantity)
    target = _receiving(freeze, p["to_account"])
    day = business_today()
    lots = holdings.lots_locked(freeze.account_id, freeze.security_id)
    parts = holdings.take_encumbered(lots, quantity, "frozen", prefer=freeze.lot)
    number = new_number("restr.deduct", NUMBER_PREFIX)
    holdings.apply(_events(parts, number=number, target_id=target.pk, day=day))
    deduction = Deduction.objects.create(
        number=number,
        freeze=freeze,
        to_account=target,
        quantity_shares=quantity,
        lots=[
            {
                "share_nature": lot.share_nature,
                "lockup_end": lot.lockup_end.isoformat() if lot.lockup_end else None,
                "quantity_shares": share,
            }
            for lot, share in parts
        ],
        document_number=p["document_number"],
        approval=approval,
        business_date=day,
        created_at=clock_now(),
    )
    deduction.materials.set(StoredFile.objects.filter(pk__in=p.get("files", [])))
    audit_record(
        actor=approval.approved_by,
        obj=deduction,
        action="restrictions.deduct.apply",
        data={"freeze": freeze.number, "to": target.number, "quantity_shares": quantity},
    )
    freeze.deducted_shares += quantity
    freeze.frozen_shares -= quantity
    reason = f"司法扣划 {quantity:,} 股至 {target.number}（{number}，{p['document_number']}）"
    if freeze.demand_shares == 0:
        freeze_end(
            freeze,
            to_state=FreezeStatus.DEDUCTED,
            day=day,
            actor=approval.approved_by,
            reason=reason,
            update_fields=["deducted_shares"],
        )
    else:  # the court still wants more: what it holds stays, what it queues for keeps its place
        to_state = FreezeStatus.ACTIVE if freeze.frozen_shares else FreezeStatus.WAITING
        freeze_move(
            freeze,
            to_state=to_state,
            actor=approval.approved_by,
            reason=reason,
            update_fields=["deducted_shares", "frozen_shares"],
        )
    queue_fill(account_id=target.pk, security_id=freeze.security_id, day=day)  # a freeze on the receiver
    return {"扣划编号": number, "扣划数量": quantity, "转入账户": target.number, "冻结尚余": freeze.frozen_shares}
