"""Failure or suspension of an offering (seed 002 第五章).

Staff record the exchange's confirmation; the stage it falls in decides what follows:
- §5.1, before T EOD: no 申购清算数据 is sent (the T EOD steps only take offerings still 申购中);
  participants unfreeze their clients themselves at T EOD. Nothing moves in our books.
- §5.2, T EOD – T+1 EOD: at T+1 EOD the depository freezes and at once unfreezes each participant's
  money and sends the 资金解冻数据 (step ``stop_unfreeze``); participants return it to investors on T+2;
  afterwards the interest on the frozen funds, on the lead underwriter's application.
- §5.3, T+1 EOD – listing (a suspension only): the interest the same way and, on application, the
  principal and the cancellation (注销) of the shares already registered.
The applications are counter type 15 (csdp/ipo/issuer/counter_types.py); the work they order is here.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from csdp.accounts.models import User
from csdp.accounts.roles import Role
from csdp.approvals.kinds import register_kind
from csdp.approvals.models import OPEN as APPROVALS_OPEN
from csdp.approvals.selectors import approvals_of_subject
from csdp.approvals.services import approval_prepare
from csdp.audit.services import audit_record
from csdp.clock.services import business_today, clock_now
from csdp.ipo.engine.shortfall import OfferingOrders, invalidate_shortfall_day
from csdp.ipo.eod.participant_files import outcomes_frame, publish, stop_unfreeze_frames
from csdp.ipo.eod.runner import StepResult, step_done
from csdp.ipo.eod.t1_day import (
    DECLARED_ONLY_WHEN_SHORT,
    available_by_participant,
    ipo_clearing_account,
    load_declarations,
    load_outcomes,
    settlement_results_write,
    subscription_money_move,
)
from csdp.ipo.errors import IpoError
from csdp.ipo.models import EodStep, Offering, OfferingStatus, OfferingStop, ParticipantObligation, StopKind, StopStage
from csdp.ipo.transitions import offering_transition
from csdp.lib.rows import rows_update
from csdp.notify.services import notify_user
from csdp.securities.models import ParticipantProfile


def stop_stage(offering: Offering) -> str:
    """Which paragraph of 第五章 a confirmation recorded now falls under: by what our end of day has done."""
    if not step_done(offering, EodStep.T_CLEARING):
        return StopStage.BEFORE_T_EOD
    if not step_done(offering, EodStep.T1_SETTLE):
        return StopStage.BEFORE_T1_EOD
    return StopStage.BEFORE_LISTING


def _stop_checked(
    locked: Offering, *, kind: str, confirmed_at: dt.datetime, reference: str, reason: str
) -> tuple[str, dt.datetime]:
    """The refusals of a failure or suspension record, and the stage it falls in now."""
    if locked.status == OfferingStatus.LISTED:
        raise IpoError("该股票已上市，不能再记录发行失败或中止。")
    if locked.status in (OfferingStatus.FAILED, OfferingStatus.SUSPENDED):
        raise IpoError("该发行已记录发行失败或中止。")
    if kind not in StopKind.values:
        raise IpoError("请选择发行失败或中止发行。")
    if timezone.is_naive(confirmed_at):  # a time typed without its zone is Beijing time
        confirmed_at = timezone.make_aware(confirmed_at)
    if confirmed_at > clock_now():
        raise IpoError("北交所确认时间不能晚于当前时间。")
    if not reference.strip() or not reason.strip():
        raise IpoError("请填写北交所确认文件编号和原因。")
    if len(reference.strip()) > 60 or len(reason.strip()) > 300:
        raise IpoError("确认文件编号不超过 60 字，原因不超过 300 字。")
    stage = stop_stage(locked)
    if stage == StopStage.BEFORE_LISTING and kind != StopKind.SUSPENDED:
        raise IpoError("T+1日日终后只能中止发行。")
    return stage, confirmed_at


def offering_stop_prepare(*, offering: Offering, kind: str, confirmed_at: dt.datetime, reference: str, reason: str, by):
    """An operator records what the exchange confirmed; a different reviewer approves it before it acts
    (issue 20 §2: a stop unfreezes money and cancels shares). Checked now and again when applied."""
    with transaction.atomic():
        locked = Offering.objects.select_for_update().get(pk=offering.pk)
        stage, confirmed_at = _stop_checked(
            locked, kind=kind, confirmed_at=confirmed_at, reference=reference, reason=reason
        )
        pending = approvals_of_subject(locked).filter(kind=STOP_KIND.code, status__in=APPROVALS_OPEN)
        if pending.exists():
            raise IpoError("该发行已有一项待复核的发行失败或中止记录。")
        return approval_prepare(
            kind=STOP_KIND.code,
            key=f"ipo-stop:{locked.pk}:{reference.strip()}",
            summary=f"{locked.code} {StopKind(kind).label}（{reference.strip()}）",
            subject=locked,
            by=by,
            payload={
                "_offering_id": locked.pk,
                "_kind": kind,
                "_confirmed_at": confirmed_at.isoformat(),
                "证券代码": locked.code,
                "类型": str(StopKind(kind).label),
                "北交所确认文件编号": reference.strip(),
                "北交所确认时间": timezone.localtime(confirmed_at).strftime("%Y-%m-%d %H:%M"),
                "原因": reason.strip(),
                "经办时所处阶段": str(StopStage(stage).label),
            },
        )


def _apply_stop(approval) -> dict:
    payload = approval.payload
    stop = offering_stop_record(
        offering=Offering.objects.get(pk=payload["_offering_id"]),
        kind=payload["_kind"],
        confirmed_at=dt.datetime.fromisoformat(payload["_confirmed_at"]),
        reference=payload["北交所确认文件编号"],
        reason=payload["原因"],
        actor=approval.approved_by,
    )
    return {"结果": f"已记录{stop.get_kind_display()}", "阶段": stop.get_stage_display()}


STOP_KIND = register_kind(
    code="ipo.stop_record",
    label="记录发行失败或中止",
    apply=_apply_stop,
    preparers={Role.OPERATOR},
    approvers={Role.REVIEWER, Role.ADMIN},
)


@transaction.atomic
def offering_stop_record(
    *, offering: Offering, kind: str, confirmed_at: dt.datetime, reference: str, reason: str, actor
) -> OfferingStop:
    """Record the exchange's confirmation of a failure or suspension (002 第五章 opening paragraph).
    Pages and the API reach it through ``offering_stop_prepare`` and a reviewer's approval."""
    locked = Offering.objects.select_for_update().get(pk=offering.pk)
    stage, confirmed_at = _stop_checked(
        locked, kind=kind, confirmed_at=confirmed_at, reference=reference, reason=reason
    )
    status_before = locked.status
    offering_transition(offering=locked, to=kind, actor=actor, reason=f"{StopKind(kind).label}：{reference.strip()}")
    stop = OfferingStop.objects.create(
        offering=locked,
        kind=kind,
        stage=stage,
        confirmed_at=confirmed_at,
        reference=reference.strip(),
        reason=reason.strip(),
        status_before=status_before,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        recorded_at=clock_now(),
    )
    audit_record(
        actor=actor,
        obj=locked,
        action="offering.stop",
        data={"stage": stage, "kind": kind, "reference": stop.reference},
    )
    _notify(locked, stop)
    return stop


