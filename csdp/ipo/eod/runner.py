from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from csdp.clock.services import business_today, clock_now
from csdp.ipo.models import EodStepRun, Offering


@dataclass
class StepResult:
    rows: int
    detail: dict = field(default_factory=dict)


@dataclass
class StepReport:
    step: str
    offering: str
    seconds: float
    rows: int
    skipped: bool
    error: str = ""  # the step was refused (IpoError); nothing of it was written


def step_done(offering: Offering, step: str) -> bool:
    return EodStepRun.objects.filter(offering=offering, step=step, status=EodStepRun.Status.DONE).exists()


def run_step_reporting(offering: Offering, step: str, work: Callable[[Offering], StepResult]) -> StepReport:
    """run_step, but a refused step is reported instead of raised, so one offering's problem does
    not hold up every other offering's end of day."""
    from csdp.ipo.errors import IpoError

    try:
        return run_step(offering, step, work)
    except IpoError as error:
        return StepReport(step, offering.code, 0.0, 0, skipped=False, error=error.message)


def run_step(offering: Offering, step: str, work: Callable[[Offering], StepResult]) -> StepReport:
    """Run ``work`` once for (offering, step). Its writes and the completion record commit together."""
    if step_done(offering, step):
        return StepReport(step, offering.code, 0.0, 0, skipped=True)
    started = time.perf_counter()
    with transaction.atomic():
        locked = Offering.objects.select_for_update().get(pk=offering.pk)
        if step_done(locked, step):  # another runner finished it while we waited for the lock
            return StepReport(step, offering.code, 0.0, 0, skipped=True)
        result = work(locked)
        seconds = time.perf_counter() - started
        EodStepRun.objects.update_or_create(
            offering=locked,
            step=step,
            defaults={
                "business_date": business_today(),
                "status": EodStepRun.Status.DONE,
                "rows": result.rows,
                "seconds": round(seconds, 3),
                "detail": result.detail,
                "finished_at": clock_now(),
            },
        )
    offering.refresh_from_db()
    return StepReport(step, offering.code, seconds, result.rows, skipped=False)
