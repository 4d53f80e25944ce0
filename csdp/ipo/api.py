"""IPO API: what participants' back offices and operators call (docs/interfaces.md §API)."""

import datetime as dt
import tempfile
from pathlib import Path

from django.http import HttpResponse
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from csdp.accounts.access import STAFF, Role, access_object, allow
from csdp.ipo.eod.t_day import offering_subscriptions_load
from csdp.ipo.errors import IpoError
from csdp.lib.cursor import CursorIn, cursor_page, page_of
from csdp.ipo.models import Offering, ParticipantFile, ParticipantObligation
from csdp.ipo.pages import declarations_of, offerings_for, participant_of, require_results_reader
from csdp.ipo.eod.reconcile import statement_files, manifest, offering_results
from csdp.ipo.services import DeclarationRow, reserve_deposit, reserve_withdraw, shortfall_declare, shortfall_withdraw
from csdp.ipo.failure.stop import offering_stop_prepare
from csdp.ledger.selectors import reserve_account_of, statement_after
from csdp.lib.errors import NotFound
from csdp.lib.publish import published_file_response
from csdp.securities.models import ParticipantProfile

router = Router(tags=["北交所公开发行"])
OFFERING_ROLES = STAFF | {Role.ISSUER, Role.UNDERWRITER, Role.PARTICIPANT}


class StopOut(Schema):
    kind: str  # failed / suspended
    stage: str  # 5.1 / 5.2 / 5.3 (seed 002 第五章)
    confirmed_at: dt.datetime
    reference: str
    reason: str


class OfferingOut(Schema):
    id: int
    code: str
    name: str
    status: str
    price_fen: int
    online_shares: int
    t_date: dt.date
    t1_date: dt.date
    t2_date: dt.date
    listing_date: dt.date
    stop: StopOut | None = None


def _stop_out(o: Offering) -> dict | None:
    stop = getattr(o, "stop", None)
    if stop is None:
        return None
    return {
        "kind": stop.kind,
        "stage": stop.stage,
        "confirmed_at": stop.confirmed_at,
        "reference": stop.reference,
        "reason": stop.reason,
    }


def _offering_out(o: Offering) -> dict:
    return {
        "id": o.pk,
        "code": o.code,
        "name": o.name,
        "status": o.status,
        "price_fen": o.price_fen,
        "online_shares": o.online_shares,
        "t_date": o.t_date,
        "t1_date": o.day(1),
        "t2_date": o.day(2),
        "listing_date": o.listing_date,
        "stop": _stop_out(o),
    }


@router.get("/offerings", response=page_of(OfferingOut), summary="可见的发行（游标分页）")
@allow(OFFERING_ROLES)
def ipo_offerings(request, page: Query[CursorIn]):
    return cursor_page(offerings_for(request.user).select_related("stop"), page, out=_offering_out)


@router.get("/offerings/{offering_id}", response=OfferingOut, summary="发行详情")
@allow(OFFERING_ROLES)
def ipo_offering(request, offering_id: int):
    return _offering_out(access_object(request.user, Offering, pk=offering_id))


class ObligationOut(Schema):
    offering: str
    participant: str
    orders: int
    subscribed_fen: int
    frozen_fen: int
    deducted_fen: int
    unfrozen_fen: int
    allocated_shares: int
    invalid_orders: int


@router.get("/obligations", response=page_of(ObligationOut), summary="本参与人的申购资金义务（游标分页）")
@allow(STAFF, Role.PARTICIPANT)
def ipo_obligations(request, page: Query[CursorIn]):
    rows = ParticipantObligation.objects.visible_to(request.user).select_related("offering", "participant")
    return cursor_page(rows, page, out=_obligation_out)


def _obligation_out(o) -> dict:
    return {
        "offering": o.offering.code,
        "participant": o.participant.code,
        "orders": o.orders,
        "subscribed_fen": o.subscribed_fen,
        "frozen_fen": o.frozen_fen,
        "deducted_fen": o.deducted_fen,
        "unfrozen_fen": o.unfrozen_fen,
        "allocated_shares": o.allocated_shares,
        "invalid_orders": o.invalid_orders,
    }


