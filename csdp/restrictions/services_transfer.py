"""非交易过户 (inheritance, a court's ruling, a gift to a foundation …) recorded by staff with the
documents, approved by four-eyes. Each lot moves with its share nature and lock-up end; only what is
neither frozen nor pledged moves.

The fee (fee schedule item ``non_trade_transfer``, payer kind 投资者) is billed, not only quoted. The
depository has no account relationship with the investor: as for other investor-borne fees, it bills
the clearing participant that custodies the applying party's account, which collects from its client
(代收). Applying the transfer issues that 付款通知 (csdp.fees ``payment_notice_issue``, integer fen) in
the same transaction. 经办 quotes the fee through the notice's own check (``payment_notice_quotes``), so
what the approval could not bill — no custody unit on the applying account, no version in force, a
schedule naming another payer — is refused at 经办 with the message the approval would give. The
applicant is the receiving party unless staff name the transferring one (e.g. a donor)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from csdp.approvals.models import Approval
from csdp.approvals.services import approval_prepare
from csdp.audit.services import audit_record
from csdp.clock.services import business_today, clock_now, trading_day_offset
from csdp.fees.money import fen_to_yuan
from csdp.fees.services import payment_notice_issue, payment_notice_quotes
from csdp.lib.errors import CsdpError
from csdp.register.models import EventType
from csdp.restrictions import holdings
from csdp.restrictions.common import new_number
from csdp.restrictions.errors import RestrictionError
from csdp.restrictions.models import NonTradeTransfer, TransferReason
from csdp.restrictions.services_freeze import queue_fill
from csdp.securities.models import AccountStatus, SecuritiesAccount, Security
from csdp.uploads.models import StoredFile

KIND_TRANSFER = "restrictions.transfer"
FEE_ITEM = "non_trade_transfer"


@dataclass(frozen=True)
class TransferData:
    reason: str
    from_account: str
    to_account: str
    security_code: str
    quantity_shares: int
    document: str
    applicant: str = "to"  # who filed it and pays the fee: "to" the receiving party, "from" the transferring one


APPLICANTS = {"to": "过入方", "from": "过出方"}
FEE_DUE_TRADING_DAYS = 5  # as the fee app's other notices: five trading days to pay


def _targets(data: TransferData):
    source = SecuritiesAccount.objects.filter(number=data.from_account).first()
    target = SecuritiesAccount.objects.filter(number=data.to_account).first()
    security = Security.objects.filter(code=data.security_code).first()
    if source is None or target is None:
        raise RestrictionError("转出或转入证券账户不存在。")
    if source.pk == target.pk:
        raise RestrictionError("转出与转入账户不能相同。")
    if target.status != AccountStatus.NORMAL:
        raise RestrictionError(f"转入账户 {target.number} 状态为“{target.get_status_display()}”，不能转入。")
    if security is None:
        raise RestrictionError(f"证券代码 {data.security_code} 不存在。")
    return source, target, security


def _payer(source, target, applicant: str):
    """The applying account and the institution billed for it (its custody participant)."""
    if applicant not in APPLICANTS:
        raise RestrictionError("请选择申请人（过入方或过出方）。")
    account = target if applicant == "to" else source
    unit = account.custody_unit
    if unit is None:
        raise RestrictionError(
            f"申请人账户 {account.number} 未指定托管单元，无法由托管参与人代收过户费，请先维护托管关系。",
            code="restrictions.no_custodian",
        )
    return account, unit.participant.institution


def _fee_refused(error: CsdpError) -> RestrictionError:
    return RestrictionError(f"无法出具过户费付款通知：{error.message}", code="restrictions.fee")


def transfer_fee(quantity_shares: int, institution):
    """The fee as the approval's 付款通知 will bill it to ``institution`` (the same check, run at 经办)."""
    try:
        [quote] = payment_notice_quotes(payer=institution, lines=[(FEE_ITEM, quantity_shares)], on=business_today())
    except CsdpError as error:
        raise _fee_refused(error) from None
    return quote


