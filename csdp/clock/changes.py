"""Calendar changes under four-eyes (issue 20 §2): closing or reopening a trading day moves every T±n
date of every offering and every deadline, so one administrator prepares it and another staff user
approves it; the change is applied by closed_day_add / closed_day_remove / calendar_year_load.

csdp.approvals sits above the clock (it reads business time from it): the prepares go through
csdp.accounts.four_eyes, and approvals registers the three kinds below with their ``*_apply`` functions
(csdp/approvals/platform_kinds.py)."""

from __future__ import annotations

import datetime as dt

from csdp.accounts.four_eyes import four_eyes_prepare, stamped_key
from csdp.clock.models import CalendarYear, ClosedDay
from csdp.clock.services import CalendarError, calendar_year_load, closed_day_add, closed_day_remove


CLOSE_DAY = "clock.close_day"
OPEN_DAY = "clock.open_day"
LOAD_YEAR = "clock.load_year"


def close_day_apply(approval) -> dict:
    day = dt.date.fromisoformat(approval.payload["日期"])
    closed_day_add(day=day, reason=approval.payload["原因"], actor=approval.prepared_by)
    return {"休市日": day.isoformat(), "结果": "已登记休市"}


def open_day_apply(approval) -> dict:
    day = dt.date.fromisoformat(approval.payload["日期"])
    closed_day_remove(day=day, reason=approval.payload["原因"], actor=approval.prepared_by)
    return {"日期": day.isoformat(), "结果": "已取消休市"}


def closed_day_add_prepare(*, day: dt.date, reason: str, by):
    """Checked now (so the administrator hears at once why not) and again when applied."""
    if day.weekday() >= 5:
        raise CalendarError("周末本就休市，无需登记。")
    if ClosedDay.objects.filter(date=day).exists():
        raise CalendarError(f"{day} 已是休市日。")
    return four_eyes_prepare(
        kind=CLOSE_DAY,
        key=stamped_key("calendar-close", day.isoformat()),
        summary=f"登记休市日 {day}（{reason}）",
        payload={"日期": day.isoformat(), "原因": reason},
        by=by,
    )


def closed_day_remove_prepare(*, day: dt.date, reason: str, by):
    if not ClosedDay.objects.filter(date=day).exists():
        raise CalendarError(f"{day} 不是已登记的休市日。")
    return four_eyes_prepare(
        kind=OPEN_DAY,
        key=stamped_key("calendar-open", day.isoformat()),
        summary=f"取消休市日 {day}（{reason or '管理员取消'}）",
        payload={"日期": day.isoformat(), "原因": reason or "管理员取消"},
        by=by,
    )


def load_year_apply(approval) -> dict:
    closed = {dt.date.fromisoformat(day): reason for day, reason in approval.payload["_closed"].items()}
    calendar_year_load(
        year=approval.payload["年度"], closed=closed, source=approval.payload["来源"], actor=approval.prepared_by
    )
    return {"年度": approval.payload["年度"], "休市日": len(closed), "结果": "已导入"}


def calendar_year_load_prepare(*, year: int, closed: dict[dt.date, str], source: str, by):
    """A year's closed days change every T±n of that year: prepared by one administrator, applied
    when another staff user approves (checked now, and again when applied)."""
    if CalendarYear.objects.filter(year=year).exists():
        raise CalendarError(
            f"{year} 年休市安排已导入；个别日期请在交易日历页面登记或取消。", code="calendar.year_loaded"
        )
    days = ", ".join(f"{day:%m-%d}" for day in sorted(closed)[:12]) + ("…" if len(closed) > 12 else "")
    return four_eyes_prepare(
        kind=LOAD_YEAR,
        key=stamped_key("calendar-load", dt.date(year, 1, 1).isoformat()),
        summary=f"导入 {year} 年休市安排：{len(closed)} 个休市日（{days}；来源：{source}）",
        payload={
            "年度": year,
            "_closed": {d.isoformat(): r for d, r in sorted(closed.items())},
            "休市日": len(closed),
            "来源": source,
        },
        by=by,
    )
