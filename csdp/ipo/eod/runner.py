from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl
from django.db import DatabaseError, transaction

from csdp.clock.services import business_today, clock_now
from csdp.ipo.eod.checks import eod_step_check
from csdp.ipo.errors import IpoError
from csdp.ipo.models import EodStepRun, Offering, ParticipantFile
from csdp.lib.publish import publish_pending, staged_files
from django.conf import settings

logger = logging.getLogger(__name__)


@dataclass
class StepResult:
    rows: int
    detail: dict = field(default_factory=dict)
    # The step's order outcomes when it has them in hand, for the conservation checks (never stored).
    outcomes: pl.DataFrame | None = None


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
    try:
        return run_step(offering, step, work)
    except IpoError as error:
        step_failure_record(offering, step, error.message)
        return StepReport(step, offering.code, 0.0, 0, skipped=False, error=error.message)
    except DatabaseError:
        # A write the database refused (a constraint): the step rolled back whole. Staff get a reason in
        # Chinese on the offering page and in 待办; the raw error goes to the log for the engineers.
        logger.exception("EOD step %s of %s refused by the database", step, offering.code)
        message = "数据库拒绝了本步骤的写入（数据约束未通过），本步骤已全部回滚；请联系技术支持核查后重新运行日终。"
        step_failure_record(offering, step, message)
        return StepReport(step, offering.code, 0.0, 0, skipped=False, error=message)


def step_failure_record(offering: Offering, step: str, message: str) -> None:
    """Keep why a step of an offering failed, for the offering page and the staff 待办 (its writes were
    rolled back; a later successful run replaces this row with the done one)."""
    with transaction.atomic():
        if step_done(offering, step):
            return
        EodStepRun.objects.update_or_create(
            offering_id=offering.pk,
            step=step,
            defaults={
                "business_date": business_today(),
                "status": EodStepRun.Status.FAILED,
                "rows": 0,
                "seconds": 0,
                "detail": {},
                "error": message[:1000],
                "finished_at": clock_now(),
            },
        )


def _files_recovered(offering: Offering) -> None:
    """Files a committed step recorded but a crash kept under their .part names are put in place."""
    records = ParticipantFile.objects.filter(offering=offering).values_list("path", "sha256")
    recovered = publish_pending(settings.CSDP_FILES_DIR, records.iterator())
    if recovered:
        logging.getLogger(__name__).warning(
            "%s: %d participant files put in place after a crash", offering.code, recovered
        )


def run_step(offering: Offering, step: str, work: Callable[[Offering], StepResult]) -> StepReport:
    """Run ``work`` once for (offering, step). Its writes and the completion record commit together."""
    _files_recovered(offering)
    if step_done(offering, step):
        return StepReport(step, offering.code, 0.0, 0, skipped=True)
    started = time.perf_counter()
    # Files reach their names only after the step's commit (csdp/lib/publish.py): a crash never leaves a
    # participant file the database does not know.
    with staged_files(), transaction.atomic():
        locked = Offering.objects.select_for_update().get(pk=offering.pk)
        if step_done(locked, step):  # another runner finished it while we waited for the lock
            return StepReport(step, offering.code, 0.0, 0, skipped=True)
        result = work(locked)
        # The register's and the money's invariants, before commit: a violation stops the step whole.

        eod_step_check(locked, step, outcomes=result.outcomes)
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
                "error": "",
            },
        )
    offering.refresh_from_db()
    return StepReport(step, offering.code, seconds, result.rows, skipped=False)
