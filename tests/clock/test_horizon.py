"""Issue 14, calendar horizon: the calendar answers only for the years an administrator loaded
(2024–2026 from the exchanges' notices); beyond them every date computation is refused with a Chinese
message until the year is loaded (page or `csdp calendar load`), and staff are warned 60 days ahead."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from csdp.clock.demo import demo_calendar_load
from csdp.clock.models import CalendarYear, ClosedDay
from csdp.clock.services import (
    CalendarError,
    calendar_horizon,
    calendar_horizon_warning,
    calendar_year_load,
    clock_set,
    closed_days_parse,
    is_trading_day,
    trading_day_offset,
)

pytestmark = pytest.mark.django_db

D = dt.date.fromisoformat


def test_new_years_day_2027_is_not_counted_as_a_trading_day_before_the_year_is_loaded():
    assert calendar_horizon() == D("2026-12-31")
    with pytest.raises(CalendarError, match="2027 年的休市安排尚未导入") as refused:
        is_trading_day(D("2027-01-01"))
    assert refused.value.code == "calendar.beyond_horizon"
    with pytest.raises(CalendarError, match="交易日历已维护至 2026-12-31"):
        trading_day_offset(D("2026-12-31"), 1)


def test_once_loaded_the_year_answers_and_its_holidays_are_closed():
    calendar_year_load(year=2027, closed={D("2027-01-01"): "元旦"}, source="测试", actor=None)
    assert not is_trading_day(D("2027-01-01"))
    assert trading_day_offset(D("2026-12-31"), 1) == D("2027-01-04")
    assert calendar_horizon() == D("2027-12-31")
    with pytest.raises(CalendarError, match="已导入"):
        calendar_year_load(year=2027, closed={D("2027-01-01"): "元旦"}, source="测试", actor=None)


def test_a_file_with_bad_lines_is_refused_whole_listing_every_line():
    with pytest.raises(CalendarError) as refused:
        closed_days_parse("date,reason\n2027-01-01,元旦\n2027-01-02,周六\n2026-10-01,国庆\nxx,?\n", year=2027)
    assert [p.row for p in refused.value.problems] == [3, 4, 5]
    assert "2027-01-02 是周末" in str(refused.value)
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_staff_are_warned_sixty_days_before_the_horizon_and_not_earlier():
    assert calendar_horizon_warning(D("2026-10-31")) == ""
    assert "2026-12-31（还有 60 天）" in calendar_horizon_warning(D("2026-11-01"))
    assert "已过期" in calendar_horizon_warning(D("2027-01-04"))


def test_the_staff_home_page_warns_and_a_member_home_page_does_not(cast, client_for):
    clock_set(moment=dt.datetime(2026, 12, 5, 10), frozen=True)
    assert "交易日历只维护至 2026-12-31" in client_for(cast.operator).get("/").content.decode()
    assert "交易日历只维护至" not in client_for(cast.participant).get("/").content.decode()
    demo_calendar_load(2027)
    assert "交易日历只维护至" not in client_for(cast.operator).get("/").content.decode()


def test_the_administrator_loads_a_year_from_a_file_on_the_calendar_page_and_another_approves(cast, client_for):
    from csdp.approvals.models import Approval
    from csdp.approvals.services import approval_approve

    upload = SimpleUploadedFile("2027.csv", "2027-01-01,元旦\n2027-02-08,春节\n".encode())
    response = client_for(cast.admin).post("/calendar/years/", {"year": 2027, "file": upload})
    assert response.status_code == 302
    assert not CalendarYear.objects.filter(year=2027).exists()  # four-eyes: nothing until approved
    approval_approve(approval=Approval.objects.get(kind="clock.load_year"), by=cast.reviewer)
    assert set(ClosedDay.objects.filter(date__year=2027).values_list("date", flat=True)) == {
        D("2027-01-01"),
        D("2027-02-08"),
    }
    assert CalendarYear.objects.get(year=2027).loaded_by == cast.admin
    page = client_for(cast.admin).get("/calendar/?year=2028").content.decode()
    assert "2028 年的休市安排尚未导入" in page


def test_the_calendar_load_command_loads_a_file_and_refuses_exchange_calendars_without_the_year(tmp_path):
    source = tmp_path / "2027.csv"
    source.write_text("2027-01-01,元旦\n", encoding="utf-8")
    out = io.StringIO()
    call_command("calendar", "load", "2027", "--file", str(source), stdout=out)
    assert "已导入 2027 年休市安排：1 个休市日" in out.getvalue()
    assert not is_trading_day(D("2027-01-01"))
    with pytest.raises(CommandError, match="exchange_calendars 数据尚无 2028 年"):
        call_command("calendar", "load", "2028", "--exchange-calendars", stdout=io.StringIO())
