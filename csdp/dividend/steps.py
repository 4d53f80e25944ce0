"""The end of day of 权益分派 (`csdp eod run`, job ``dividend``): four steps per distribution, each due
from its date on, each one transaction that ends by recording its ``Step`` row — so a step killed
half-way leaves nothing and runs again whole; a step with its row is never run again. The register step
registers its events in parts, each its own transaction (steps_bonus.py): killed half-way, it keeps the
parts that committed, and its rerun registers the rest.

    funding   (代派资金截止日)  fully funded? else the cash part does not proceed and the money goes back
    entitle   (R)              the register as of R → entitlements per account and lot (engine), holds:
                               one per custodian participant (funding → its reserve) and one for held cash
    pay       (派息日)          steps_pay.py: newly held cash (accounts closed, freezes placed after R), holds posted
                               (one ledger transfer per participant), surplus back to the issuer,
                               participants' files (DBF + CSV, detail and summary)
    register  (红股上市日)      steps_bonus.py: bonus shares as register events on their lots, the issuer's result file

Before each commit the money is checked to be conserved; a violation refuses the step with a Chinese
reason shown to staff in the EOD report. The register step's parts each check the register (Σ positions
= issued capital, available ≥ 0) before their own commits; the step then checks that the log holds
exactly the bonus total, after the parts committed: a failure there is reported and the step not
recorded, but the parts' shares stay registered.
"""

from __future__ import annotations

import datetime as dt
import time

import polars as pl

from csdp.audit.services import audit_record
from csdp.clock.services import clock_now
from csdp.dividend.engine import Method, Rates, entitle
from csdp.dividend.models import (
    MACHINE,
    CashStatus,
    Distribution,
    DistributionTransition,
    HeldCash,
    HeldReason,
    ParticipantPayment,
    Status,
    Step,
)
from csdp.dividend.notices import funding_verdict_notify
from csdp.dividend.funding import fundings_lapse, pending_note
from csdp.dividend.selectors import (
    ENTITLEMENT_COLUMNS,
    cash_required_fen,
    funded_fen,
    issued_capital_as_of,
    register_as_of,
    register_now,
)
from csdp.dividend.services import DividendError, held_account, refund_funding
from csdp.ledger.bulk import holds_create_bulk
from csdp.ledger.models import LedgerAccount
from csdp.ledger.selectors import reserve_accounts_of
from csdp.ledger.services import LedgerError
from csdp.lib.bulk import copy_in, partition_analyze, partition_replace
from csdp.lib.statemachine import SYSTEM, transition_record

CODE_PAY, CODE_HELD = "dividend.pay", "dividend.held"


def _fen(amount: int) -> str:
    return f"{amount // 100:,}.{amount % 100:02d}"


class Laps:
    """Seconds per part of a step, kept in the step's detail (where the time goes, docs/performance.md)."""

    def __init__(self):
        self.started = self.last = time.perf_counter()
        self.seconds: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self.last, 3)
        self.last = now


def _record(distribution: Distribution, name: str, day: dt.date, started: float, rows: int, detail: dict) -> Step:
    return Step.objects.create(
        distribution=distribution,
        name=name,
        business_date=day,
        rows=rows,
        seconds=round(time.perf_counter() - started, 3),
        detail=detail,
        done_at=clock_now(),
    )


def _move(distribution: Distribution, to: str, reason: str, fields=()) -> None:
    before = distribution.status
    transition_record(
        machine=MACHINE,
        subject=distribution,
        to_state=to,
        history=DistributionTransition,
        by=SYSTEM,
        reason=reason,
        at=clock_now(),
        update_fields=fields,
    )
    audit_record(
        actor="system", obj=distribution, action=f"dividend.{to}", from_state=before, to_state=to, reason=reason
    )


def _balance(account_id: int) -> tuple[int, int]:
    """(posted, pending debits) of a ledger account, re-read."""
    a = LedgerAccount.objects.get(pk=account_id)
    return a.credits_posted - a.debits_posted, a.debits_pending


# ---- funding ---------------------------------------------------------------------------------------------


def step_funding(distribution: Distribution, day: dt.date) -> str:
    """At the deadline's end of day: the cash part proceeds only when fully funded (rules.md §12 委托代派).
    Only money staff confirmed received counts; declarations still unconfirmed lapse here, and the note
    the issuer reads says so. Required: the security's issued shares now × the rate (the register refuses
    issuing or cancelling shares of the security until R's end of day, csdp.dividend.guards, so R's total
    is the same — R checks again)."""
    started = time.perf_counter()
    required = cash_required_fen(distribution)
    funded = funded_fen(distribution)
    pending_count, pending_fen = fundings_lapse(
        distribution, reason=f"截至代派资金截止日 {distribution.funding_deadline} 日终未确认到账"
    )
    if funded >= required:
        distribution.cash_status = CashStatus.FUNDED
        distribution.cash_note = f"代派资金 {_fen(funded)} 元已足额到位（应付 {_fen(required)} 元）。"
    else:
        _cash_short(distribution, funded, required, when=f"截至代派资金截止日 {distribution.funding_deadline}")
    distribution.cash_note = (distribution.cash_note + pending_note(pending_count, pending_fen))[:300]
    distribution.cash_declared_fen = required
    distribution.save(update_fields=["cash_status", "cash_note", "cash_declared_fen"])
    audit_record(
        actor="system",
        obj=distribution,
        action="dividend.funding_judged",
        to_state=distribution.cash_status,
        reason=distribution.cash_note,
    )
    funding_verdict_notify(distribution)
    detail = {"funded_fen": funded, "required_fen": required, "lapsed": pending_count, "lapsed_fen": pending_fen}
    _record(distribution, "funding", day, started, 1, detail)
    return distribution.cash_note


