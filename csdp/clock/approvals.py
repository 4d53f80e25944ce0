"""Calendar changes under four-eyes (issue 20 §2): closing or reopening a trading day moves every T±n
date of every offering and every deadline, so one administrator prepares it and another staff user
approves it (csdp.approvals); the change is applied by closed_day_add / closed_day_remove."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from csdp.accounts.roles import Role
from csdp.approvals.kinds import register_kind
from csdp.approvals.services import approval_prepare
from csdp.clock.models import CalendarYear, ClosedDay
from csdp.clock.services import CalendarError, calendar_year_load, closed_day_add, closed_day_remove


def _apply_close(approval) -> dict:
    day = dt.date.fromisoformat(approval.payload["日期"])
    closed_day_add(day=day, reason=approval.payload["原因"], actor=approval.prepared_by)
    return {"休市日": day.isoformat(), "结果": "已登记休市"}


def _apply_open(approval) -> dict:
    day = dt.date.fromisoformat(approval.payload["日期"])
    closed_day_remove(day=day, reason=approval.payload["原因"], actor=approval.prepared_by)
    return {"日期": day.isoformat(), "结果": "已取消休市"}


CLOSE = register_kind(
    code="clock.close_day",
    label="登记休市日",
    apply=_apply_close,
    preparers={Role.ADMIN},
    approvers={Role.ADMIN, Role.REVIEWER},
)
OPEN = register_kind(
    code="clock.open_day",
    label="取消休市日",
    apply=_apply_open,
    preparers={Role.ADMIN},
    approvers={Role.ADMIN, Role.REVIEWER},
)


def _key(what: str, day: dt.date) -> str:
    return f"calendar-{what}:{day.isoformat()}:{timezone.now():%Y%m%d%H%M%S%f}"


def closed_day_add_prepare(*, day: dt.date, reason: str, by):
    """Checked now (so the administrator hears at once why not) and again when applied."""
    if day.weekday() >= 5:
        raise CalendarError("周末本就休市，无需登记。")
    if ClosedDay.objects.filter(date=day).exists():
        raise CalendarError(f"{day} 已是休市日。")
    return approval_prepare(
        kind=CLOSE.code,
        key=_key("close", day),
        summary=f"登记休市日 {day}（{reason}）",
        payload={"日期": day.isoformat(), "原因": reason},
        by=by,
    )


def closed_day_remove_prepare(*, day: dt.date, reason: str, by):
    if not ClosedDay.objects.filter(date=day).exists():
        raise CalendarError(f"{day} 不是已登记的休市日。")
    return approval_prepare(
        kind=OPEN.code,
        key=_key("open", day),
        summary=f"取消休市日 {day}（{reason or '管理员取消'}）",
        payload={"日期": day.isoformat(), "原因": reason or "管理员取消"},
        by=by,
    )


def _apply_load_year(approval) -> dict:
    closed = {dt.date.fromisoformat(day): reason for day, reason in approval.payload["_closed"].items()}
    calendar_year_load(
        year=approval.payload["年度"], closed=closed, source=approval.payload["来源"], actor=approval.prepared_by
    )
    return {"年度": approval.payload["年度"], "休市日": len(closed), "结果": "已导入"}


LOAD_YEAR = register_kind(
    code="clock.load_year",
    label="导入年度休市安排",
    apply=_apply_load_year,
    preparers={Role.ADMIN},
    approvers={Role.ADMIN, Role.REVIEWER},
)


def calendar_year_load_prepare(*, year: int, closed: dict[dt.date, str], source: str, by):
    """A year's closed days change every T±n of that year: prepared by one administrator, applied
    when another staff user approves (checked now, and again when applied)."""
    if CalendarYear.objects.filter(year=year).exists():
        raise CalendarError(
            f"{year} 年休市安排已导入；个别日期请在交易日历页面登记或取消。", code="calendar.year_loaded"
        )
    days = ", ".join(f"{day:%m-%d}" for day in sorted(closed)[:12]) + ("…" if len(closed) > 12 else "")
    return approval_prepare(
        kind=LOAD_YEAR.code,
        key=_key("load", dt.date(year, 1, 1)),
        summary=f"导入 {year} 年休市安排：{len(closed)} 个休市日（{days}；来源：{source}）",
        payload={
            "年度": year,
            "_closed": {d.isoformat(): r for d, r in sorted(closed.items())},
            "休市日": len(closed),
            "来源": source,
        },
        by=by,
    )