class FileOut(Schema):
    id: int  # rises with publication: walking by cursor, a back office sees each file once
    name: str  # <YYYYMMDD>/<participant>/<file>, as in the day's manifest
    offering: str
    file_type: str
    file_format: str
    rows: int
    sha256: str
    business_date: dt.date


@router.get(
    "/files",
    response=page_of(FileOut),
    summary="本参与人的数据文件（按发布先后，游标分页）",
    description="保存最后一次取到的 next_cursor（或最后一个文件的 id），下次以 cursor=该值查询，只返回其后发布的文件。",
)
@allow(STAFF, Role.PARTICIPANT)
def ipo_files(request, page: Query[CursorIn], business_date: dt.date | None = None):
    rows = ParticipantFile.objects.visible_to(request.user).select_related("offering")
    if business_date:
        rows = rows.filter(business_date=business_date)
    return cursor_page(rows, page, out=_file_out)


def _file_out(f) -> dict:
    return {
        "id": f.pk,
        "name": f.path,
        "offering": f.offering.code,
        "file_type": f.file_type,
        "file_format": f.file_format,
        "rows": f.rows,
        "sha256": f.sha256,
        "business_date": f.business_date,
    }


@router.get("/files/{participant_file_id}/content", summary="下载数据文件")
@allow(STAFF, Role.PARTICIPANT)
def ipo_file_content(request, participant_file_id: int):
    record = access_object(request.user, ParticipantFile, pk=participant_file_id)
    return published_file_response(record.path)


class DepositIn(Schema):
    amount_fen: int
    reference: str


class MoneyMovedOut(Schema):
    """What a money-moving POST did. Sending the same ``reference`` again is safe: it answers with the
    first transfer and ``replayed: true`` and moves nothing."""

    ok: bool
    transfer_id: int  # the ledger transfer's serial number (the statement's cursor)
    reference: str  # the transfer's idempotency key, as it appears in the statement
    amount_fen: int
    replayed: bool


def _moved(transfer) -> dict:
    return {
        "ok": True,
        "transfer_id": transfer.pk,
        "reference": transfer.key,
        "amount_fen": transfer.amount_fen,
        "replayed": bool(getattr(transfer, "replayed", False)),
    }


@router.post(
    "/deposits",
    response=MoneyMovedOut,
    summary="存入备付金（参与人申购资金 T+1 日 16:00 前；主承销商自营备付金）",
    description="reference 为汇款流水号，在本机构内唯一；同一流水号重复提交返回首次的划转（replayed=true），不重复入账。",
)
@allow(Role.PARTICIPANT, Role.UNDERWRITER)
def ipo_deposit(request, payload: DepositIn):
    return _moved(
        reserve_deposit(
            institution=request.user.institution,
            amount_fen=payload.amount_fen,
            reference=payload.reference,
            actor=request.user,
        )
    )


@router.post(
    "/withdrawals",
    response=MoneyMovedOut,
    summary="划回备付金可用资金（参与人 T+2 划回申购余款；主承销商自营备付金）",
    description="reference 在本机构内唯一；同一 reference 重复提交返回首次的划转（replayed=true），不重复划出。",
)
@allow(Role.PARTICIPANT, Role.UNDERWRITER)
def ipo_withdraw(request, payload: DepositIn):
    return _moved(
        reserve_withdraw(
            institution=request.user.institution,
            amount_fen=payload.amount_fen,
            reference=payload.reference,
            actor=request.user,
        )
    )


class MovementOut(Schema):
    id: int  # the transfer's serial number: the cursor
    business_date: dt.date
    phase: str  # posted / pending / post / void
    type_label: str  # the movement in words, from this account's side: 现金红利划入, 申购资金冻结, …
    code: str
    reference: str  # the transfer's idempotency key, e.g. ipo:920188:Q001:freeze
    direction: str  # 借 (out of the account) / 贷 (into it)
    counterparty: str
    posted_change_fen: int
    pending_change_fen: int  # a hold placed (−) or released (+), whichever side the money goes
    posted_balance_fen: int
    memo: str  # the 摘要 (a resolution without its own reads as its hold's)


class StatementOut(Schema):
    account_number: str
    items: list[MovementOut]
    next_cursor: int | None  # pass as `cursor` for the next page; null: no more movements now