def _cash_short(distribution: Distribution, funded: int, required: int, *, when: str) -> None:
    distribution.cash_status = CashStatus.SHORT
    distribution.cash_note = (
        f"{when}，代派资金 {_fen(funded)} 元，应付 {_fen(required)} 元，不足 {_fen(required - funded)} 元："
        "现金红利不实施，已到账资金退回发行人银行账户；送股、转增股照常实施。"
    )[:300]
    refund_funding(distribution, funded, reason="代派资金不足，现金红利不实施，退回", key_suffix="short")


# ---- entitle (R) -----------------------------------------------------------------------------------------


def _held_rows(distribution: Distribution, per_lot: pl.DataFrame, payable: set[int]) -> pl.DataFrame:
    """Per account and reason: cash on frozen shares; all the cash of an account whose custodian
    participant has no reserve account (or that has no custodian at all)."""
    frozen = (
        per_lot.filter(pl.col("held_fen") > 0).group_by("account").agg(pl.col("held_fen").sum().alias("amount_fen"))
    )
    frozen = frozen.with_columns(pl.lit(HeldReason.FROZEN_AT_RECORD.value).alias("reason"))
    orphan = per_lot.filter(~pl.col("participant_id").is_in(list(payable)) | pl.col("participant_id").is_null())
    orphan = orphan.group_by("account").agg((pl.col("cash_fen") - pl.col("held_fen")).sum().alias("amount_fen"))
    orphan = orphan.with_columns(pl.lit(HeldReason.NO_PARTICIPANT.value).alias("reason"))
    return pl.concat([frozen, orphan]).filter(pl.col("amount_fen") > 0).sort(["account", "reason"])


def step_entitle(distribution: Distribution, day: dt.date) -> str:
    started, laps = time.perf_counter(), Laps()
    if day == distribution.record_date:  # R's own end of day: the positions are R's register
        lots, capital = register_now(distribution.security_id)
    else:  # a late run: replay the log up to R
        lots, capital = register_as_of(distribution.security_id, distribution.record_date)
    if capital is None:
        capital = issued_capital_as_of(distribution.security_id, distribution.record_date)
    laps.lap("snapshot")
    held_total_quantity = int(lots.get_column("quantity").sum() or 0)
    if held_total_quantity != capital:
        raise DividendError(
            f"股权登记日 {distribution.record_date} 持有人名册合计 {held_total_quantity} 股，与当日登记股本 "
            f"{capital} 股不符，权益计算未进行。",
            code="dividend.register_mismatch",
        )
    rates = Rates(distribution.cash_micro, distribution.bonus_micro, distribution.transfer_micro)
    _, per_lot, totals = entitle(lots, rates, seed=distribution.seed, method=Method(distribution.method))
    laps.lap("engine")
    cash_on = distribution.cash_status == CashStatus.FUNDED
    funded = funded_fen(distribution)
    if cash_on and funded < totals.cash_total_fen:
        _cash_short(distribution, funded, totals.cash_total_fen, when=f"股权登记日 {distribution.record_date}")
        funding_verdict_notify(distribution)
        cash_on = False
    if not cash_on:
        per_lot = per_lot.with_columns(pl.lit(0, pl.Int64).alias("cash_fen"), pl.lit(0, pl.Int64).alias("held_fen"))
    frame = per_lot.rename({"account": "account_id"}).with_columns(
        pl.lit(distribution.pk, pl.Int64).alias("distribution_id"),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("seq"),
    )
    # One partition per distribution on PostgreSQL, loaded aside and indexed by one sort (a rerun of R
    # replaces it); elsewhere delete and insert.
    partition_replace(
        "dividend_entitlement",
        key="distribution_id",
        value=distribution.pk,
        columns=ENTITLEMENT_COLUMNS,
        frame=frame.select(ENTITLEMENT_COLUMNS),
        primary_key=["distribution_id", "seq"],
    )
    # A million new rows read again on the pay and list dates, maybe before autovacuum has looked: with no
    # statistics the planner takes them for a few thousand and probes row by row instead of hashing
    # (measured when the files still joined the accounts: 2.3 s instead of a hash join).
    partition_analyze("dividend_entitlement", key="distribution_id", value=distribution.pk)
    laps.lap("copy_entitlements")
    paid_total = held_total = 0
    if cash_on:
        paid_total, held_total = _entitle_money(distribution, per_lot, day)
        laps.lap("holds")
        if paid_total + held_total != totals.cash_total_fen:
            raise DividendError(
                f"资金不守恒：应派 {totals.cash_total_fen} 分，派发 {paid_total} 分 + 暂不派发 {held_total} 分。"
            )
    distribution.holders = per_lot.get_column("account").n_unique()
    distribution.total_quantity = totals.total_quantity
    distribution.cash_declared_fen = totals.cash_declared_fen
    distribution.cash_total_fen = totals.cash_total_fen if cash_on else 0
    distribution.bonus_total = totals.bonus_total
    fields = [
        "holders",
        "total_quantity",
        "cash_declared_fen",
        "cash_total_fen",
        "bonus_total",
        "cash_status",
        "cash_note",
    ]
    _move(
        distribution, Status.ENTITLED, f"股权登记日 {distribution.record_date} 日终：{distribution.holders} 户", fields
    )
    _record(
        distribution,
        "entitle",
        day,
        started,
        frame.height,
        {
            **totals.as_json(),
            "paid_fen": paid_total,
            "held_fen": held_total,
            "seed": distribution.seed,
            "by_participant": _by_participant(per_lot),
            "laps": laps.seconds,
        },
    )
    return f"{distribution.holders} 户，派现 {_fen(distribution.cash_total_fen)} 元，送转 {totals.bonus_total} 股"


