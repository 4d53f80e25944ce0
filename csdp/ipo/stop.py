"""Failure or suspension of an offering (seed 002 第五章).

Staff record the exchange's confirmation; the stage it falls in decides what follows:
- §5.1, before T EOD: no 申购清算数据 is sent (the T EOD steps only take offerings still 申购中);
  participants unfreeze their clients themselves at T EOD. Nothing moves in our books.
- §5.2, T EOD – T+1 EOD: at T+1 EOD the depository freezes and at once unfreezes each participant's
  money and sends the 资金解冻数据 (step ``stop_unfreeze``); participants return it to investors on T+2;
  afterwards the interest on the frozen funds, on the lead underwriter's application.
- §5.3, T+1 EOD – listing (a suspension only): the interest the same way and, on application, the
  principal and the cancellation (注销) of the shares already registered.
The applications are counter type 15 (csdp/ipo/counter_types.py); the work they order is here.
"""
from __future__ import annotations

import datetime as dt

from django.db import connection, transaction

from csdp.accounts.models import User
from csdp.audit.services import audit_record
from csdp.clock.services import business_today, clock_now
from csdp.ipo.eod.files import publish, stop_unfreeze_frames
from csdp.ipo.eod.runner import StepResult, step_done
from csdp.ipo.errors import IpoError
from csdp.ipo.models import EodStep, Offering, OfferingStatus, OfferingStop, ParticipantObligation, StopKind, StopStage
from csdp.ipo.transitions import offering_transition
from csdp.ledger.models import AccountKind, LedgerAccount
from csdp.ledger.selectors import balance_of, reserve_account_of
from csdp.ledger.services import hold_create, hold_void, ledger_account_open
from csdp.notify.services import notify_user
from csdp.securities.models import ParticipantProfile


def stop_stage(offering: Offering) -> str:
    """Which paragraph of 第五章 a confirmation recorded now falls under: by what our end of day has done."""
    if not step_done(offering, EodStep.T_CLEARING):
        return StopStage.BEFORE_T_EOD
    if not step_done(offering, EodStep.T1_SETTLE):
        return StopStage.BEFORE_T1_EOD
    return StopStage.BEFORE_LISTING


@transaction.atomic
def offering_stop_record(*, offering: Offering, kind: str, confirmed_at: dt.datetime, reference: str, reason: str,
                         actor) -> OfferingStop:
    """Record the exchange's confirmation of a failure or suspension (002 第五章 opening paragraph)."""
    locked = Offering.objects.select_for_update().get(pk=offering.pk)
    if locked.status == OfferingStatus.LISTED:
        raise IpoError("该股票已上市，不能再记录发行失败或中止（002 §5.3：完成上市手续前）。")
    if locked.status in (OfferingStatus.FAILED, OfferingStatus.SUSPENDED):
        raise IpoError("该发行已记录发行失败或中止。")
    if kind not in StopKind.values:
        raise IpoError("请选择发行失败或中止发行。")
    if confirmed_at > clock_now():
        raise IpoError("北交所确认时间不能晚于当前时间。")
    if not reference.strip() or not reason.strip():
        raise IpoError("请填写北交所确认文件编号和原因。")
    stage = stop_stage(locked)
    if stage == StopStage.BEFORE_LISTING and kind != StopKind.SUSPENDED:
        raise IpoError("T+1日日终后只能中止发行（002 §5.3）。")
    status_before = locked.status
    offering_transition(offering=locked, to=kind, actor=actor, reason=f"{StopKind(kind).label}：{reference.strip()}")
    stop = OfferingStop.objects.create(
        offering=locked, kind=kind, stage=stage, confirmed_at=confirmed_at, reference=reference.strip(),
        reason=reason.strip(), status_before=status_before,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None, recorded_at=clock_now())
    audit_record(actor=actor, obj=locked, action="offering.stop", data={"stage": stage, "kind": kind,
                                                                         "reference": stop.reference})
    _notify(locked, stop)
    return stop


