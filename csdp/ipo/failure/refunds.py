"""What a stopped offering's application orders (seed 002 第五章, §5.2, §5.3): the interest on the frozen
funds and the principal, from the lead underwriter's 自营结算备付金账户 to each participant's reserve
with a file per participant listing every investor's amount; and the cancellation (注销) of the shares
already registered. Each item is done once per offering (StopRefund), all or nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import polars as pl
from django.db import connection

from csdp.audit.services import audit_record
from csdp.clock.services import business_today, clock_now, trading_day_offset
from csdp.ipo.engine.interest import MAX_DAYS, interest_expr, rate_scaled
from csdp.ipo.eod.order_records import order_columns
from csdp.ipo.eod.participant_files import outcomes_frame, publish, registration_frames
from csdp.ipo.eod.runner import step_done
from csdp.ipo.errors import IpoError
from csdp.ipo.models import EodStep, Offering, RefundItem, StopRefund, StopStage
from csdp.ledger.bulk import transfers_post_bulk
from csdp.ledger.models import LedgerAccount
from csdp.ledger.selectors import balance_of, reserve_account_of
from csdp.ledger.services import LedgerError
from csdp.register.bulk import register_apply_bulk
from csdp.register.models import EventType, Position
from csdp.register.services import RegisterError
from csdp.securities.models import ParticipantProfile, Security, SecurityStatus
from csdp.securities.services import security_status_change

ISSUED = [EventType.IPO_ALLOCATION.value, EventType.REMAINDER.value, EventType.STRATEGIC.value, EventType.OFFLINE.value]


@dataclass(frozen=True)
class InterestTerms:
    """The application's terms: annual rate in percent, day count, period [start, end)."""

    annual_rate: Decimal
    day_count: int
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def default_terms(offering: Offering, annual_rate: Decimal, day_count: int) -> InterestTerms:
    """Frozen by the participants from T (when they froze their clients' money for the order) until the
    trading day after the unfreeze, when it goes back to investors: T+2 (002 §5.2 "T+2日，结算参与人应向
    投资者返还"), later if a §5.2 unfreeze ran at a later EOD."""
    run = offering.step_runs.filter(step=EodStep.STOP_UNFREEZE).first()
    end = trading_day_offset(run.business_date, 1) if run else offering.day(2)
    return InterestTerms(annual_rate, day_count, offering.t_date, max(end, offering.day(2)))


def refund_problems(offering: Offering, *, items: set[str], terms: InterestTerms | None, filer_id: int) -> list[str]:
    """Every reason the requested items cannot be done now for this filer (the counter's validation and
    the execution ask the same question)."""
    stop = getattr(offering, "stop", None)
    if stop is None:
        return ["该发行未记录发行失败或中止，不能申请返还或注销。"]
    problems = []
    if items & {RefundItem.INTEREST, RefundItem.PRINCIPAL} and filer_id != offering.underwriter_id:
        # 002 §5.2, §5.3: "本公司根据主承销商申请" — the money leaves the lead underwriter's own account.
        problems.append("返还利息或本金须由主承销商申请；发行人可提交材料并申请注销股份。")
    done = set(StopRefund.objects.filter(offering=offering).values_list("item", flat=True))
    for item in sorted(items & done):
        problems.append(f"“{RefundItem(item).label}”已办理，不能重复办理。")
    if items and stop.stage == StopStage.BEFORE_T_EOD:
        problems.append("T日日终前确认的，结算参与人于T日日终自行解冻客户资金，本公司不办理返还或注销。")
        return problems
    if RefundItem.INTEREST in items:
        problems += _interest_problems(offering, stop.stage, terms)
    if items & {RefundItem.PRINCIPAL, RefundItem.CANCELLATION} and stop.stage != StopStage.BEFORE_LISTING:
        problems.append("返还本金和注销股份只适用于T+1日日终后中止的发行。")
    elif step_done(offering, EodStep.REGISTRATION):
        # The investors either keep shares and money or give up both: the two go together.
        together = {RefundItem.PRINCIPAL, RefundItem.CANCELLATION}
        if items & together and not together <= (items | done):
            problems.append("股份已登记到账：返还认购资金本金须与注销已登记到账股份一并申请。")
    elif RefundItem.CANCELLATION in items:
        problems.append("该发行尚未办理股份登记，没有可注销的股份。")
    return problems