@router.get("/reserve/statement", response=StatementOut, summary="本机构结算备付金对账单（每笔资金变动，游标分页）")
@allow(Role.PARTICIPANT, Role.UNDERWRITER)
def ipo_reserve_statement(request, page: Query[CursorIn]):

    account = reserve_account_of(request.user.institution)
    if account is None:
        raise IpoError("本机构尚未开立结算备付金账户。", code="ipo.no_reserve", status=404)
    lines, next_cursor = statement_after(account, after_id=page.cursor, limit=page.limit)
    items = []
    for line in lines:
        t = line.transfer
        other = t.credit_account if line.direction == "借" else t.debit_account
        items.append(
            {
                "id": t.pk,
                "business_date": t.business_date,
                "phase": t.phase,
                "type_label": line.type_label,
                "code": t.code,
                "reference": t.key,
                "direction": line.direction,
                "counterparty": other.number,
                "posted_change_fen": line.posted_change_fen,
                "pending_change_fen": line.pending_change_fen,
                "posted_balance_fen": line.posted_balance_fen,
                "memo": line.summary,
            }
        )
    return {"account_number": account.number, "items": items, "next_cursor": next_cursor}


@router.get("/reserve/statement/file", summary="下载当日对账文件 ZJDZ（format=dbf 或 csv，GBK）")
@allow(Role.PARTICIPANT, Role.UNDERWRITER)
def ipo_reserve_statement_file(request, business_date: dt.date, format: str = "dbf"):
    account = reserve_account_of(request.user.institution)
    if account is None:
        raise IpoError("本机构尚未开立结算备付金账户。", code="ipo.no_reserve", status=404)
    if format not in ("dbf", "csv"):
        raise IpoError("format 应为 dbf 或 csv。", code="ipo.bad_format")
    file = statement_files(account, business_date)[format]
    response = HttpResponse(file.data, content_type="text/csv; charset=gbk" if format == "csv" else "application/x-dbf")
    response["Content-Disposition"] = f'attachment; filename="{file.name}"'
    return response


class ManifestLineOut(Schema):
    name: str
    file_type: str
    file_format: str
    rows: int
    sha256: str
    file_id: int | None  # an IPO file's, for /ipo/files/{id}/content; null: another app's file or the 对账 file
    content_url: str  # the API address of the file's bytes, whichever app published it


@router.get(
    "/manifest",
    response=page_of(ManifestLineOut),
    summary="本参与人某业务日的文件清单（新股发行、GFBD、QLBD、权益分派等全部数据文件及对账文件：文件名、记录数、SHA-256、下载地址；游标分页）",
)
@allow(Role.PARTICIPANT)
def ipo_manifest(request, business_date: dt.date, page: Query[CursorIn]):

    participant = ParticipantProfile.objects.filter(institution=request.user.institution).first()
    if participant is None:  # a participant institution whose profile staff have not entered yet
        raise NotFound("本机构尚未登记结算参与人资料，暂无文件清单。", code="ipo.participant_unknown")
    return cursor_page(manifest(participant, business_date), page, out=lambda line: line.__dict__)


class InvalidOut(Schema):
    seq: int
    account: str
    participant: str
    custody_unit: str
    quantity: int
    code: str
    reason: str


class ResultsOut(Schema):
    online_shares: int
    orders: int
    valid_accounts_t: int
    valid_shares_t: int
    ratio_percent: str  # 网上获配比例, %, ten decimals
    valid_accounts: int
    valid_shares: int
    allocated_accounts: int
    allocated_shares: int
    remainder_shares: int  # 余股, to the lead underwriter
    forfeited_shares: int
    invalid: list[InvalidOut]


@router.get("/offerings/{offering_id}/results", response=ResultsOut, summary="网上发行结果（主承销商，发行结果公告用）")
@allow(STAFF, Role.UNDERWRITER)
def ipo_offering_results(request, offering_id: int):
    offering = access_object(request.user, Offering, pk=offering_id)
    require_results_reader(offering, request.user)
    results = offering_results(offering)
    if results is None:
        raise IpoError("T+1 日日终交收完成后才能查看发行结果。", code="ipo.results_not_ready", status=409)
    data = {k: v for k, v in results.__dict__.items() if k != "invalid"}
    data["ratio_percent"] = str(results.ratio_percent)
    data["invalid"] = [
        dict(zip(("seq", "account", "participant", "custody_unit", "quantity", "code", "reason"), row))
        for row in results.invalid.iter_rows()
    ]
    return data


