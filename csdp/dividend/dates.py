"""The distribution's dates from the record date R and the trading calendar (rules.md §12, §6).

Default rule (configurable by environment, each an offset in trading days from R):

    除权除息日  R+1   CSDP_DIVIDEND_EX_OFFSET      (rules.md §12, confirmed)
    派息日      R+1   CSDP_DIVIDEND_PAY_OFFSET     (SSE A-share practice: cash on the ex-date; assumption)
    红股上市日  R+2   CSDP_DIVIDEND_LIST_OFFSET    (bonus shares trade the day after the ex-date; assumption)
    代派资金截止 R−2   CSDP_DIVIDEND_FUNDING_DAYS_BEFORE (2)(SSE practice R−2, rules.md §12: deadline an assumption)

R itself must be a trading day (ChinaClear offers no register for non-trading days, rules.md §11).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from csdp.clock.services import is_trading_day, trading_day_offset


@dataclass(frozen=True)
class Dates:
    record_date: dt.date
    ex_date: dt.date
    pay_date: dt.date
    list_date: dt.date
    funding_deadline: dt.date


def dates_for(record_date: dt.date) -> Dates:
    if not is_trading_day(record_date):
        raise ValueError(f"股权登记日 {record_date} 不是交易日。")
    offsets = settings.CSDP_DIVIDEND_OFFSETS
    return Dates(
        record_date=record_date,
        ex_date=trading_day_offset(record_date, offsets["ex"]),
        pay_date=trading_day_offset(record_date, offsets["pay"]),
        list_date=trading_day_offset(record_date, offsets["list"]),
        funding_deadline=trading_day_offset(record_date, offsets["funding"]),
    )
