"""`csdp eod run`: every end-of-day step due on a business date, in the order of 附件1."""

from __future__ import annotations

import datetime as dt

from csdp.clock.eod import EodLine
from csdp.clock.services import business_today, is_trading_day
from csdp.ipo.issuer.detail_filings import filings_complete
from csdp.ipo.eod.participant_files import publish, registration_frames, t1_frames, t_frames
from csdp.ipo.eod.registration import registration
from csdp.ipo.eod.runner import StepReport, StepResult, run_step_reporting
from csdp.ipo.eod.t1_day import t1_settle_day
from csdp.ipo.eod.t_day import t_clearing
from csdp.ipo.errors import IpoError
from csdp.ipo.models import EodStep, EodStepRun, Offering, OfferingStatus, StopStage
from csdp.ipo.selectors import eod_frames
from csdp.ipo.failure.stop import stop_unfreeze, stop_unfreeze_due
from csdp.ipo.transitions import offering_transition
from csdp.register.services import security_code_switch
from csdp.restrictions.switch import restrictions_follow_code_switch
from csdp.securities.models import Security, SecurityStatus
from csdp.securities.services import security_status_change


def _files_step(frames_of, day_of):
    def work(offering: Offering) -> StepResult:
        frames = frames_of(offering)
        return StepResult(rows=publish(offering, frames, day_of(offering)), detail={"types": sorted(frames)})

    return work


def _registration_files(offering: Offering) -> StepResult:
    frames, participants = registration_frames(offering)
    return StepResult(rows=publish(offering, frames, business_today(), participants), detail={"types": ["GFDJ"]})


def _code_switch(offering: Offering) -> StepResult:
    """L-1 (002 §2.1.2(七)): holdings, freezes and pledges move to the 920 code with continuity."""
    change = security_code_switch(
        old_code=offering.old_code, new_code=offering.code, effective_date=business_today(), actor=None
    )
    # The pledge and freeze records follow their shares to the new code (csdp.restrictions).
    moved = restrictions_follow_code_switch(old_code=change.old_code, new_code=change.new_code)
    return StepResult(
        rows=1, detail={"old_code": change.old_code, "new_code": change.new_code, "restriction_records": moved}
    )


def _listing(offering: Offering) -> StepResult:
    offering_transition(offering=offering, to=OfferingStatus.LISTED, reason="上市")
    security = Security.objects.filter(code=offering.code, status=SecurityStatus.PENDING).first()
    if security is not None:
        security_status_change(security=security, to=SecurityStatus.LISTED, actor=None, reason="上市")
    return StepResult(rows=0)


def _files_pending(data_step: str, files_step: str) -> list[Offering]:
    done = EodStepRun.objects.filter(status=EodStepRun.Status.DONE)
    return list(
        Offering.objects.filter(pk__in=done.filter(step=data_step).values("offering_id"))
        .exclude(pk__in=done.filter(step=files_step).values("offering_id"))
        .order_by("code")
    )


def eod_run(day: dt.date | None = None, *, actor=None) -> list[StepReport]:
    day = day or business_today()
    if not is_trading_day(day):
        raise IpoError(f"{day} 不是交易日，没有日终处理。")
    # The frames a step keeps for the next one (T's verdicts for T's files …) live for this run only.
    with eod_frames():
        return _eod_steps(day, actor)


def _eod_steps(day: dt.date, actor) -> list[StepReport]:
    reports: list[StepReport] = []
    # T EOD (002 §4.1.1). An offering that failed before T EOD gets no 申购清算数据 (002 §5.1).
    for offering in Offering.objects.filter(t_date=day, status=OfferingStatus.SUBSCRIBING).order_by("code"):
        reports.append(run_step_reporting(offering, EodStep.T_CLEARING, t_clearing))
    # A files step follows its data step whatever the status since: a stop recorded in between must not
    # keep back data whose money has already moved (002 第五章 applies from the data step on).
    for offering in _files_pending(EodStep.T_CLEARING, EodStep.T_FILES):
        reports.append(run_step_reporting(offering, EodStep.T_FILES, _files_step(t_frames, lambda o: o.t_date)))
    # T+1 EOD (002 §4.1.2–4.1.3): all offerings of the day together (they share the reserves), so a
    # refusal holds up that day's group, reported, and the later steps of other offerings still run.
    try:
        reports.extend(t1_settle_day(day=day, actor=actor))
    except IpoError as error:
        reports.append(StepReport(EodStep.T1_SETTLE, "T+1", 0.0, 0, skipped=False, error=error.message))
    # 002 §5.2: an offering stopped between T EOD and T+1 EOD has its money unfrozen at T+1 EOD
    # (at the next EOD if that one has passed), with the 资金解冻数据 to participants.
    for offering in (
        Offering.objects.filter(stop__stage=StopStage.BEFORE_T1_EOD).select_related("stop").order_by("code")
    ):
        if stop_unfreeze_due(offering, day):
            reports.append(run_step_reporting(offering, EodStep.STOP_UNFREEZE, stop_unfreeze))
    for offering in _files_pending(EodStep.T1_SETTLE, EodStep.T1_FILES):
        reports.append(run_step_reporting(offering, EodStep.T1_FILES, _files_step(t1_frames, lambda o: o.day(1))))
    # Registration (002 §2.1.2(四), §4.3): once the proceeds are paid and the issuer confirmed its details.
    for offering in Offering.objects.filter(status=OfferingStatus.PAID).order_by("code"):
        if day <= offering.l_minus_1 and filings_complete(offering):
            reports.append(run_step_reporting(offering, EodStep.REGISTRATION, registration))
    for offering in _files_pending(EodStep.REGISTRATION, EodStep.REGISTRATION_FILES):
        reports.append(run_step_reporting(offering, EodStep.REGISTRATION_FILES, _registration_files))
    for offering in Offering.objects.filter(status=OfferingStatus.REGISTERED).order_by("code"):
        if offering.old_code and day >= offering.l_minus_1:
            reports.append(run_step_reporting(offering, EodStep.CODE_SWITCH, _code_switch))
        if day >= offering.listing_date:
            reports.append(run_step_reporting(offering, EodStep.LISTING, _listing))
    return reports


def ipo_eod_job(day: dt.date, actor) -> list:
    """The IPO's part of `csdp eod run` (csdp.clock.eod)."""
    lines = []
    for report in eod_run(day, actor=actor):
        text = "已完成（跳过）" if report.skipped else f"{report.step} {report.seconds:.2f} 秒，{report.rows} 行"
        lines.append(EodLine("ipo", report.offering, text if not report.error else report.step, report.error))
    return lines
