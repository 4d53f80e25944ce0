"""`csdp eod run`: every end-of-day step due on a business date, in the order of 附件1."""
from __future__ import annotations

import datetime as dt

from csdp.clock.services import business_today, is_trading_day
from csdp.ipo.eod.files import publish, t1_frames, t_frames
from csdp.ipo.eod.runner import StepReport, StepResult, run_step
from csdp.ipo.eod.t1_day import t1_settle_day
from csdp.ipo.eod.t_day import t_clearing
from csdp.ipo.errors import IpoError
from csdp.ipo.models import EodStep, Offering, OfferingStatus


def _files_step(frames_of, day_of):
    def work(offering: Offering) -> StepResult:
        frames = frames_of(offering)
        return StepResult(rows=publish(offering, frames, day_of(offering)),
                          detail={"types": sorted(frames)})
    return work


def eod_run(day: dt.date | None = None, *, actor=None) -> list[StepReport]:
    day = day or business_today()
    if not is_trading_day(day):
        raise IpoError(f"{day} 不是交易日，没有日终处理。")
    reports: list[StepReport] = []
    # T EOD (002 §4.1.1). An offering that failed before T EOD gets no 申购清算数据 (002 §5.1).
    for offering in Offering.objects.filter(t_date=day, status=OfferingStatus.SUBSCRIBING).order_by("code"):
        reports.append(run_step(offering, EodStep.T_CLEARING, t_clearing))
    for offering in Offering.objects.filter(t_date=day, status=OfferingStatus.CLEARED).order_by("code"):
        reports.append(run_step(offering, EodStep.T_FILES, _files_step(t_frames, lambda o: o.t_date)))
    # T+1 EOD (002 §4.1.2–4.1.3): all offerings of the day together.
    reports.extend(t1_settle_day(day=day, actor=actor))
    for offering in Offering.objects.filter(status__in=[OfferingStatus.SETTLED, OfferingStatus.PAID]).order_by("code"):
        if offering.day(1) == day:
            reports.append(run_step(offering, EodStep.T1_FILES, _files_step(t1_frames, lambda o: o.day(1))))
    return reports