CONSEQUENCE = {
    StopStage.BEFORE_T_EOD: "本公司T日日终不发送申购清算数据；已冻结客户申购资金的结算参与人可于T日日终将其解冻。",
    StopStage.BEFORE_T1_EOD: (
        "本公司于T+1日日终解冻结算参与人资金并发送资金解冻数据，结算参与人应于T+2日向投资者返还；"
        "冻结资金利息根据主承销商申请返还。"
    ),
    StopStage.BEFORE_LISTING: "冻结资金利息根据主承销商申请返还；已登记到账的股份根据申请注销。",
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
        ParticipantProfile.objects.filter(code__in=_participant_codes(offering)).values_list(
            "institution_id", flat=True
        )
    )
    subject = f"{offering.code} {offering.name} {stop.get_kind_display()}"
    body = f"北交所已确认{stop.get_kind_display()}（{stop.reference}）。{CONSEQUENCE[stop.stage]}"
    for user in User.objects.filter(institution_id__in=institutions, is_active=True).order_by("pk"):
        notify_user(user=user, subject=subject, body=body, purpose="ipo_stop")


# ---- §5.2: T+1 EOD unfreeze ------------------------------------------------------------------------


def stop_unfreeze_due(offering: Offering, day: dt.date) -> bool:
    stop = getattr(offering, "stop", None)
    return stop is not None and stop.stage == StopStage.BEFORE_T1_EOD and day >= offering.day(1)


