"""Calendar changes under four-eyes (issue 20 §2): closing or reopening a trading day moves every T±n
date of every offering and every deadline, so one administrator prepares it and another staff user
approves it (csdp.approvals); the change is applied by closed_day_add / closed_day_remove."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from csdp.accounts.roles import Role
from csdp.approvals.kinds import register_kind
from csdp.approvals.services import approval_prepare
from csdp.clock.models import ClosedDay
from csdp.clock.services import CalendarError, closed_day_add, closed_day_remove


def _apply_close(approval) -> dict:
    day = dt.date.fromisoformat(approval.payload["date"])
    closed_day_add(day=day, reason=approval.payload["reason"], actor=approval.prepared_by)
    return {"休市日": day.isoformat(), "结果": "已登记休市"}


def _apply_open(approval) -> dict:
    day = dt.date.fromisoformat(approval.payload["date"])
    closed_day_remove(day=day, reason=approval.payload["reason"], actor=approval.prepared_by)
    return {"日期": day.isoformat(), "结果": "已取消休市"}


CLOSE = register_kind(code="clock.close_day", label="登记休市日", apply=_apply_close,
                      preparers={Role.ADMIN}, approvers={Role.ADMIN, Role.REVIEWER})
OPEN = register_kind(code="clock.open_day", label="取消休市日", apply=_apply_open,
                     preparers={Role.ADMIN}, approvers={Role.ADMIN, Role.REVIEWER})


def _key(what: str, day: dt.date) -> str:
    return f"calendar-{what}:{day.isoformat()}:{timezone.now():%Y%m%d%H%M%S%f}"


def closed_day_add_prepare(*, day: dt.date, reason: str, by):
    """Checked now (so the administrator hears at once why not) and again when applied."""
    if day.weekday() >= 5:
        raise CalendarError("周末本就休市，无需登记。")
    if ClosedDay.objects.filter(date=day).exists():
        raise CalendarError(f"{day} 已是休市日。")
    return approval_prepare(kind=CLOSE.code, key=_key("close", day), summary=f"登记休市日 {day}（{reason}）",
                            payload={"date": day.isoformat(), "reason": reason}, by=by)


def closed_day_remove_prepare(*, day: dt.date, reason: str, by):
    if not ClosedDay.objects.filter(date=day).exists():
        raise CalendarError(f"{day} 不是已登记的休市日。")
    return approval_prepare(kind=OPEN.code, key=_key("open", day), summary=f"取消休市日 {day}（{reason or '管理员取消'}）",
                            payload={"date": day.isoformat(), "reason": reason or "管理员取消"}, by=by)