def transfer_prepare(*, by, data: TransferData, files=()) -> Approval:
    if data.reason not in TransferReason.values:
        raise RestrictionError("请选择过户原因。")
    if data.quantity_shares <= 0:
        raise RestrictionError("过户数量须大于零。")
    if not data.document.strip():
        raise RestrictionError("请填写过户依据文件（如继承公证书、裁定书文号）。")
    source, target, security = _targets(data)
    holdings.open_required(security)
    available = holdings.holding_totals(source.pk, security.pk)["available"]
    if available < data.quantity_shares:
        raise RestrictionError(
            f"转出账户可过户数量为 {available:,} 股（已冻结、已质押的部分不能过户），"
            f"少于过户数量 {data.quantity_shares:,} 股。",
            code="restrictions.insufficient",
        )
    payer_account, institution = _payer(source, target, data.applicant)
    quote = transfer_fee(data.quantity_shares, institution)
    payload = {
        **asdict(data),
        "fee_fen": quote.amount_fen,
        "fee_schedule": quote.schedule.pk,
        "files": [f.pk for f in files],
    }
    return approval_prepare(
        kind=KIND_TRANSFER,
        key=f"restrictions.transfer:{source.number}:{target.number}:{security.code}:{data.document.strip()}"[:120],
        by=by,
        payload=payload,
        summary=f"非交易过户（{TransferReason(data.reason).label}）：{source.number} → {target.number}，"
        f"{security.code} {data.quantity_shares:,} 股，过户费 {fen_to_yuan(quote.amount_fen):,.2f} 元"
        f"（向 {institution.name} 代收，申请人账户 {payer_account.number}）",
    )


def apply_transfer(approval: Approval) -> dict:
    p = approval.payload
    data = TransferData(
        reason=p["reason"],
        from_account=p["from_account"],
        to_account=p["to_account"],
        security_code=p["security_code"],
        quantity_shares=p["quantity_shares"],
        document=p["document"],
        applicant=p.get("applicant", "to"),
    )
    source, target, security = _targets(data)
    payer_account, institution = _payer(source, target, data.applicant)
    day = business_today()
    lots = holdings.lots_locked(source.pk, security.pk)
    parts = holdings.take_available(lots, data.quantity_shares)
    moved = sum(share for _, share in parts)
    if moved < data.quantity_shares:
        raise RestrictionError(
            f"转出账户可过户数量为 {moved:,} 股，少于过户数量 {data.quantity_shares:,} 股。",
            code="restrictions.insufficient",
        )
    number = new_number("restr.transfer", "GH")
    events = []
    for lot, share in parts:  # the same nature and lock-up end on both sides
        events.append(
            holdings.spec(
                lot,
                event_type=EventType.NON_TRADE_TRANSFER,
                key=f"transfer:{number}:{lot.pk}:out",
                day=day,
                memo=number,
                quantity=-share,
            )
        )
        events.append(
            holdings.spec(
                lot,
                event_type=EventType.NON_TRADE_TRANSFER,
                key=f"transfer:{number}:{lot.pk}:in",
                day=day,
                memo=number,
                quantity=share,
                account_id=target.pk,
            )
        )
    holdings.apply(events)
    transfer = NonTradeTransfer.objects.create(
        number=number,
        reason=data.reason,
        from_account=source,
        to_account=target,
        security=security,
        quantity_shares=data.quantity_shares,
        fee_fen=p["fee_fen"],
        fee_schedule_id=p["fee_schedule"],
        payer_account=payer_account,
        lots=[
            {
                "share_nature": lot.share_nature,
                "lockup_end": lot.lockup_end.isoformat() if lot.lockup_end else None,
                "quantity_shares": share,
            }
            for lot, share in parts
        ],
        document=data.document.strip(),
        approval=approval,
        business_date=day,
        created_at=clock_now(),
    )
    transfer.materials.set(StoredFile.objects.filter(pk__in=p.get("files", [])))
    if p["fee_fen"] > 0:
        transfer.fee_notice = _bill(transfer, institution, actor=approval.approved_by)
        transfer.save(update_fields=["fee_notice"])
    audit_record(
        actor=approval.approved_by,
        obj=transfer,
        action="restrictions.transfer.apply",
        data={"number": number, "quantity_shares": data.quantity_shares, "fee_fen": p["fee_fen"]},
    )
    queue_fill(account_id=target.pk, security_id=security.pk, day=day)  # a waiting freeze on the heir takes it
    return {  # the fee is the payload's (fee_fen, shown in 元); the result names the notice that bills it
        "过户编号": number,
        "过户数量": data.quantity_shares,
        "付款通知": transfer.fee_notice.number if transfer.fee_notice else "无（免收）",
    }


def _bill(transfer: NonTradeTransfer, institution, *, actor):
    """The 付款通知 to the applying account's custody participant (代收 from its client)."""
    try:
        return payment_notice_issue(
            payer=institution,
            reference_type="restrictions.transfer",
            reference_id=transfer.number,
            reference_label=f"非交易过户 {transfer.number} 过户费（代收：账户 {transfer.payer_account.number}）",
            lines=[(FEE_ITEM, transfer.quantity_shares)],
            due_date=trading_day_offset(transfer.business_date, FEE_DUE_TRADING_DAYS),
            actor=actor,
        )
    except CsdpError as error:
        raise _fee_refused(error) from None