CONSEQUENCE = {
    StopStage.BEFORE_T_EOD: "本公司T日日终不发送申购清算数据，结算参与人可于T日日终将冻结的客户资金解冻（002 §5.1）。",
    StopStage.BEFORE_T1_EOD: ("本公司于T+1日日终解冻结算参与人资金并发送资金解冻数据，结算参与人应于T+2日向投资者返还；"
                              "冻结资金利息根据主承销商申请返还（002 §5.2）。"),
    StopStage.BEFORE_LISTING: "冻结资金利息根据主承销商申请返还；已登记到账的股份根据申请注销（002 §5.3）。",
}


def _participant_codes(offering: Offering) -> list[str]:
    """Participants with clients in the offering: from the obligations once cleared, before that from
    the exchange's rows (§5.1 — there are no obligations yet)."""
    codes = list(ParticipantObligation.objects.filter(offering=offering).values_list("participant__code", flat=True))
    if codes:
        return codes
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT participant FROM ipo_subscription WHERE offering_id = %s", [offering.pk])
        return [row[0] for row in cursor.fetchall()]


def _notify(offering: Offering, stop: OfferingStop) -> None:
    institutions = {offering.issuer_id, offering.underwriter_id} | set(
        ParticipantProfile.objects.filter(code__in=_participant_codes(offering)).values_list("institution_id", flat=True))
    subject = f"{offering.code} {offering.name} {stop.get_kind_display()}"
    body = f"北交所已确认{stop.get_kind_display()}（{stop.reference}）。{CONSEQUENCE[stop.stage]}"
    for user in User.objects.filter(institution_id__in=institutions, is_active=True).order_by("pk"):
        notify_user(user=user, subject=subject, body=body, purpose="ipo_stop")


# ---- §5.2: T+1 EOD unfreeze ------------------------------------------------------------------------

def stop_unfreeze_due(offering: Offering, day: dt.date) -> bool:
    stop = getattr(offering, "stop", None)
    return stop is not None and stop.stage == StopStage.BEFORE_T1_EOD and day >= offering.day(1)


def _clearing_account(offering: Offering) -> LedgerAccount:
    return ledger_account_open(number=f"IPO{offering.code}", name=f"{offering.name} 新股申购资金清算户",
                               kind=AccountKind.IPO_CLEARING)


def stop_unfreeze(offering: Offering) -> StepResult:
    """002 §5.2, at T+1 EOD. Caller: run_step (offering locked). Each participant's subscription money
    is frozen as far as its reserve covers it and released in the same step: nothing is deducted, and
    the ledger shows the freeze and its release as at any T+1."""
    if offering.stop.stage != StopStage.BEFORE_T1_EOD:
        raise IpoError("只有T日日终至T+1日日终前确认中止的发行，才由本公司于T+1日日终解冻（002 §5.2）。")
    clearing = _clearing_account(offering)
    obligations = list(ParticipantObligation.objects.filter(offering=offering).select_related(
        "participant__institution").order_by("pk"))
    for obligation in obligations:
        reserve = reserve_account_of(obligation.participant.institution)
        available = balance_of(reserve).available_fen if reserve else 0
        frozen = min(obligation.subscribed_fen, available)
        if frozen:
            prefix = f"ipo:{offering.code}:{obligation.participant.code}"
            hold = hold_create(debit=reserve, credit=clearing, amount_fen=frozen, key=f"{prefix}:freeze",
                               code="IPO_FREEZE", memo=f"{offering.code} 申购资金冻结")
            hold_void(hold=hold, key=f"{prefix}:unfreeze", memo=f"{offering.code} 中止发行，申购资金解冻（002 §5.2）")
            obligation.hold = hold
        obligation.available_fen, obligation.frozen_fen, obligation.unfrozen_fen = available, frozen, frozen
        obligation.shortfall_fen = max(obligation.subscribed_fen - available, 0)
    ParticipantObligation.objects.bulk_update(
        obligations, ["available_fen", "frozen_fen", "unfrozen_fen", "shortfall_fen", "hold"])
    files = publish(offering, stop_unfreeze_frames(offering, business_today()), business_today())
    unfrozen = sum(o.unfrozen_fen for o in obligations)
    return StepResult(rows=files, detail={"unfrozen_fen": unfrozen, "participants": len(obligations)})
