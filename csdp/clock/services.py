"""The business clock and the trading calendar.

Every deadline (seed 002 附件1: T+1 15:30 declarations, 16:00 deposits) and every "effective the
next day" rule (seed 000 §二(二)(三)) reads time through clock_now() and dates through
business_today(), never datetime.now().
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from csdp.clock.models import BusinessClock, ClosedDay
from csdp.lib.errors import CsdpError

SHANGHAI = ZoneInfo("Asia/Shanghai")
_CACHE_S = 1.0  # other processes see a clock change within a second


class CalendarError(CsdpError, ValueError):
    """A calendar change or a T±n outside the calendar refused (a ValueError too: callers parse dates)."""

    code = "calendar.refused"


class _State(threading.local):
    clock: tuple[float, int, dt.datetime | None] | None = None  # (read at, offset_s, frozen_at)
    closed: tuple[float, frozenset[dt.date]] | None = None


_state = _State()


def _clock_row() -> tuple[int, dt.datetime | None]:
    cached = _state.clock
    if cached and time.monotonic() - cached[0] < _CACHE_S:
        return cached[1], cached[2]
    row = BusinessClock.objects.filter(pk=1).values_list("offset_s", "frozen_at").first()
    offset_s, frozen_at = row if row else (0, None)
    _state.clock = (time.monotonic(), offset_s, frozen_at)
    return offset_s, frozen_at


def clock_now() -> dt.datetime:
    """Business time (aware). Real time unless a settable clock has been set."""
    real = timezone.now()
    if not settings.CSDP_CLOCK_SETTABLE:
        return real
    offset_s, frozen_at = _clock_row()
    if frozen_at is not None:
        return frozen_at
    return real + dt.timedelta(seconds=offset_s)


def business_today() -> dt.date:
    return clock_now().astimezone(SHANGHAI).date()


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(SHANGHAI)


def at_local(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    """An aware datetime for a Beijing wall-clock time on a day, e.g. T+1 15:30."""
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=SHANGHAI)


@transaction.atomic
def clock_set(*, moment: dt.datetime, frozen: bool = False) -> dt.datetime:
    if not settings.CSDP_CLOCK_SETTABLE:
        raise CalendarError("生产环境中业务时钟为真实时间，不能设置。")
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=SHANGHAI)
    row, _ = BusinessClock.objects.select_for_update().get_or_create(pk=1)
    if frozen:
        row.frozen_at, row.offset_s = moment, 0
    else:
        row.frozen_at = None
        row.offset_s = int((moment - timezone.now()).total_seconds())
    row.save()
    _state.clock = None
    return clock_now()


@transaction.atomic
def clock_reset() -> None:
    BusinessClock.objects.filter(pk=1).delete()
    _state.clock = None


# --- trading calendar -------------------------------------------------------------------------

def _closed_days() -> frozenset[dt.date]:
    cached = _state.closed
    if cached and time.monotonic() - cached[0] < _CACHE_S:
        return cached[1]
    days = frozenset(ClosedDay.objects.values_list("date", flat=True))
    _state.closed = (time.monotonic(), days)
    return days


def calendar_invalidate() -> None:
    _state.closed = None


def is_trading_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _closed_days()


def trading_day_offset(day: dt.date, n: int) -> dt.date:
    """T±n: the n-th trading day after (n > 0) or before (n < 0) ``day``; n = 0 requires a trading day."""
    if n == 0:
        if not is_trading_day(day):
            raise CalendarError(f"{day} 不是交易日。")
        return day
    step = 1 if n > 0 else -1
    remaining = abs(n)
    current = day
    for _ in range(366 * 2):
        current += dt.timedelta(days=step)
        if is_trading_day(current):
            remaining -= 1
            if remaining == 0:
                return current
    raise CalendarError(f"{day} 起 {n} 个交易日超出日历范围。")


def next_trading_day(day: dt.date) -> dt.date:
    return trading_day_offset(day, 1)


def trading_days_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """Trading days in [start, end]."""
    out, current = [], start
    while current <= end:
        if is_trading_day(current):
            out.append(current)
        current += dt.timedelta(days=1)
    return out


@transaction.atomic
def closed_day_add(*, day: dt.date, reason: str, actor) -> ClosedDay:
    from csdp.audit.services import audit_record

    if day.weekday() >= 5:
        raise CalendarError("周末本就休市，无需登记。")
    if ClosedDay.objects.filter(date=day).exists():
        raise CalendarError(f"{day} 已是休市日。")
    row = ClosedDay.objects.create(
        date=day, reason=reason.strip() or "休市", created_by=actor if getattr(actor, "is_authenticated", False) else None
    )
    audit_record(actor=actor, obj=row, action="calendar.close", to_state="closed", reason=row.reason)
    calendar_invalidate()
    return row


@transaction.atomic
def closed_day_remove(*, day: dt.date, reason: str, actor) -> None:
    from csdp.audit.services import audit_record

    row = ClosedDay.objects.select_for_update().filter(date=day).first()
    if row is None:
        raise CalendarError(f"{day} 不是已登记的休市日。")
    audit_record(actor=actor, obj=row, action="calendar.open", from_state="closed", to_state="open", reason=reason)
    row.delete()
    calendar_invalidate()