def _interest_problems(offering: Offering, stage: str, terms: InterestTerms | None) -> list[str]:
    if terms is None:
        return ["申请返还利息须填写年利率、计息基础和计息期间。"]
    problems = []
    try:
        rate_scaled(terms.annual_rate)
    except ValueError as error:
        problems.append(str(error))
    if terms.day_count not in (360, 365):
        problems.append("计息基础应为 360 或 365 天。")
    if terms.days <= 0:
        problems.append("计息止日应晚于计息起日。")
    if terms.start < offering.t_date:
        problems.append(f"计息起日不能早于申购日 T（{offering.t_date}）。")
    if terms.end > business_today():
        problems.append(f"计息止日不能晚于今天（{business_today()}）：利息按实际冻结期间计算。")
    if terms.days > MAX_DAYS:
        problems.append(f"计息期间不能超过 {MAX_DAYS} 天。")
    if stage == StopStage.BEFORE_T1_EOD and not step_done(offering, EodStep.STOP_UNFREEZE):
        problems.append("本公司尚未于T+1日日终解冻申购资金，不能申请返还利息。")
    elif business_today() < offering.day(2):
        # 002 §5.2 "T+2日后，主承销商应协助发行人向投资者返还冻结资金的利息"; §5.3 "同样".
        problems.append(f"利息返还应在 T+2 日（{offering.day(2)}）结算参与人返还解冻资金后申请。")
    return problems


# ---- the frames behind the files and the payments ---------------------------------------------------


