import datetime as dt

from ninja import Query, Router, Schema
from ninja.errors import HttpError

from csdp.accounts.access import STAFF, access_object, allow
from csdp.accounts.roles import Role
from csdp.lib.cursor import CursorIn, cursor_slice
from csdp.pledge import selectors
from csdp.pledge.models import AccessState, Posting

router = Router(tags=["证券质押信息平台"])
BROWSERS = (Role.PLEDGE_USER, *STAFF)


class SummaryOut(Schema):
    """004 §十四 信息内容概要: what every user with access sees."""

    id: int
    side: str
    status: str
    security_kind: str
    amount_fen: int
    term_months: int
    published_at: dt.datetime | None


class DetailOut(SummaryOut):
    title: str
    security_code: str
    quantity_shares: int | None
    rate_min_bp: int
    rate_max_bp: int
    accepted_kinds: str
    accepted_codes: str
    valid_until: dt.date
    description: str


class BoardOut(Schema):
    detailed: bool  # false: summaries only, filters and sorting ignored (no posting within validity)
    summaries: list[SummaryOut] = []  # this page, when detailed is false
    details: list[DetailOut] = []  # this page, when detailed is true
    next_cursor: int | None  # pass as `cursor` for the next page (same filters); null: the last page


class FilterIn(Schema):
    side: str = ""
    kind: str = ""
    code: str = ""
    amount_min_fen: int | None = None
    amount_max_fen: int | None = None
    rate_max_bp: int | None = None
    term_max_months: int | None = None
    status: str = ""
    keyword: str = ""
    sort: str = "recent"


def _check_access(user) -> None:
    if user.staff_role:
        return
    profile = selectors.profile_of(user)
    if profile is None or profile.access_state != AccessState.ACTIVE:
        raise HttpError(403, "您当前没有信息平台的使用权限。")


@router.get("/postings", response=BoardOut, summary="信息浏览与筛选（无有效期内信息的用户仅得概要；游标分页）")
@allow(BROWSERS)
def pledge_postings(request, filters: Query[FilterIn], page: Query[CursorIn]):
    _check_access(request.user)
    detailed = selectors.has_valid_posting(request.user)
    data = filters.dict()
    spec = (
        selectors.BoardFilter(**{k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()})
        if detailed
        else selectors.BoardFilter()
    )
    # The board's order is the user's sort: the cursor counts the postings already given.
    rows, next_cursor = cursor_slice(selectors.board_filtered(spec), page, by_position=True)
    key = "details" if detailed else "summaries"
    return {"detailed": detailed, "next_cursor": next_cursor, key: rows}


@router.get("/postings/{posting_id}", response=DetailOut, summary="信息明细")
@allow(BROWSERS)
def pledge_posting(request, posting_id: int):
    _check_access(request.user)
    return access_object(request.user, Posting, pk=posting_id)
