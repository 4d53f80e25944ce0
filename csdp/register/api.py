import datetime as dt
from typing import Any

from django.http.response import HttpResponseBase
from ninja import Query, Router, Schema

from csdp.accounts.access import STAFF, SignedInRequest, access_object, allow
from csdp.accounts.roles import Role
from csdp.lib.cursor import CursorIn, cursor_page, page_of
from csdp.clock.services import business_today, clock_now
from csdp.lib.errors import CsdpError, NotFound
from csdp.lib.publish import published_file_response
from csdp.register.models import RosterQuery, HoldingChangeFile
from csdp.register.queries import check_may_query
from csdp.register.roster import roster_as_of
from csdp.register.selectors import Holding, holdings_of
from csdp.securities.models import SecuritiesAccount, Security

router = Router(tags=["证券持有"])


class PositionOut(Schema):
    security_code: str
    security_name: str
    share_nature: str
    lockup_end: dt.date | None
    quantity: int
    frozen: int
    pledged: int
    available: int


@router.get(
    "/accounts/{account_number}/positions", response=page_of(PositionOut), summary="证券账户持有明细（游标分页）"
)
@allow(STAFF)
def account_positions(request: SignedInRequest, account_number: str, page: Query[CursorIn]) -> dict[str, Any]:
    account = access_object(request.user, SecuritiesAccount, number=account_number)
    return cursor_page(holdings_of(account), page, out=_position_out)


def _position_out(h: Holding) -> dict[str, Any]:
    return {
        "security_code": h.security.code,
        "security_name": h.security.name,
        "share_nature": h.share_nature,
        "lockup_end": h.lockup_end,
        "quantity": h.quantity,
        "frozen": h.frozen,
        "pledged": h.pledged,
        "available": h.available,
    }


class HolderOut(Schema):
    account: str
    name: str
    id_type: str
    id_number: str
    share_nature: str
    lockup_end: dt.date | None
    quantity: int
    percent: str  # of the day's issued capital, 4 decimals, as text
    frozen: int
    pledged: int


class RosterOut(Schema):
    security: str
    as_of: dt.date
    top: int | None
    holders: int
    lots: int
    total_quantity: int
    issued_capital: int
    seconds: float
    items: list[HolderOut]  # this page of the roster, in its ranking
    next_cursor: int | None  # pass as `cursor` for the next page; null: the roster's last page


@router.get(
    "/holders",
    response=RosterOut,
    summary="证券持有人名册：截至 as_of 日日终（由登记变动记录重放），全部或前 top 名；发行人限本机构证券；游标分页",
)
@allow(STAFF, Role.ISSUER)
def register_holders(
    request: SignedInRequest, security: str, as_of: dt.date, page: Query[CursorIn], top: int | None = None
) -> dict[str, Any]:
    found = Security.objects.filter(code=security).first()
    if found is None:
        raise NotFound(f"证券 {security} 不存在。", code="register.security_unknown")
    check_may_query(user=request.user, security=found)
    if as_of > business_today():
        raise CsdpError("查询日期不能晚于今天（名册为该日日终的数据）。", code="register.query_future")
    if top is not None and top < 1:
        raise CsdpError("top 应为正整数。", code="register.query_paging")
    roster = roster_as_of(security=found, as_of=as_of, top=top)
    # The roster's ranking is the order: the cursor counts the lots already given (csdp/lib/cursor.py).
    lots = roster.with_percent()
    rows = lots.slice(page.cursor, page.limit).to_dicts()
    next_cursor = page.cursor + page.limit if page.cursor + page.limit < lots.height else None
    RosterQuery.objects.create(
        kind=RosterQuery.Kind.HOLDERS,
        security=found,
        as_of=as_of,
        top=top,
        file_format="json",
        rows=len(rows),
        asked_by=request.user,
        institution_id=request.user.institution_id,
        asked_at=clock_now(),
    )
    return {**roster.summary(), "items": rows, "next_cursor": next_cursor}


class HoldingFileOut(Schema):
    id: int
    name: str
    security: str
    business: str
    file_format: str
    rows: int
    sha256: str
    business_date: dt.date


@router.get("/files", response=page_of(HoldingFileOut), summary="持股变动数据文件（GFBD；按发布先后，游标分页）")
@allow(STAFF, Role.PARTICIPANT)
def register_files(request: SignedInRequest, page: Query[CursorIn]) -> dict[str, Any]:
    rows = HoldingChangeFile.objects.visible_to(request.user).select_related("security")
    return cursor_page(rows, page, out=_holding_file_out)


def _holding_file_out(f: HoldingChangeFile) -> dict[str, Any]:
    return {
        "id": f.pk,
        "name": f.path,
        "security": f.security.code,
        "business": f.business,
        "file_format": f.file_format,
        "rows": f.rows,
        "sha256": f.sha256,
        "business_date": f.business_date,
    }


@router.get("/files/{holding_file_id}/content", summary="下载持股变动数据文件")
@allow(STAFF, Role.PARTICIPANT)
def register_file_content(request: SignedInRequest, holding_file_id: int) -> HttpResponseBase:
    record = access_object(request.user, HoldingChangeFile, pk=holding_file_id)
    return published_file_response(record.path)