def stop_unfreeze(offering: Offering) -> StepResult:
    """002 §5.2, at T+1 EOD. Caller: run_step (offering locked). What would have been frozen is decided
    exactly as at any T+1 (declared orders, then the shortfall order of rules.md §3, over the reserve
    left after the day's other offerings settled), frozen and released in the same step: nothing is
    deducted. The invalidated orders are kept as sparse results, so the JDSJ file, the ledger's holds
    and the interest base (refunds.interest_base) are one and the same per order."""
    if offering.stop.stage != StopStage.BEFORE_T1_EOD:
        raise IpoError("只有T日日终至T+1日日终前确认中止的发行，才由本公司于T+1日日终解冻。")
    available = available_by_participant([offering])
    decided = invalidate_shortfall_day(
        [
            OfferingOrders(
                code=offering.code,
                orders=load_outcomes(offering),
                price_fen=offering.price_fen,
                declared=load_declarations(offering),
            )
        ],
        available_fen_by_participant=available,
        declared_only_when_short=DECLARED_ONLY_WHEN_SHORT,
    )[offering.code]
    invalidated = decided.filter(pl.col("reason").is_in(["declared", "shortfall"])).select(
        pl.lit(offering.pk, dtype=pl.Int64).alias("offering_id"),
        "seq",
        "reason",
        pl.lit(0, dtype=pl.Int64).alias("allocated_shares"),
    )
    settlement_results_write(offering, invalidated)
    outcomes = outcomes_frame(offering)  # read once: the holds and the JDSJ file come from the same rows
    frozen = dict(outcomes.group_by("participant").agg(pl.col("frozen_fen").sum()).iter_rows())
    _freeze_and_release(offering, frozen, dict(available.iter_rows()))
    files = publish(offering, stop_unfreeze_frames(offering, outcomes, business_today()), business_today())
    return StepResult(
        rows=files,
        detail={
            "unfrozen_fen": int(sum(frozen.values())),
            "invalid_orders": invalidated.height,
            "participants": len(frozen),
        },
    )


def _freeze_and_release(offering: Offering, frozen: dict[str, int], available: dict[str, int]) -> None:
    clearing = ipo_clearing_account(offering)
    obligations = list(
        ParticipantObligation.objects.filter(offering=offering)
        .select_related("participant__institution")
        .order_by("pk")
    )
    money = {}
    for obligation in obligations:
        code = obligation.participant.code
        amount = int(frozen.get(code, 0))
        money[code] = {"frozen_fen": amount, "deducted_fen": 0}  # nothing is deducted: all is released
        obligation.available_fen = available.get(code, 0)
        obligation.frozen_fen = obligation.unfrozen_fen = amount
        obligation.shortfall_fen = max(obligation.subscribed_fen - obligation.available_fen, 0)
    subscription_money_move(
        offering=offering,
        obligations=obligations,
        money=money,
        clearing=clearing,
        unfreeze_memo=f"{offering.code} 中止发行，申购资金解冻",
    )
    rows_update(obligations, ["available_fen", "frozen_fen", "unfrozen_fen", "shortfall_fen", "hold"])
