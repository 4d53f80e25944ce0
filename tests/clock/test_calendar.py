"""The trading calendar (rules.md §6; csdp/clock/holidays.py) against the exchanges' sessions, and
T±n arithmetic across the long holidays (seed 002 附件1 counts every deadline in trading days)."""

from __future__ import annotations

import datetime as dt

import pytest

from csdp.clock.models import ClosedDay
from csdp.clock.services import (
    CalendarError,
    closed_day_add,
    closed_day_remove,
    is_trading_day,
    next_trading_day,
    trading_day_offset,
    trading_days_between,
)

pytestmark = pytest.mark.django_db

D = dt.date.fromisoformat


def _xshg_sessions(start: dt.date, end: dt.date) -> list[dt.date]:
    import exchange_calendars

    calendar = exchange_calendars.get_calendar("XSHG", start=start.isoformat(), end=end.isoformat())
    return [ts.date() for ts in calendar.sessions_in_range(start.isoformat(), end.isoformat())]


@pytest.mark.filterwarnings("ignore:Series.values returning an ndarray")  # inside exchange_calendars
def test_every_day_from_2024_to_2026_is_a_trading_day_exactly_when_the_shanghai_exchange_opens():
    start, end = D("2024-01-02"), D("2026-12-31")
    sessions = set(_xshg_sessions(start, end))
    day, wrong = start, []
    while day <= end:
        if is_trading_day(day) != (day in sessions):
            wrong.append(f"{day}: ours {is_trading_day(day)}, XSHG {day in sessions}")
        day += dt.timedelta(days=1)
    assert wrong == []
    assert trading_days_between(start, end) == sorted(sessions)


@pytest.mark.parametrize("year, count", [(2024, 242), (2025, 243), (2026, 242)])
def test_each_year_has_the_number_of_trading_days_the_exchanges_announced(year, count):
    assert len(trading_days_between(dt.date(year, 1, 1), dt.date(year, 12, 31))) == count


def test_t_plus_one_from_the_last_day_before_the_spring_festival_is_the_first_day_after_it():
    # 2026 春节: closed Mon 16 Feb to Mon 23 Feb; the weekends around it are closed too.
    assert trading_day_offset(D("2026-02-13"), 1) == D("2026-02-24")
    assert trading_day_offset(D("2026-02-12"), 2) == D("2026-02-24")
    assert trading_day_offset(D("2026-02-24"), -1) == D("2026-02-13")
    assert trading_day_offset(D("2026-02-24"), -2) == D("2026-02-12")


def test_t_plus_n_counts_from_a_holiday_to_the_next_trading_days():
    assert trading_day_offset(D("2026-02-18"), 1) == D("2026-02-24")
    assert trading_day_offset(D("2026-02-18"), -1) == D("2026-02-13")


def test_t_plus_n_steps_over_national_day_and_its_weekend():
    # 2026 国庆: closed 1–2 and 5–7 October; 3–4 October is a weekend.
    assert trading_day_offset(D("2026-09-30"), 1) == D("2026-10-08")
    assert trading_day_offset(D("2026-09-29"), 3) == D("2026-10-09")
    assert trading_day_offset(D("2026-10-08"), -1) == D("2026-09-30")
    # Mid-Autumn (Fri 25 Sep) sits one week earlier: T-5 from 8 Oct reaches back over both.
    assert trading_day_offset(D("2026-10-08"), -5) == D("2026-09-23")


def test_t_plus_one_across_new_year_2026_skips_the_second_of_january():
    assert trading_day_offset(D("2025-12-31"), 1) == D("2026-01-05")
    assert next_trading_day(D("2025-12-31")) == D("2026-01-05")


def test_t_plus_zero_on_a_weekend_is_refused():
    with pytest.raises(CalendarError, match="不是交易日"):
        trading_day_offset(D("2026-02-14"), 0)


def test_t_plus_zero_on_a_holiday_is_refused_and_on_a_trading_day_is_the_day_itself():
    with pytest.raises(CalendarError):
        trading_day_offset(D("2026-10-01"), 0)
    assert trading_day_offset(D("2026-10-09"), 0) == D("2026-10-09")


def test_a_closed_day_added_by_the_administrator_becomes_a_holiday_at_once(cast):
    assert is_trading_day(D("2026-03-10"))
    closed_day_add(day=D("2026-03-10"), reason="临时休市", actor=cast.admin)

    assert not is_trading_day(D("2026-03-10"))
    assert trading_day_offset(D("2026-03-09"), 1) == D("2026-03-11")


def test_a_closed_day_removed_becomes_a_trading_day_again(cast):
    closed_day_remove(day=D("2026-06-19"), reason="更正", actor=cast.admin)

    assert is_trading_day(D("2026-06-19"))
    assert not ClosedDay.objects.filter(date=D("2026-06-19")).exists()


def test_a_weekend_cannot_be_registered_as_a_closed_day(cast):
    with pytest.raises(CalendarError, match="周末"):
        closed_day_add(day=D("2026-03-14"), reason="x", actor=cast.admin)


def test_a_day_already_closed_cannot_be_closed_twice_nor_an_open_day_opened(cast):
    with pytest.raises(CalendarError, match="已是休市日"):
        closed_day_add(day=D("2026-10-01"), reason="x", actor=cast.admin)
    with pytest.raises(CalendarError, match="不是已登记的休市日"):
        closed_day_remove(day=D("2026-03-10"), reason="x", actor=cast.admin)
