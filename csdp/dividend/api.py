"""The API of 权益分派: a distribution's state and its funding (委托代派), declared by the issuer (or an
operator) and confirmed or rejected by a different depository staff user (csdp/dividend/funding.py); the
participants' published files (QYMX, QYHZ, QYZC), listed in cursor pages and downloaded, as the
register's and the IPO's files are."""

import datetime as dt

from ninja import Query, Router, Schema

from csdp.accounts.access import STAFF, Role, access_object, allow
from csdp.dividend.funding import CONFIRMERS, funding_confirm, funding_declare, funding_reject
from csdp.dividend.models import Distribution, DividendFile, Funding
from csdp.dividend.selectors import funding_amounts
from csdp.lib.cursor import CursorIn, cursor_page, page_of
from csdp.lib.publish import published_file_response

router = Router(tags=["权益分派"])


class FundingIn(Schema):
    bank_reference: str
    amount_fen: int


class ConfirmIn(Schema):
    value_date: dt.date | None = None  # the bank's value date; today when left out


class RejectIn(Schema):
    reason: str


class FundingOut(Schema):
    id: int
    bank_reference: str
    amount_fen: int
    status: str  # declared 待确认, confirmed 已到账, rejected 已驳回, lapsed 逾期未确认
    declared_at: str
    value_date: str | None


class DistributionOut(Schema):
    id: int
    code: str
    status: str
    cash_status: str
    cash_note: str
    record_date: str
    pay_date: str
    list_date: str
    funding_deadline: str
    funded_fen: int  # confirmed received (已到账), including any later returned (see refunded_fen)
    pending_fen: int  # declared, awaiting the depository's confirmation: not counted
    refunded_fen: int  # returned to the issuer's bank (shortfall, withdrawal, surplus after payment)
    cash_declared_fen: int
    cash_total_fen: int
    bonus_total: int
    fundings: list[FundingOut]


def _out(d: Distribution) -> dict:
    amounts = funding_amounts(d)
    return {
        "id": d.pk,
        "code": d.security.code,
        "status": d.status,
        "cash_status": d.cash_status,
        "cash_note": d.cash_note,
        "record_date": str(d.record_date),
        "pay_date": str(d.pay_date),
        "list_date": str(d.list_date),
        "funding_deadline": str(d.funding_deadline),
        "funded_fen": amounts.confirmed_fen,
        "pending_fen": amounts.pending_fen,
        "refunded_fen": amounts.refunded_fen,
        "cash_declared_fen": d.cash_declared_fen,
        "cash_total_fen": d.cash_total_fen,
        "bonus_total": d.bonus_total,
        "fundings": [
            {
                "id": f.pk,
                "bank_reference": f.bank_reference,
                "amount_fen": f.amount_fen,
                "status": f.status,
                "declared_at": f.declared_at.isoformat(),
                "value_date": f.value_date.isoformat() if f.value_date else None,
            }
            for f in d.fundings.all()
        ],
    }


def _distribution(request, distribution_id: int) -> Distribution:
    return access_object(request.user, Distribution.objects.select_related("security"), pk=distribution_id)


def _funding(request, distribution: Distribution, funding_id: int) -> Funding:
    return access_object(request.user, Funding.objects.filter(distribution=distribution), pk=funding_id)


@router.get("/distributions/{distribution_id}", response=DistributionOut, summary="权益分派状态")
@allow(STAFF, Role.ISSUER)
def distribution_get(request, distribution_id: int):
    return _out(_distribution(request, distribution_id))


@router.post(
    "/distributions/{distribution_id}/fundings",
    response=DistributionOut,
    summary="登记委托代派资金（待本公司确认到账；按银行流水号幂等）",
)
@allow(Role.ISSUER, Role.OPERATOR)
def distribution_fund(request, distribution_id: int, payload: FundingIn):
    d = _distribution(request, distribution_id)
    funding_declare(
        distribution=d, bank_reference=payload.bank_reference, amount_fen=payload.amount_fen, by=request.user
    )
    d.refresh_from_db()
    return _out(d)


@router.post(
    "/distributions/{distribution_id}/fundings/{funding_id}/confirm",
    response=DistributionOut,
    summary="确认委托代派资金到账（登记人以外的本公司人员）",
)
@allow(*CONFIRMERS)
def distribution_funding_confirm(request, distribution_id: int, funding_id: int, payload: ConfirmIn):
    d = _distribution(request, distribution_id)
    funding_confirm(funding=_funding(request, d, funding_id), by=request.user, value_date=payload.value_date)
    d.refresh_from_db()
    return _out(d)


@router.post(
    "/distributions/{distribution_id}/fundings/{funding_id}/reject",
    response=DistributionOut,
    summary="驳回委托代派资金登记",
)
@allow(*CONFIRMERS)
def distribution_funding_reject(request, distribution_id: int, funding_id: int, payload: RejectIn):
    d = _distribution(request, distribution_id)
    funding_reject(funding=_funding(request, d, funding_id), by=request.user, reason=payload.reason)
    d.refresh_from_db()
    return _out(d)


class DividendFileOut(Schema):
    id: int  # rises with publication: walking by cursor, a back office sees each file once
    name: str  # dividend/<distribution>/<YYYYMMDD>/<participant code>/<type><security code>.<dbf|csv>
    distribution_id: int
    security: str
    security_name: str
    record_date: dt.date
    participant: str
    file_type: str  # QYMX, QYHZ, QYZC (docs/interfaces.md §7)
    file_format: str  # dbf, csv
    rows: int
    sha256: str
    business_date: dt.date


@router.get(
    "/files",
    response=page_of(DividendFileOut),
    summary="权益分派数据文件（QYMX、QYHZ、QYZC；结算参与人限本机构；按发布先后，游标分页）",
    description="保存最后一次取到的 next_cursor（或最后一个文件的 id），下次以 cursor=该值查询，只返回其后发布的文件。"
    "可按 distribution_id、business_date 筛选。",
)
@allow(STAFF, Role.PARTICIPANT)
def dividend_files(
    request, page: Query[CursorIn], distribution_id: int | None = None, business_date: dt.date | None = None
):
    rows = DividendFile.objects.visible_to(request.user).select_related("distribution__security", "participant")
    if distribution_id is not None:
        rows = rows.filter(distribution_id=distribution_id)
    if business_date is not None:
        rows = rows.filter(business_date=business_date)
    return cursor_page(rows, page, out=_file_out)


def _file_out(f: DividendFile) -> dict:
    return {
        "id": f.pk,
        "name": f.path,
        "distribution_id": f.distribution_id,
        "security": f.distribution.security.code,
        "security_name": f.distribution.security.name,
        "record_date": f.distribution.record_date,
        "participant": f.participant.code,
        "file_type": f.file_type,
        "file_format": f.file_format,
        "rows": f.rows,
        "sha256": f.sha256,
        "business_date": f.business_date,
    }


@router.get(
    "/files/{dividend_file_id}/content",
    summary="下载权益分派数据文件（他人的或不存在的文件：404 not_found）",
)
@allow(STAFF, Role.PARTICIPANT)
def dividend_file_content(request, dividend_file_id: int):
    record = access_object(request.user, DividendFile, pk=dividend_file_id)
    return published_file_response(record.path)