def _by_participant(per_lot: pl.DataFrame) -> list[list[int | None]]:
    """Per custodian participant (None: none): accounts, R's quantity, cash, bonus — kept with the step
    for the issuer's QYJG on the list date (no second pass over the entitlements then)."""
    return (
        per_lot.group_by("participant_id")
        .agg(
            pl.col("account").n_unique().cast(pl.Int64),
            pl.col("quantity").sum(),
            pl.col("cash_fen").sum(),
            pl.col("bonus_shares").sum(),
        )
        .sort("participant_id", nulls_last=True)
        .rows()
    )


def _entitle_money(distribution: Distribution, per_lot: pl.DataFrame, day: dt.date) -> tuple[int, int]:
    participants = [int(p) for p in per_lot.get_column("participant_id").drop_nulls().unique().to_list()]
    reserves = reserve_accounts_of(participants)
    held = _held_rows(distribution, per_lot, set(reserves))
    held_ids = set(held.filter(pl.col("reason") == HeldReason.NO_PARTICIPANT.value).get_column("account").to_list())
    payable = per_lot.filter(~pl.col("account").is_in(list(held_ids)) & pl.col("participant_id").is_not_null())
    per_participant = (
        payable.group_by("participant_id")
        .agg(
            (pl.col("cash_fen") - pl.col("held_fen")).sum().alias("cash_fen"),
            pl.col("account").n_unique().alias("accounts"),
        )
        .sort("participant_id")
    )
    security = distribution.security
    # The participant's 摘要 for the hold and, through it, for the 派息日's post (csdp.ledger.movements).
    memo = (
        f"{security.code} {security.name} 权益分派现金红利"
        f"（股权登记日 {distribution.record_date}，派息日 {distribution.pay_date}）"
    )
    rows = [
        {
            "debit_account_id": distribution.funding_account_id,
            "credit_account_id": reserves[p].pk,
            "amount_fen": c,
            "key": f"dividend:{distribution.pk}:pay:{p}",
            "code": CODE_PAY,
            "business_date": day,
            "memo": memo,
        }
        for p, c, _ in per_participant.iter_rows()
        if c > 0
    ]
    held_total = int(held.get_column("amount_fen").sum() or 0)
    if held_total:
        rows.append(
            {
                "debit_account_id": distribution.funding_account_id,
                "credit_account_id": held_account(distribution).pk,
                "amount_fen": held_total,
                "key": f"dividend:{distribution.pk}:held",
                "code": CODE_HELD,
                "business_date": day,
                "memo": f"{distribution.security.code} 暂不派发现金红利",
            }
        )
    try:
        holds = holds_create_bulk(rows)
    except LedgerError as error:
        raise DividendError(f"冻结派息资金失败：{error}") from None
    ParticipantPayment.objects.bulk_create(
        ParticipantPayment(
            distribution=distribution,
            participant_id=p,
            accounts=n,
            cash_fen=c,
            hold=holds.get(f"dividend:{distribution.pk}:pay:{p}"),
        )
        for p, c, n in per_participant.iter_rows()
    )
    # COPY, not a model per row: at 1M holders ~10k accounts are frozen (bulk_create took 0.84 s for them)
    copy_in(
        HeldCash._meta.db_table,
        ["distribution_id", "account_id", "amount_fen", "reason"],
        held.select(
            pl.lit(distribution.pk, pl.Int64).alias("distribution_id"), "account", "amount_fen", "reason"
        ).rename({"account": "account_id"}),
    )
    return int(per_participant.get_column("cash_fen").sum() or 0), held_total
