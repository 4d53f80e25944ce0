"""The invariants of issue 5's Correctness list, checked against the database after a run (used by
`csdp ipo simulate` and by the property tests) and, before commit, at the end of every production
end-of-day step (``eod_step_check``): a violated invariant stops the step, whose writes roll back."""

from __future__ import annotations

import polars as pl
from django.db import models
from django.db.models import Sum, Q

from csdp.ipo.engine.allocation import allocation_ratio
from csdp.ipo.errors import IpoError
from csdp.ipo.models import EodStep, EodStepRun, Offering, OfferingStatus, ParticipantObligation
from csdp.ipo.selectors import order_outcomes
from csdp.ledger.models import LedgerAccount
from csdp.register.models import RegistrationEvent, Position


def allocation_summary(offering: Offering) -> dict:
    outcomes = order_outcomes(offering)
    valid_at_t = outcomes.filter(pl.col("valid") | pl.col("reason").is_in(["declared", "shortfall"]))  # valid at T EOD
    valid_shares = int(valid_at_t["quantity"].sum() or 0)
    allocated = int(outcomes["allocated"].sum() or 0)
    ratio = allocation_ratio(offering.online_shares, valid_shares)
    return {
        "online_shares": offering.online_shares,
        "valid_orders": valid_at_t.height,
        "valid_shares": valid_shares,
        "invalid_orders": outcomes.height - valid_at_t.height,
        "ratio": float(ratio) if ratio is not None else None,
        "allocated_accounts": outcomes.filter(pl.col("allocated") > 0).height,
        "allocated_shares": allocated,
        "unsubscribed_shares": offering.online_shares - allocated,
        "kept_shares": int(outcomes["kept"].sum() or 0),
        "remainder_shares": offering.online_shares - int(outcomes["kept"].sum() or 0),
    }


def _no_reserve_below_zero() -> bool:
    return (
        not LedgerAccount.objects.filter(debits_must_not_exceed_credits=True)
        .extra(where=["debits_posted + debits_pending > credits_posted"])
        .exists()
    )


def invariants(offering: Offering, outcomes: pl.DataFrame | None = None, *, register: bool = True) -> dict[str, bool]:
    """After T+1 EOD. ``outcomes``: order_outcomes of the offering, if the caller has them in hand.
    ``register``: also the register total (a scan of the register's log by key: only where it matters)."""
    outcomes = order_outcomes(offering) if outcomes is None else outcomes
    money = ParticipantObligation.objects.filter(offering=offering).aggregate(
        frozen=Sum("frozen_fen"), deducted=Sum("deducted_fen"), unfrozen=Sum("unfrozen_fen")
    )
    kept = int(outcomes["kept"].sum() or 0)
    forfeited = int((outcomes["allocated"] - outcomes["kept"]).sum() or 0)
    unsubscribed = offering.online_shares - int(outcomes["allocated"].sum() or 0)
    per_order = outcomes.group_by("participant").agg(pl.col("frozen_fen").sum(), pl.col("deducted_fen").sum())
    per_participant = {
        code: (frozen, deducted)
        for code, frozen, deducted in ParticipantObligation.objects.filter(offering=offering).values_list(
            "participant__code", "frozen_fen", "deducted_fen"
        )
    }
    checks = {}
    if register:
        registered = (
            RegistrationEvent.objects.filter(key__startswith=f"ipo:{offering.code}:").aggregate(
                n=Sum("quantity_delta")
            )["n"]
            or 0
        )
        # Once registered: online allocations kept + 余股 + strategic + offline = the shares issued.
        checks["register_total_equals_shares_issued"] = registered in (0, offering.issue_shares)
    return checks | {
        "order_money_matches_participant_money": all(
            per_participant.get(row["participant"]) == (row["frozen_fen"], row["deducted_fen"])
            for row in per_order.iter_rows(named=True)
        ),
        "frozen_equals_deducted_plus_unfrozen": (money["frozen"] or 0)
        == (money["deducted"] or 0) + (money["unfrozen"] or 0),
        "no_reserve_below_zero": _no_reserve_below_zero(),
        "allocations_plus_remainder_equal_online_shares": kept + forfeited + unsubscribed == offering.online_shares,
        "every_allocation_within_its_order": outcomes.filter(pl.col("allocated") > pl.col("quantity")).height == 0,
        "invalid_orders_keep_nothing": outcomes.filter(~pl.col("valid") & (pl.col("kept") > 0)).height == 0,
    }