class DeclarationIn(Schema):
    account: str
    account_name: str
    seq: int
    invalid_shares: int
    reserve_account: str
    settlement_account: str


class DeclarationOut(Schema):
    receipt: str  # the acknowledgement number
    seq: int
    account: str
    account_name: str
    invalid_shares: int
    declared_at: dt.datetime
    withdrawn_at: dt.datetime | None


def _declaration_out(d) -> dict:
    return {
        "receipt": d.receipt,
        "seq": d.seq,
        "account": d.account,
        "account_name": d.account_name,
        "invalid_shares": d.invalid_shares,
        "declared_at": d.declared_at,
        "withdrawn_at": d.withdrawn_at,
    }


class DeclaredOut(Schema):
    declared: int
    declarations: list[DeclarationOut]


@router.post(
    "/offerings/{offering_id}/declarations",
    response=DeclaredOut,
    summary="申报申购资金不足的投资者（附件5，T+1 日 15:30 前）；申报的申购按无效申购处理",
)
@allow(Role.PARTICIPANT)
def ipo_declarations(request, offering_id: int, payload: list[DeclarationIn]):
    offering_obj = access_object(request.user, Offering, pk=offering_id)
    participant = participant_of(request.user)
    saved = shortfall_declare(
        offering=offering_obj,
        participant=participant,
        rows=[DeclarationRow(**row.dict()) for row in payload],
        actor=request.user,
    )
    return {"declared": len(saved), "declarations": [_declaration_out(d) for d in saved]}


@router.get(
    "/offerings/{offering_id}/declarations",
    response=page_of(DeclarationOut),
    summary="本参与人的资金不足申报（含已撤回；游标分页）",
)
@allow(Role.PARTICIPANT)
def ipo_declaration_list(request, offering_id: int, page: Query[CursorIn]):
    offering_obj = access_object(request.user, Offering, pk=offering_id)
    participant = participant_of(request.user)
    return cursor_page(declarations_of(offering_obj, participant), page, out=_declaration_out)


class WithdrawIn(Schema):
    seqs: list[int]


@router.post("/offerings/{offering_id}/declarations/withdraw", summary="撤回资金不足申报（T+1 日 15:30 前）")
@allow(Role.PARTICIPANT)
def ipo_declaration_withdraw(request, offering_id: int, payload: WithdrawIn):
    offering_obj = access_object(request.user, Offering, pk=offering_id)
    participant = participant_of(request.user)
    return {
        "withdrawn": shortfall_withdraw(
            offering=offering_obj, participant=participant, seqs=payload.seqs, actor=request.user
        )
    }


@router.post("/offerings/{offering_id}/subscriptions", summary="接收北交所申购数据（CSV）")
@allow(Role.OPERATOR)
def ipo_subscriptions(request, offering_id: int, file: File[UploadedFile]):
    offering_obj = access_object(request.user, Offering, pk=offering_id)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "subscriptions.csv"
        with open(path, "wb") as out:
            for chunk in file.chunks():
                out.write(chunk)
        rows = offering_subscriptions_load(offering=offering_obj, path=path, actor=request.user)
    return {"rows": rows}


class StopIn(Schema):
    kind: str  # failed / suspended
    confirmed_at: dt.datetime
    reference: str
    reason: str


class StopPreparedOut(Schema):
    approval_id: int
    status: str  # "prepared": waits for a different reviewer (/approvals/)
    detail: str


@router.post(
    "/offerings/{offering_id}/stop",
    response={202: StopPreparedOut},
    summary="提交北交所确认的发行失败或中止，待另一名工作人员复核后生效",
)
@allow(Role.OPERATOR)
def ipo_stop(request, offering_id: int, payload: StopIn):
    offering = access_object(request.user, Offering, pk=offering_id)
    approval = offering_stop_prepare(
        offering=offering,
        kind=payload.kind,
        confirmed_at=payload.confirmed_at,
        reference=payload.reference,
        reason=payload.reason,
        by=request.user,
    )
    return Status(
        202,
        {
            "approval_id": approval.pk,
            "status": approval.status,
            "detail": "已提交，须由另一名工作人员复核后记录并生效。",
        },
    )
