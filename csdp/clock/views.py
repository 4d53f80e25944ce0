from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from csdp.accounts.access import STAFF, Role, allow
from csdp.clock.forms import ClosedDayForm
from csdp.clock.models import ClosedDay
from csdp.clock.approvals import closed_day_add_prepare, closed_day_remove_prepare
from csdp.clock.services import CalendarError, business_today, trading_days_between
from csdp.lib.errors import CsdpError


@allow(STAFF)
def calendar(request):
    try:
        year = int(request.GET.get("year") or business_today().year)
    except ValueError:
        year = business_today().year
    year = min(max(year, 2000), 2100)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return render(
        request,
        "clock/calendar.html",
        {
            "year": year,
            "closed": ClosedDay.objects.filter(date__range=(start, end)),
            "trading_day_count": len(trading_days_between(start, end)),
            "form": ClosedDayForm(),
            "can_edit": request.user.role == Role.ADMIN,
        },
    )


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
        closed_day_remove_prepare(day=dt.date.fromisoformat(day), reason=request.POST.get("reason", ""), by=request.user)
        messages.success(request, f"取消休市日 {day} 已提交，须由另一名工作人员复核后生效。")
    except CsdpError as error:
        messages.error(request, error.message)
    except ValueError:
        messages.error(request, "日期格式不正确。")
    return redirect("clock:calendar")