def interest_base(offering: Offering, outcomes: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per order, the money frozen for it (``base_fen``): the T+1 freeze, or on a §5.2 stop what
    ``stop_unfreeze`` froze and released — the same per-order amounts as the JDSJ file and the ledger."""
    outcomes = outcomes_frame(offering) if outcomes is None else outcomes
    return outcomes.with_columns(pl.col("frozen_fen").alias("base_fen"))


def interest_frame(offering: Offering, terms: InterestTerms, day: dt.date, outcomes: pl.DataFrame) -> pl.DataFrame:
    """LXFH rows: each order's interest, half up to the fen on its own (csdp.ipo.engine.interest)."""
    orders = interest_base(offering, outcomes).with_columns(
        interest_expr(
            pl.col("base_fen"), rate_percent=terms.annual_rate, days=terms.days, day_count=terms.day_count
        ).alias("amount_fen")
    )
    return (
        order_columns(orders.filter(pl.col("amount_fen") > 0), offering.code, day)
        .with_columns(
            pl.col("base_fen").alias("JXBJ"),
            pl.lit(terms.days).alias("JXTS"),
            pl.lit(rate_scaled(terms.annual_rate)).alias("NLL"),
            pl.lit(terms.day_count).alias("JXJC"),
            pl.col("amount_fen").alias("LXJE"),
        )
        .sort("seq")
    )


def principal_frame(offering: Offering, day: dt.date, outcomes: pl.DataFrame) -> pl.DataFrame:
    """BJFH rows: what each allocated order paid at T+1 EOD (kept shares × price)."""
    orders = outcomes.filter(pl.col("deducted_fen") > 0)
    return (
        order_columns(orders, offering.code, day)
        .with_columns(
            pl.col("kept").alias("PSSL"),
            pl.col("deducted_fen").alias("BJJE"),
            pl.col("deducted_fen").alias("amount_fen"),
        )
        .sort("seq")
    )


def paying_account(offering: Offering) -> LedgerAccount | None:
    """The lead underwriter's 自营结算备付金账户 the refunds leave from: the one it reported (002 §3.2.1)."""
    return offering.underwriter_account or reserve_account_of(offering.underwriter)


def _paying_account(offering: Offering) -> LedgerAccount:
    account = paying_account(offering)
    if account is None:
        raise IpoError("主承销商尚未开立自营结算备付金账户，不能返还资金。")
    return account


def _check_funds(offering: Offering, needed: int) -> LedgerAccount:
    payer = _paying_account(offering)
    available = balance_of(payer).available_fen
    if available < needed:
        raise IpoError(
            f"主承销商自营结算备付金账户可用余额不足：应付 {needed / 100:,.2f} 元，可用 {available / 100:,.2f} 元。"
            "请先存入资金。"
        )
    return payer


def _pay(offering: Offering, frame: pl.DataFrame, item: str, day: dt.date) -> tuple[int, int]:
    """One transfer per participant from the lead underwriter's account; returns (total, participants)."""
    per_participant = frame.group_by("participant").agg(pl.col("amount_fen").sum()).sort("participant")
    total = int(per_participant["amount_fen"].sum() or 0)
    if total == 0:
        return 0, 0
    payer = _check_funds(offering, total)
    reserves = {}
    for profile in ParticipantProfile.objects.filter(code__in=per_participant["participant"].to_list()).select_related(
        "institution"
    ):
        reserve = reserve_account_of(profile.institution)
        if reserve is None:
            raise IpoError(f"结算参与人 {profile.code} 没有综合结算备付金账户。")
        reserves[profile.code] = reserve.pk
    label = RefundItem(item).label
    transfers = per_participant.select(
        pl.lit(payer.pk).alias("debit_account_id"),
        pl.col("participant").replace_strict(reserves, return_dtype=pl.Int64).alias("credit_account_id"),
        "amount_fen",
        (pl.lit(f"ipo:{offering.code}:stop:{item}:") + pl.col("participant")).alias("key"),
        pl.lit(f"IPO_STOP_{item.upper()}").alias("code"),
        pl.lit(day).alias("business_date"),
        pl.lit(f"{offering.code} 中止发行{label}").alias("memo"),
    )
    try:
        transfers_post_bulk(transfers)
    except LedgerError as error:
        raise IpoError(str(error)) from None
    return total, per_participant.height


def _record(offering: Offering, application, item: str, **values) -> StopRefund:
    refund = StopRefund.objects.create(
        offering=offering, item=item, application_id=application.pk, done_at=clock_now(), **values
    )
    audit_record(
        actor=None,
        obj=offering,
        action=f"offering.stop_{item}",
        data={"application": application.pk, "amount_fen": refund.amount_fen, "shares": refund.shares},
    )
    return refund


@dataclass(frozen=True)
class Carried:
    """An item done in the database, with the participant files still to publish."""

    refund: StopRefund
    frames: dict[str, pl.DataFrame]
    participants: dict[str, int] | None = None


def stop_items_carry_out(
    *, offering: Offering, application, items: set[str], terms: InterestTerms | None
) -> list[Carried]:
    """Every database write first (the register, then the ledger, checked for funds as a whole before
    any transfer), the participant files last: a refusal half-way leaves no file that says otherwise."""
    day = business_today()
    outcomes = outcomes_frame(offering) if items & {RefundItem.INTEREST, RefundItem.PRINCIPAL} else None
    interest = interest_frame(offering, terms, day, outcomes) if RefundItem.INTEREST in items else None
    principal = principal_frame(offering, day, outcomes) if RefundItem.PRINCIPAL in items else None
    needed = sum(int(f["amount_fen"].sum() or 0) for f in (interest, principal) if f is not None)
    if needed:
        _check_funds(offering, needed)
    done = []
    if RefundItem.CANCELLATION in items:
        done.append(stop_shares_cancel(offering=offering, application=application))
    if principal is not None:
        total, participants = _pay(offering, principal, RefundItem.PRINCIPAL, day)
        done.append(
            Carried(
                _record(
                    offering,
                    application,
                    RefundItem.PRINCIPAL,
                    amount_fen=total,
                    participants=participants,
                    orders=principal.height,
                ),
                {"BJFH": principal},
            )
        )
    if interest is not None:
        # 002 §5.2 / §5.3: "本公司根据主承销商申请，将冻结资金利息返还结算参与人，并由结算参与人返还投资者".
        total, participants = _pay(offering, interest, RefundItem.INTEREST, day)
        done.append(
            Carried(
                _record(
                    offering,
                    application,
                    RefundItem.INTEREST,
                    amount_fen=total,
                    participants=participants,
                    orders=interest.height,
                    annual_rate=terms.annual_rate,
                    day_count=terms.day_count,
                    interest_from=terms.start,
                    interest_to=terms.end,
                ),
                {"LXFH": interest},
            )
        )
    for carried in done:
        publish(offering, carried.frames, day, carried.participants)
    return done


# ---- cancellation -------------------------------------------------------------------------------------


def _current_security(offering: Offering) -> Security:
    """Where the shares are now: the 920 code after the L-1 switch, else the code they were registered under."""
    if step_done(offering, EodStep.CODE_SWITCH):
        return Security.objects.get(code=offering.code)
    return Security.objects.get(code=offering.step_runs.get(step=EodStep.REGISTRATION).detail["security"])


def _registered(offering: Offering, event_types: list[str], key_like: str) -> pl.DataFrame:
    """The offering's registration events summed per lot (one aggregate query)."""
    placeholders = ", ".join(["%s"] * len(event_types))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT account_id, share_nature, lockup_end, SUM(quantity_delta) FROM register_registrationevent "
            f"WHERE key LIKE %s AND event_type IN ({placeholders}) GROUP BY account_id, share_nature, lockup_end "
            f"ORDER BY account_id, share_nature, lockup_end",
            [key_like, *event_types],
        )
        rows = cursor.fetchall()
    return pl.DataFrame(
        rows,
        schema={"account_id": pl.Int64, "share_nature": pl.Utf8, "lockup_end": pl.Date, "quantity": pl.Int64},
        orient="row",
    )


