from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from csdp.accounts.access import STAFF, Role, allow
from csdp.clock.changes import calendar_year_load_prepare, closed_day_add_prepare, closed_day_remove_prepare
from csdp.clock.forms import CalendarYearForm, ClosedDayForm
from csdp.clock.models import CalendarYear, ClosedDay
from csdp.clock.services import (
    CalendarError,
    business_today,
    calendar_horizon,
    calendar_horizon_warning,
    closed_days_from_exchange_calendars,
    closed_days_parse,
    trading_days_between,
)
from csdp.lib.errors import CsdpError
from csdp.lib.web import form_errors_text


@allow(STAFF)
def calendar(request):
    try:
        year = int(request.GET.get("year") or business_today().year)
    except ValueError:
        year = business_today().year
    year = min(max(year, 2000), 2100)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    maintained = CalendarYear.objects.filter(year=year).first()
    return render(
        request,
        "clock/calendar.html",
        {
            "year": year,
            "maintained": maintained,
            "years": CalendarYear.objects.all(),
            "horizon": calendar_horizon(),
            "warning": calendar_horizon_warning(),
            "closed": ClosedDay.objects.filter(date__range=(start, end)),
            "trading_day_count": len(trading_days_between(start, end)) if maintained else None,
            "form": ClosedDayForm(),
            "year_form": CalendarYearForm(initial={"year": year}),
            "can_edit": request.user.role == Role.ADMIN,
        },
    )


@allow(Role.ADMIN)
@require_POST
def calendar_year_create(request):
    form = CalendarYearForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect("clock:calendar")
    year = form.cleaned_data["year"]
    try:
        if form.cleaned_data["file"]:
            upload = form.cleaned_data["file"]
            if upload.size > 100_000:
                raise CalendarError("休市日文件过大（应小于 100 KB）。")
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise CalendarError("休市日文件应为 UTF-8 文本。") from None
            closed, source = closed_days_parse(text, year=year), f"上传文件 {upload.name}"
        else:
            closed, source = closed_days_from_exchange_calendars(year), "exchange_calendars XSHG"
        calendar_year_load_prepare(year=year, closed=closed, source=source, by=request.user)
    except CsdpError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{year} 年休市安排（{len(closed)} 个休市日）已提交，须由另一名工作人员复核后生效。")
    return redirect(f"{reverse('clock:calendar')}?year={year}")


@allow(Role.ADMIN)
@require_POST
def closed_day_create(request):
    form = ClosedDayForm(request.POST)
    if form.is_valid():
        try:
            closed_day_add_prepare(day=form.cleaned_data["date"], reason=form.cleaned_data["reason"], by=request.user)
            messages.success(request, f"休市日 {form.cleaned_data['date']} 已提交，须由另一名工作人员复核后生效。")
        except CsdpError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, "请填写有效的日期与原因。")
    return redirect("clock:calendar")


@allow(Role.ADMIN)
@require_POST
def closed_day_delete(request, day: str):
    try:
        closed_day_remove_prepare(
            day=dt.date.fromisoformat(day), reason=request.POST.get("reason", ""), by=request.user
        )
        messages.success(request, f"取消休市日 {day} 已提交，须由另一名工作人员复核后生效。")
    except CsdpError as error:
        messages.error(request, error.message)
    except ValueError:
        messages.error(request, "日期格式不正确。")
    return redirect("clock:calendar")