def t_invariants(offering: Offering, outcomes: pl.DataFrame) -> dict[str, bool]:
    """After T EOD: each participant owes exactly its valid orders' money (002 §4.1.1). ``outcomes``:
    participant, valid, quantity of every order."""
    owed = (
        outcomes.filter(pl.col("valid"))
        .group_by("participant")
        .agg((pl.col("quantity").sum() * offering.price_fen).alias("fen"), pl.len().alias("orders"))
    )
    expected = {code: (int(fen), int(orders)) for code, fen, orders in owed.iter_rows()}
    recorded = {
        code: (fen, orders)
        for code, fen, orders in ParticipantObligation.objects.filter(offering=offering, orders__gt=0).values_list(
            "participant__code", "subscribed_fen", "orders"
        )
    }
    return {
        "order_money_matches_participant_owed": expected == recorded,
        "no_reserve_below_zero": _no_reserve_below_zero(),
    }


def registration_invariants(offering: Offering) -> dict[str, bool]:
    """After registration: the shares registered are the shares issued, and the register's positions
    of the security are what its events add up to (Σ positions = issued capital)."""
    events = RegistrationEvent.objects.filter(key__startswith=f"ipo:{offering.code}:")
    registered = events.aggregate(n=Sum("quantity_delta"))["n"] or 0
    security_ids = set(events.values_list("security_id", flat=True).distinct())
    logged = RegistrationEvent.objects.filter(security_id__in=security_ids).aggregate(n=Sum("quantity_delta"))["n"] or 0
    held = Position.objects.filter(security_id__in=security_ids).aggregate(n=Sum("quantity"))["n"] or 0
    overdrawn = (
        Position.objects.filter(security_id__in=security_ids)
        .filter(Q(quantity__lt=models.F("frozen") + models.F("pledged")))
        .exists()
    )
    return {
        "register_total_equals_shares_issued": registered == offering.issue_shares,
        "positions_equal_register_events": logged == held,
        "available_not_negative": not overdrawn,
    }


CHECK_LABELS = {
    "register_total_equals_shares_issued": "登记股份总数不等于本次发行股份总数",
    "positions_equal_register_events": "持有明细合计与登记变动记录合计不一致",
    "available_not_negative": "有持有明细的冻结、质押数量超过持有数量",
    "order_money_matches_participant_money": "逐笔申购资金与结算参与人冻结、扣划金额不一致",
    "order_money_matches_participant_owed": "逐笔有效申购金额与结算参与人应付申购资金不一致",
    "frozen_equals_deducted_plus_unfrozen": "冻结资金不等于扣划与解冻资金之和",
    "no_reserve_below_zero": "有结算备付金账户可用余额为负",
    "allocations_plus_remainder_equal_online_shares": "配售股数与余股之和不等于网上发行数量",
    "every_allocation_within_its_order": "有获配股数超过申购股数",
    "invalid_orders_keep_nothing": "有无效申购获配股份",
}


def step_invariants(offering: Offering, step: str, outcomes: pl.DataFrame | None = None) -> dict[str, bool]:
    """The invariants that hold once ``step`` of ``offering`` has run (its writes not yet committed)."""
    settled = (
        step == EodStep.T1_SETTLE
        or EodStepRun.objects.filter(offering=offering, step=EodStep.T1_SETTLE, status=EodStepRun.Status.DONE).exists()
    )
    stopped = offering.status in (OfferingStatus.FAILED, OfferingStatus.SUSPENDED)
    if step in (EodStep.T_CLEARING, EodStep.T_FILES) or (not settled and offering.status == OfferingStatus.CLEARED):
        frame = outcomes if outcomes is not None else order_outcomes(offering)
        if "quantity" not in frame.columns:
            frame = frame.rename({"quantity_shares": "quantity"})
        return t_invariants(offering, frame)
    checks: dict[str, bool] = {"no_reserve_below_zero": _no_reserve_below_zero()}
    if settled and not stopped:
        checks = invariants(offering, outcomes, register=False)
    elif stopped:  # 002 第五章: refunds move money on their own terms; the freezes still balance
        money = ParticipantObligation.objects.filter(offering=offering).aggregate(
            frozen=Sum("frozen_fen"), deducted=Sum("deducted_fen"), unfrozen=Sum("unfrozen_fen")
        )
        checks["frozen_equals_deducted_plus_unfrozen"] = (money["frozen"] or 0) == (
            (money["deducted"] or 0) + (money["unfrozen"] or 0)
        )
    if step == EodStep.REGISTRATION or (offering.status in (OfferingStatus.REGISTERED, OfferingStatus.LISTED)):
        checks.update(registration_invariants(offering))
    return checks


def eod_step_check(offering: Offering, step: str, *, outcomes: pl.DataFrame | None = None) -> None:
    """Stop the step (IpoError: its transaction rolls back) when one of its invariants is violated."""
    failed = [CHECK_LABELS.get(name, name) for name, ok in step_invariants(offering, step, outcomes).items() if not ok]
    if failed:
        raise IpoError("日终守恒检查未通过，本步骤未提交：" + "；".join(failed) + "。", code="ipo.eod_check_failed")
