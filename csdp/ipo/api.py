"""IPO API: what participants' back offices and operators call (docs/interfaces.md §API)."""
import datetime as dt
import tempfile
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from csdp.accounts.access import STAFF, Role, access_object, allow
from csdp.ipo.eod.t_day import offering_subscriptions_load
from csdp.ipo.models import Offering, ParticipantFile, ParticipantObligation
from csdp.ipo.pages import offerings_for
from csdp.ipo.services import DeclarationRow, reserve_deposit, shortfall_declare
from csdp.ipo.stop import offering_stop_record
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
    return {"kind": stop.kind, "stage": stop.stage, "confirmed_at": stop.confirmed_at, "reference": stop.reference,
            "reason": stop.reason}


def _offering_out(o: Offering) -> dict:
    return {"id": o.pk, "code": o.code, "name": o.name, "status": o.status, "price_fen": o.price_fen,
            "online_shares": o.online_shares, "t_date": o.t_date, "t1_date": o.day(1), "t2_date": o.day(2),
            "listing_date": o.listing_date, "stop": _stop_out(o)}


@router.get("/offerings", response=list[OfferingOut], summary="可见的发行")
@allow(OFFERING_ROLES)
def ipo_offerings(request):
    return [_offering_out(o) for o in offerings_for(request.user)]


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


@router.get("/obligations", response=list[ObligationOut], summary="本参与人的申购资金义务")
@allow(STAFF, Role.PARTICIPANT)
def ipo_obligations(request):
    rows = ParticipantObligation.objects.visible_to(request.user).select_related("offering", "participant")
    return [{"offering": o.offering.code, "participant": o.participant.code, "orders": o.orders,
             "subscribed_fen": o.subscribed_fen, "frozen_fen": o.frozen_fen, "deducted_fen": o.deducted_fen,
             "unfrozen_fen": o.unfrozen_fen, "allocated_shares": o.allocated_shares, "invalid_orders": o.invalid_orders}
            for o in rows]


class FileOut(Schema):
    id: int
    offering: str
    file_type: str
    file_format: str
    rows: int
    sha256: str
    business_date: dt.date


@router.get("/files", response=list[FileOut], summary="本参与人的数据文件")
@allow(STAFF, Role.PARTICIPANT)
def ipo_files(request, business_date: dt.date | None = None):
    rows = ParticipantFile.objects.visible_to(request.user).select_related("offering")
    if business_date:
        rows = rows.filter(business_date=business_date)
    return [{"id": f.pk, "offering": f.offering.code, "file_type": f.file_type, "file_format": f.file_format,
             "rows": f.rows, "sha256": f.sha256, "business_date": f.business_date} for f in rows]


@router.get("/files/{participant_file_id}/content", summary="下载数据文件")
@allow(STAFF, Role.PARTICIPANT)
def ipo_file_content(request, participant_file_id: int):
    record = access_object(request.user, ParticipantFile, pk=participant_file_id)
    path = Path(settings.CSDP_FILES_DIR) / record.path
    if not path.is_file():
        raise Http404("数据文件已不在存储中，请联系本公司。")
    return FileResponse(open(path, "rb"), as_attachment=True, filename=path.name)


class DepositIn(Schema):
    amount_fen: int
    reference: str


@router.post("/deposits", summary="存入备付金（参与人申购资金 T+1 日 16:00 前；主承销商自营备付金）")
@allow(Role.PARTICIPANT, Role.UNDERWRITER)
def ipo_deposit(request, payload: DepositIn):
    reserve_deposit(institution=request.user.institution, amount_fen=payload.amount_fen,
                    reference=payload.reference, actor=request.user)
    return {"ok": True}


class DeclarationIn(Schema):
    account: str
    account_name: str
    seq: int
    invalid_shares: int
    reserve_account: str
    settlement_account: str


@router.post("/offerings/{offering_id}/declarations", summary="申报申购资金不足的投资者（附件5，T+1 日 15:30 前）")
@allow(Role.PARTICIPANT)
def ipo_declarations(request, offering_id: int, payload: list[DeclarationIn]):
    offering_obj = access_object(request.user, Offering, pk=offering_id)
    participant = ParticipantProfile.objects.get(institution=request.user.institution)
    saved = shortfall_declare(offering=offering_obj, participant=participant,
                              rows=[DeclarationRow(**row.dict()) for row in payload], actor=request.user)
    return {"declared": len(saved)}


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


@router.post("/offerings/{offering_id}/stop", response={201: StopOut}, summary="记录北交所确认的发行失败或中止（002 第五章）")
@allow(Role.OPERATOR)
def ipo_stop(request, offering_id: int, payload: StopIn):
    offering = access_object(request.user, Offering, pk=offering_id)
    offering_stop_record(offering=offering, kind=payload.kind, confirmed_at=payload.confirmed_at,
                         reference=payload.reference, reason=payload.reason, actor=request.user)
    offering.refresh_from_db()
    return Status(201, _stop_out(offering))
