"""待办 rows for staff (csdp.accounts.worklists): an offering's end-of-day step that failed, with its reason
in Chinese, and an offering whose lead underwriter had not reported its account by T."""

from __future__ import annotations

from django.urls import reverse

from csdp.clock.services import at_local, business_today, CalendarError
from csdp.ipo.seams import failed_steps, offerings_missing_underwriter_account
from csdp.accounts.worklists import WorkItem, register_staff_queue


def _t1(offering) -> str:
    try:
        return f"（{offering.day(1)}）"
    except CalendarError:  # beyond the calendar's horizon: the list still shows
        return ""


def _url(offering) -> str:
    return reverse("ipo:offering_detail", kwargs={"offering_id": offering.pk})


@register_staff_queue
def ipo_staff_items(user) -> list[WorkItem]:
    items = [
        WorkItem(
            kind="日终步骤失败",
            title=f"{run.offering.code} {run.offering.name}：{run.get_step_display()}",
            status=run.error,
            updated_at=run.finished_at or at_local(run.business_date, 0),
            url=_url(run.offering),
            needs_action=True,
        )
        for run in failed_steps()
    ]
    today = business_today()
    items += [
        WorkItem(
            kind="主承销商账户未报备",
            title=f"{o.code} {o.name}（{o.underwriter.name}）",
            status=f"申购日 {o.t_date} 前未报备自营结算备付金账户：T+1 日{_t1(o)}日终前须登记补报，否则该发行不能交收",
            updated_at=at_local(today, 0),
            url=_url(o),
            needs_action=True,
        )
        for o in offerings_missing_underwriter_account(today)
    ]
    return items
