import datetime as dt

from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from csdp.accounts.access import ANY_ROLE, allow
from csdp.clock.services import clock_now, trading_day_offset, trading_days_between
from csdp.lib.cursor import CursorIn, cursor_page, page_of

router = Router(tags=["交易日历"])


class ClockOut(Schema):
    now: dt.datetime
    today: dt.date


@router.get("/clock", response=ClockOut, summary="业务时钟")
@allow(ANY_ROLE)
def clock(request):
    now = clock_now()
    return {"now": timezone.localtime(now), "today": timezone.localtime(now).date()}  # business (Beijing) date


@router.get("/trading-days", response=page_of(dt.date, "TradingDayPage"), summary="区间内的交易日（游标分页）")
@allow(ANY_ROLE)
def trading_days(request, start: dt.date, end: dt.date, page: Query[CursorIn]):
    if end < start or (end - start).days > 800:
        raise HttpError(422, "区间无效：结束日须不早于开始日，且不超过 800 天。")
    return cursor_page(trading_days_between(start, end), page)


@router.get("/offset", response=dt.date, summary="T±n 交易日")
@allow(ANY_ROLE)
def offset(request, day: dt.date, n: int):
    return trading_day_offset(day, n)
