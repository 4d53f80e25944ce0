"""The demo world's calendar: the demo runs on today's date, and from December on its offerings' T+n
reach into the next year, which the calendar refuses until that year is loaded. The demo loads a
labelled placeholder for 2027 (New Year's Day only), never the production calendar."""

from __future__ import annotations

from pathlib import Path

from csdp.clock.models import CalendarYear
from csdp.accounts.demo import register_seeder
from csdp.clock.services import calendar_year_load, closed_days_parse, business_today, calendar_horizon
import datetime as dt

DEMO_YEAR_FILE = Path(__file__).with_name("data") / "2027-demo.csv"
DEMO_SOURCE = "演示数据（仅含元旦，非交易所公告）"


def demo_calendar_load(year: int = 2027) -> None:
    if not CalendarYear.objects.filter(year=year).exists():
        closed = closed_days_parse(DEMO_YEAR_FILE.read_text(encoding="utf-8"), year=year)
        calendar_year_load(year=year, closed=closed, source=DEMO_SOURCE, actor=None)


DEMO_REACH_DAYS = 21  # the demo's furthest date from today: an offering's T+9 listing, a fee's T+5 due date


@register_seeder(order=5)  # before any seeder computes T+n from today
def seed_calendar() -> None:
    """Only where needed: when the demo's dates would reach past the maintained horizon."""
    horizon = calendar_horizon()
    reach = business_today() + dt.timedelta(days=DEMO_REACH_DAYS)
    if horizon is not None and horizon.year == 2026 and reach > horizon:  # the placeholder covers 2027 only
        demo_calendar_load(2027)