def cancellation_events(offering: Offering, security_id: int, day: dt.date) -> pl.DataFrame:
    """Every lot the offering registered, taken back (注销); the pre-IPO lock-ups of the T-1 list go back
    to 00 (they were restricted for this listing: 002 §2.1.2(四)2)."""
    prefix = f"ipo:{offering.code}:"
    lot_key = (
        pl.col("account_id").cast(pl.Utf8)
        + ":"
        + pl.col("share_nature")
        + ":"
        + pl.col("lockup_end").cast(pl.Utf8).fill_null("-")
    )
    issued = (
        _registered(offering, ISSUED, prefix + "%")
        .filter(pl.col("quantity") != 0)
        .with_columns(
            pl.lit(EventType.CANCELLATION.value).alias("event_type"),
            (pl.lit(prefix + "cancel:") + lot_key).alias("key"),
        )
    )
    lockups = (
        _registered(offering, [EventType.RESTRICT.value], prefix + "lockup:%")
        .filter(pl.col("quantity") != 0)
        .with_columns(
            pl.lit(EventType.RESTRICT.value).alias("event_type"), (pl.lit(prefix + "unlock:") + lot_key).alias("key")
        )
    )
    return pl.concat([issued, lockups]).select(
        pl.lit(security_id, dtype=pl.Int64).alias("security_id"),
        "account_id",
        "share_nature",
        "lockup_end",
        "event_type",
        (-pl.col("quantity")).alias("quantity_delta"),
        pl.lit(day).alias("business_date"),
        "key",
        pl.lit(f"{offering.code} 中止发行，注销已登记到账股份").alias("memo"),
    )


def stop_shares_cancel(*, offering: Offering, application) -> Carried:
    """002 第五章 "涉及需注销已登记到账股份的" and §5.3. Refused whole if any lot is frozen or pledged."""
    day = business_today()
    security = _current_security(offering)
    events = cancellation_events(offering, security.pk, day)
    try:
        register_apply_bulk(events)
    except RegisterError as error:
        raise IpoError(f"不能注销：{error}") from None
    frames, participants = registration_frames(offering, day)
    gfzx = frames["GFDJ"].with_columns(pl.lit(security.code).alias("ZQDM"), pl.col("DJSL").alias("ZXSL"))
    if (
        security.status == SecurityStatus.PENDING
        and not Position.objects.filter(security=security, quantity__gt=0).exists()
    ):
        security_status_change(
            security=security, to=SecurityStatus.DELISTED, actor=None, reason="中止发行，已登记股份注销"
        )
    cancelled = -int(events.filter(pl.col("event_type") == EventType.CANCELLATION.value)["quantity_delta"].sum() or 0)
    refund = _record(
        offering,
        application,
        RefundItem.CANCELLATION,
        shares=cancelled,
        participants=len(participants),
        orders=gfzx.height,
    )
    return Carried(refund, {"GFZX": gfzx}, participants)
