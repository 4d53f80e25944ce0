"""T+1 EOD (seed 002 §4.1.2–§4.1.3), after guaranteed settlement and before other non-guaranteed
settlement (§4.1.2(一)): freeze each participant's subscription money in its reserve; where the
reserve is short, the uncovered orders are invalid (declared 附件5 orders first, then rules.md §3);
allocate (rules.md §2) over the exchange-valid orders; allocations of invalid orders go to the lead
underwriter's 余股 (§2.1.2(一)); deduct the allocated amount, unfreeze the rest; the proceeds go to
the lead underwriter's 自营结算备付金账户 for its T+2 payment to the issuer (§3.2.2).

All offerings whose T+1 is the same day are settled together: they draw on the same reserves.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import polars as pl
from django.db import transaction

from csdp.clock.services import business_today, clock_now
from csdp.ipo.engine.allocation import allocate, kept_shares
from csdp.ipo.engine.shortfall import OfferingOrders, invalidate_shortfall_day
from csdp.ipo.eod.checks import eod_step_check
from csdp.ipo.eod.runner import StepReport, step_failure_record
from csdp.ipo.errors import IpoError
from csdp.ipo.models import EodStep, EodStepRun, Offering, OfferingStatus, ParticipantObligation, ShortfallDeclaration
from csdp.ipo.selectors import order_outcomes, remember_settlement, settlement_view, t_outcomes
from csdp.ipo.transitions import offering_transition
from csdp.ledger.bulk import holds_create_bulk, holds_resolve_bulk
from csdp.ledger.models import AccountKind, LedgerAccount, Phase
from csdp.ledger.selectors import reserve_accounts_of, reserves_available
from csdp.ledger.services import ledger_account_open, transfer_post
from csdp.lib.bulk import partition_replace
from csdp.lib.rows import rows_update

# 002 §4.1.2(五): the Company invalidates "依据…资金缺口、结算参与人申报的投资者无效申购信息": a 附件5 row is a
# declared invalid subscription whether or not the participant's reserve would have covered it.
DECLARED_ONLY_WHEN_SHORT = False

SETTLEMENT_COLUMNS = ("offering_id", "seq", "reason", "allocated_shares")  # the rest is derived (SettlementResult)


def settlement_results_write(offering: Offering, rows: pl.DataFrame) -> int:
    """Replace the offering's sparse T+1 results (one partition on PostgreSQL) and keep them in
    memory for the files step once committed."""
    written = partition_replace(
        "ipo_settlementresult",
        key="offering_id",
        value=offering.pk,
        columns=SETTLEMENT_COLUMNS,
        frame=rows,
        primary_key=("offering_id", "seq"),
    )
    remember_settlement(offering.pk, rows)
    return written


@dataclass(frozen=True)
class SettledOffering:
    orders: pl.DataFrame  # SETTLEMENT_COLUMNS: allocated orders and those invalidated at T+1
    by_participant: pl.DataFrame  # participant, frozen_fen, deducted_fen, unfrozen_fen, allocated_shares, invalid_*


def load_outcomes(offering: Offering) -> pl.DataFrame:
    return t_outcomes(offering).rename({"valid_t": "valid", "reason_t": "reason"})


def load_declarations(offering: Offering) -> pl.DataFrame:
    rows = ShortfallDeclaration.objects.filter(offering=offering, withdrawn_at__isnull=True).values_list(
        "participant__code", "account", "invalid_shares"
    )
    return pl.DataFrame(
        list(rows), schema={"participant": pl.Utf8, "account": pl.Utf8, "quantity": pl.Int64}, orient="row"
    )


def settle_orders(
    decided: pl.DataFrame, exchange_valid: pl.Series, *, online_shares: int, price_fen: int, offering_id: int
) -> SettledOffering:
    """Pure: from the orders after shortfall invalidation (``valid``, ``reason``) and the exchange
    validity of T EOD, the allocation, what each order keeps, and the money per participant.
    Money per order is never materialised: a still-valid order is frozen in full (quantity × price),
    its kept shares are deducted, the rest unfrozen — so each participant's sums are its shares' sums
    times the price (one aggregation; the per-order columns cost a copy of every row at 1M)."""
    allocated = allocate(
        decided.select("account", "quantity", "seq", exchange_valid.alias("valid")), online_shares=online_shares
    ).get_column("allocated_shares")
    orders = decided.select("seq", "participant", "quantity", "valid", "reason", allocated.alias("allocated_total"))
    valid = pl.col("valid").fill_null(False)
    kept = kept_shares(valid, pl.col("allocated_total"))  # an order invalidated at T+1 keeps nothing
    invalidated_at_t1 = pl.col("reason").is_in(["declared", "shortfall"])
    price = pl.lit(price_fen, dtype=pl.Int64)
    frozen, deducted = pl.col("frozen_shares") * price, pl.col("allocated_shares") * price
    # Per-order shares first, then plain sums: a conditional sum inside group_by leaves Polars' fast path.
    by_participant = (
        orders.select(
            "participant",
            pl.when(valid).then(pl.col("quantity")).otherwise(0).alias("frozen_shares"),
            kept.alias("allocated_shares"),
            invalidated_at_t1.cast(pl.Int64).alias("invalid_orders"),
            pl.when(invalidated_at_t1).then(pl.col("quantity")).otherwise(0).alias("invalid_shares"),
        )
        .group_by("participant")
        .agg(pl.all().sum())
        .select(
            "participant",
            frozen.alias("frozen_fen"),
            deducted.alias("deducted_fen"),
            (frozen - deducted).alias("unfrozen_fen"),
            "allocated_shares",
            "invalid_orders",
            "invalid_shares",
        )
        .sort("participant")
    )
    # Sparse: allocated orders and the orders invalidated at T+1; the rest is derived (SettlementResult).
    table = orders.filter((pl.col("allocated_total") > 0) | invalidated_at_t1).select(
        pl.lit(offering_id, dtype=pl.Int64).alias("offering_id"),
        "seq",
        pl.col("reason").fill_null(""),
        pl.col("allocated_total").alias("allocated_shares"),
    )
    return SettledOffering(orders=table, by_participant=by_participant)


def ipo_clearing_account(offering: Offering) -> LedgerAccount:
    return ledger_account_open(
        number=f"IPO{offering.code}", name=f"{offering.name} 新股申购资金清算户", kind=AccountKind.IPO_CLEARING
    )


def subscription_money_move(
    *,
    offering: Offering,
    obligations: list[ParticipantObligation],
    money: dict,
    clearing: LedgerAccount,
    unfreeze_memo: str = "",
) -> None:
    """Every participant of one offering at once (ledger/bulk.py): hold its subscription money, then post
    the allocated part and release the rest, or release all. ``money``: per participant code,
    frozen_fen and deducted_fen. The entries are those hold_create / hold_post / hold_void wrote one
    participant at a time (keys, codes, memos, amounts); each obligation gets its hold."""
    payers = [o for o in obligations if money[o.participant.code]["frozen_fen"]]
    if not payers:
        return
    reserves = reserve_accounts_of([o.participant.institution_id for o in payers])
    unopened = [o.participant.code for o in payers if o.participant.institution_id not in reserves]
    if unopened:
        raise IpoError(f"结算参与人 {unopened[0]} 未开立结算备付金账户，不能冻结申购资金。")
    key = {o.pk: f"ipo:{offering.code}:{o.participant.code}" for o in payers}
    holds = holds_create_bulk(
        [
            {
                "debit_account_id": reserves[o.participant.institution_id].pk,
                "credit_account_id": clearing.pk,
                "amount_fen": money[o.participant.code]["frozen_fen"],
                "key": f"{key[o.pk]}:freeze",
                "code": "IPO_FREEZE",
                "memo": f"{offering.code} 申购资金冻结",
            }
            for o in payers
        ]
    )
    resolutions = []
    for obligation in payers:
        obligation.hold = holds[f"{key[obligation.pk]}:freeze"]
        deducted = money[obligation.participant.code]["deducted_fen"]
        if deducted:
            resolutions.append(
                {
                    "hold": obligation.hold,
                    "phase": Phase.POST,
                    "amount_fen": deducted,
                    "key": f"{key[obligation.pk]}:deduct",
                    "memo": f"{offering.code} 认购资金扣划",
                }
            )
        else:
            resolutions.append(
                {
                    "hold": obligation.hold,
                    "phase": Phase.VOID,
                    "key": f"{key[obligation.pk]}:unfreeze",
                    "memo": unfreeze_memo or f"{offering.code} 申购资金解冻",
                }
            )
    holds_resolve_bulk(resolutions)


def available_by_participant(offerings: list[Offering]) -> pl.DataFrame:
    """Each participant's available reserve; 0 without a reserve account."""
    participants = dict(
        ParticipantObligation.objects.filter(offering__in=offerings)
        .values_list("participant__code", "participant__institution_id")
        .distinct()
    )
    available = reserves_available(participants.values())
    rows = [(code, available.get(owner, 0)) for code, owner in sorted(participants.items())]
    return pl.DataFrame(rows, schema={"participant": pl.Utf8, "available_fen": pl.Int64}, orient="row")


