"""The business clock and the trading calendar.

Every deadline (seed 002 附件1: T+1 15:30 declarations, 16:00 deposits) and every "effective the
next day" rule (seed 000 §二(二)(三)) reads time through clock_now() and dates through
business_today(), never datetime.now().
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from csdp.audit.services import audit_record
from csdp.clock.models import BusinessClock, CalendarYear, ClosedDay
from csdp.lib.errors import CsdpError, Problem

SHANGHAI = ZoneInfo("Asia/Shanghai")
_CACHE_S = 1.0  # other processes see a clock change within a second


class CalendarError(CsdpError, ValueError):
    """A calendar change or a T±n outside the calendar refused (a ValueError too: callers parse dates)."""

    code = "calendar.refused"


HORIZON_WARNING_DAYS = 60  # the staff home page warns this many days before the calendar's horizon


class _State(threading.local):
    clock: tuple[float, int, dt.datetime | None] | None = None  # (read at, offset_s, frozen_at)
    closed: tuple[float, frozenset[dt.date], frozenset[int]] | None = None  # (read at, closed days, years)


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


@contextmanager
def clock_moved_to(moment: dt.datetime) -> Iterator[dt.datetime]:
    """The clock frozen at ``moment`` inside the block (a demo seeder doing a past day's business through
    the services), then put back exactly as it was — frozen, offset or real — whatever the block raised."""
    saved = BusinessClock.objects.filter(pk=1).values("offset_s", "frozen_at").first()
    try:
        yield clock_set(moment=moment, frozen=True)
    finally:
        if saved is None:
            BusinessClock.objects.filter(pk=1).delete()
        else:
            BusinessClock.objects.update_or_create(pk=1, defaults=saved)
        _state.clock = None


# --- trading calendar -------------------------------------------------------------------------


def _calendar() -> tuple[frozenset[dt.date], frozenset[int]]:
    """The closed days and the maintained years, read again after a second (other processes edit them)."""
    cached = _state.closed
    if cached and time.monotonic() - cached[0] < _CACHE_S:
        return cached[1], cached[2]
    days = frozenset(ClosedDay.objects.values_list("date", flat=True))
    years = frozenset(CalendarYear.objects.values_list("year", flat=True))
    _state.closed = (time.monotonic(), days, years)
    return days, years


def _closed_days() -> frozenset[dt.date]:
    return _calendar()[0]


def calendar_invalidate() -> None:
    _state.closed = None


def calendar_horizon() -> dt.date | None:
    """The last day the calendar answers for: 31 December of the last maintained year."""
    years = _calendar()[1]
    return dt.date(max(years), 12, 31) if years else None


def calendar_years() -> list[int]:
    return sorted(_calendar()[1])


def _check_maintained(day: dt.date) -> None:
    if day.year not in _calendar()[1]:
        horizon = calendar_horizon()
        known = f"交易日历已维护至 {horizon}" if horizon else "交易日历尚未维护任何年度"
        raise CalendarError(
            f"{known}，{day.year} 年的休市安排尚未导入，不能计算 {day} 的交易日。"
            f"请管理员在“交易日历”页面导入 {day.year} 年休市安排（或运行 csdp calendar load {day.year}）后再办理。",
            code="calendar.beyond_horizon",
        )


def calendar_horizon_warning(today: dt.date | None = None) -> str:
    """A warning for staff from 60 days before the horizon (empty otherwise)."""
    today = today or business_today()
    horizon = calendar_horizon()
    if horizon is None:
        return "交易日历尚未维护任何年度，涉及交易日的业务都将被拒绝。请管理员导入休市安排。"
    left = (horizon - today).days
    if left > HORIZON_WARNING_DAYS:
        return ""
    if left < 0:
        return f"交易日历只维护至 {horizon}，已过期：涉及此后日期的业务都将被拒绝。请管理员立即导入 {horizon.year + 1} 年休市安排。"
    return (
        f"交易日历只维护至 {horizon}（还有 {left} 天）：{horizon.year + 1} 年的休市安排导入前，"
        f"涉及 {horizon.year + 1} 年日期的业务（如 T+n 日、上市日）将被拒绝。请管理员尽快导入。"
    )


def is_trading_day(day: dt.date) -> bool:
    """Refused (CalendarError) for a day of a year whose closed days have not been loaded."""
    _check_maintained(day)
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
    if day.weekday() >= 5:
        raise CalendarError("周末本就休市，无需登记。")
    if ClosedDay.objects.filter(date=day).exists():
        raise CalendarError(f"{day} 已是休市日。")
    row = ClosedDay.objects.create(
        date=day,
        reason=reason.strip() or "休市",
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, obj=row, action="calendar.close", to_state="closed", reason=row.reason)
    calendar_invalidate()
    return row


@transaction.atomic
def closed_day_remove(*, day: dt.date, reason: str, actor) -> None:
    row = ClosedDay.objects.select_for_update().filter(date=day).first()
    if row is None:
        raise CalendarError(f"{day} 不是已登记的休市日。")
    audit_record(actor=actor, obj=row, action="calendar.open", from_state="closed", to_state="open", reason=reason)
    row.delete()
    calendar_invalidate()


def closed_days_parse(text: str, *, year: int) -> dict[dt.date, str]:
    """A year's closed weekdays from a file, one a line: ``YYYY-MM-DD,原因`` (``#`` starts a comment; a
    header line ``date,reason`` is allowed). Every problem is listed at once."""
    days, problems = {}, []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip().lstrip("\ufeff")
        if not line or line.lower().startswith("date"):
            continue
        parts = [part.strip() for part in line.replace("，", ",").split(",", 1)]
        try:
            day = dt.date.fromisoformat(parts[0])
        except ValueError:
            problems.append(Problem(f"“{parts[0]}”不是 YYYY-MM-DD 格式的日期", row=number))
            continue
        if day.year != year:
            problems.append(Problem(f"{day} 不在 {year} 年", row=number))
        elif day.weekday() >= 5:
            problems.append(Problem(f"{day} 是周末，周末本就休市，不必登记", row=number))
        elif day in days:
            problems.append(Problem(f"{day} 重复", row=number))
        else:
            days[day] = (parts[1] if len(parts) > 1 and parts[1] else "休市")[:50]
    if problems:
        raise CalendarError(
            f"{year} 年休市安排文件有 {len(problems)} 处错误，未导入。", problems=problems, code="calendar.bad_file"
        )
    if not days:
        raise CalendarError(f"文件中没有 {year} 年的休市日，未导入。", code="calendar.bad_file")
    return days


def closed_days_from_exchange_calendars(year: int) -> dict[dt.date, str]:
    """A year's closed weekdays from the exchange_calendars package's XSHG sessions (the Shanghai
    exchange; the Beijing exchange keeps the same holidays, rules.md §6), where it has the year."""
    # Imported here: exchange_calendars and pandas (~0.9 s) load only when a calendar is imported from it.
    import exchange_calendars
    import pandas as pd

    try:
        calendar = exchange_calendars.get_calendar("XSHG", start=f"{year}-01-01", end=f"{year}-12-31")
    except ValueError:
        raise CalendarError(
            f"exchange_calendars 数据尚无 {year} 年的休市安排，请用交易所公告整理的文件导入。",
            code="calendar.no_source",
        ) from None
    sessions = {d.date() for d in calendar.sessions}
    weekdays = pd.bdate_range(f"{year}-01-01", f"{year}-12-31")
    return {d.date(): "休市（exchange_calendars XSHG）" for d in weekdays if d.date() not in sessions}


@transaction.atomic
def calendar_year_load(*, year: int, closed: dict[dt.date, str], source: str, actor) -> CalendarYear:
    """An administrator loads a year's closed days: from then on the calendar answers for that year."""
    if CalendarYear.objects.select_for_update().filter(year=year).exists():
        raise CalendarError(
            f"{year} 年休市安排已导入；个别日期请在交易日历页面登记或取消。", code="calendar.year_loaded"
        )
    wrong = [day for day in closed if day.year != year or day.weekday() >= 5]
    if wrong:
        raise CalendarError(f"休市日应为 {year} 年的工作日：{', '.join(map(str, sorted(wrong)[:10]))}")
    user = actor if getattr(actor, "is_authenticated", False) else None
    existing = set(ClosedDay.objects.filter(date__year=year).values_list("date", flat=True))
    ClosedDay.objects.bulk_create(
        [
            ClosedDay(date=day, reason=reason, created_by=user)
            for day, reason in sorted(closed.items())
            if day not in existing
        ]
    )
    row = CalendarYear.objects.create(year=year, source=source[:200], loaded_by=user)
    audit_record(
        actor=user,
        obj=row,
        action="calendar.load_year",
        data={"year": year, "closed_days": len(closed), "source": source[:200]},
    )
    calendar_invalidate()
    return row