def _record(offering: Offering, settled: SettledOffering, avail: dict[str, int], clearing: LedgerAccount) -> dict:
    """``avail``: each participant's reserve left for this offering (after the offerings funded before it)."""
    settlement_results_write(offering, settled.orders)
    money = {r["participant"]: r for r in settled.by_participant.iter_rows(named=True)}
    obligations = list(
        ParticipantObligation.objects.filter(offering=offering)
        .select_related("participant__institution")
        .order_by("pk")
    )
    for obligation in obligations:
        row = money[obligation.participant.code]
        obligation.available_fen = avail.get(obligation.participant.code, 0)
        obligation.frozen_fen, obligation.deducted_fen = row["frozen_fen"], row["deducted_fen"]
        obligation.unfrozen_fen, obligation.allocated_shares = row["unfrozen_fen"], row["allocated_shares"]
        obligation.invalid_orders, obligation.invalid_shares = row["invalid_orders"], row["invalid_shares"] or 0
        obligation.shortfall_fen = max(obligation.subscribed_fen - obligation.available_fen, 0)
    subscription_money_move(offering=offering, obligations=obligations, money=money, clearing=clearing)
    rows_update(
        obligations,
        [
            "available_fen",
            "frozen_fen",
            "deducted_fen",
            "unfrozen_fen",
            "allocated_shares",
            "invalid_orders",
            "invalid_shares",
            "shortfall_fen",
            "hold",
        ],
    )
    proceeds = int(settled.by_participant["deducted_fen"].sum() or 0)
    if proceeds:
        transfer_post(
            debit=clearing,
            credit=offering.underwriter_account,
            amount_fen=proceeds,
            key=f"ipo:{offering.code}:proceeds",
            code="IPO_PROCEEDS",
            memo=f"{offering.code} 认购资金",
        )
    kept = int(settled.by_participant["allocated_shares"].sum() or 0)
    return {
        "proceeds_fen": proceeds,
        "kept_shares": kept,
        "remainder_shares": offering.online_shares - kept,
        "invalid_orders": int(settled.by_participant["invalid_orders"].sum() or 0),
    }


class _OfferingRefused(IpoError):
    """One offering of the day's group cannot settle; the others are settled without it."""

    def __init__(self, offering: Offering, message: str):
        super().__init__(message)
        self.offering = offering


def t1_settle_day(*, day=None, actor=None) -> list[StepReport]:
    """Settle every cleared offering whose T+1 is ``day`` (default: the business date), together. An
    offering that cannot settle (no underwriter account reported, a failed conservation check) is
    reported and recorded as failed, and the others of the day are settled without it: one offering's
    problem must not hold up every offering of the day (issue 14)."""
    day = day or business_today()
    candidates = [o for o in Offering.objects.filter(status=OfferingStatus.CLEARED).order_by("code") if o.day(1) == day]
    reports: list[StepReport] = []
    while candidates:
        try:
            return reports + _settle_together(candidates, day, actor)
        except _OfferingRefused as refused:
            step_failure_record(refused.offering, EodStep.T1_SETTLE, refused.message)
            reports.append(
                StepReport(EodStep.T1_SETTLE, refused.offering.code, 0.0, 0, skipped=False, error=refused.message)
            )
            candidates = [o for o in candidates if o.pk != refused.offering.pk]
    return reports


def _settle_together(candidates: list[Offering], day, actor) -> list[StepReport]:
    started = time.perf_counter()
    with transaction.atomic():
        offerings = list(Offering.objects.select_for_update().filter(pk__in=[o.pk for o in candidates]).order_by("pk"))
        offerings = [o for o in offerings if o.status == OfferingStatus.CLEARED]
        for offering in offerings:
            if offering.underwriter_account_id is None:
                raise _OfferingRefused(
                    offering,
                    f"{offering.code} 主承销商尚未报备自营结算备付金账户，不能交收；"
                    "请在发行页面登记主承销商补报的账户后重新运行日终。",
                )
        offerings.sort(key=lambda o: o.code)
        if not offerings:
            return []
        available = available_by_participant(offerings)
        outcomes = {o.code: load_outcomes(o) for o in offerings}
        decided = invalidate_shortfall_day(
            [
                OfferingOrders(
                    code=o.code, orders=outcomes[o.code], price_fen=o.price_fen, declared=load_declarations(o)
                )
                for o in offerings
            ],
            available_fen_by_participant=available,
            declared_only_when_short=DECLARED_ONLY_WHEN_SHORT,
        )
        reports = []
        left = dict(available.iter_rows())
        for offering in offerings:  # in code order: the order the reserve is applied in (rules.md §3)
            settled = settle_orders(
                decided[offering.code],
                outcomes[offering.code].get_column("valid"),
                online_shares=offering.online_shares,
                price_fen=offering.price_fen,
                offering_id=offering.pk,
            )
            detail = _record(
                offering, settled, {p: max(fen, 0) for p, fen in left.items()}, ipo_clearing_account(offering)
            )
            for participant, frozen in settled.by_participant.select("participant", "frozen_fen").iter_rows():
                left[participant] = left.get(participant, 0) - frozen
            offering_transition(offering=offering, to=OfferingStatus.SETTLED, actor=actor, reason="T+1日日终交收")
            _check(offering, outcomes[offering.code], settled)
            seconds = round(time.perf_counter() - started, 3)
            EodStepRun.objects.update_or_create(
                offering=offering,
                step=EodStep.T1_SETTLE,
                defaults={
                    "business_date": day,
                    "status": EodStepRun.Status.DONE,
                    "rows": settled.orders.height,
                    "seconds": seconds,
                    "detail": detail,
                    "finished_at": clock_now(),
                    "error": "",
                },
            )
            reports.append(StepReport(EodStep.T1_SETTLE, offering.code, seconds, settled.orders.height, False))
    return reports


def _check(offering: Offering, outcomes: pl.DataFrame, settled: SettledOffering) -> None:
    """The conservation checks, before commit, on the frames in hand (not read back)."""
    orders = order_outcomes(
        offering,
        orders=outcomes.rename({"valid": "valid_t", "reason": "reason_t"}),
        settled=settlement_view(settled.orders),
    )
    try:
        eod_step_check(offering, EodStep.T1_SETTLE, outcomes=orders)
    except IpoError as error:
        raise _OfferingRefused(offering, error.message) from None
