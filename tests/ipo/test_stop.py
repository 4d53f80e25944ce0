"""Failure or suspension (seed 002 第五章): the exchange's confirmation is recorded by staff, and what
follows depends on when it came — before T EOD (§5.1), between T EOD and T+1 EOD (§5.2), or after
T+1 EOD until listing (§5.3) — each tested at its boundary on the business clock."""

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest

from csdp.counter.models import Status
from csdp.counter.services import CounterError
from csdp.ipo.eod.day import eod_run
from csdp.ipo.eod.t_day import offering_subscriptions_load
from csdp.ipo.errors import IpoError
from csdp.ipo.models import (
    EodStep,
    OfferingStatus,
    ParticipantFile,
    ParticipantObligation,
    RefundItem,
    StopRefund,
    StopStage,
)
from csdp.ipo.services import proceeds_pay, reserve_deposit
from csdp.ledger.selectors import balance_of, reserve_account_of
from csdp.notify.models import OutboxMessage
from csdp.register.models import Position
from csdp.securities.models import Security, SecurityStatus
from tests.ipo import world
from tests.ipo.world import T, at
from tests.ipo.stop_world import (
    ORDERS,
    PRICE,
    T1,
    T2,
    T3,
    L,
    _apply,
    _dbf,
    _files,
    _fund_participants,
    _interest_data,
    _stop,
    _through_t1_eod,
)
from tests.ipo.stop_world import loaded, registered, stopped_5_2  # noqa: F401 (pytest fixtures)


pytestmark = pytest.mark.django_db


# ---- §5.1 ----------------------------------------------------------------------------------------------


def test_a_failure_confirmed_before_t_eod_sends_no_clearing_data_and_moves_no_money(loaded, cast):
    offering, s1, s2 = loaded
    at(T, 16, 59)
    stop = _stop(offering, actor=cast.operator)
    assert stop.stage == StopStage.BEFORE_T_EOD
    at(T, 17)
    eod_run()
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.FAILED
    assert not ParticipantFile.objects.filter(offering=offering).exists()  # no 申购清算数据 (§5.1)
    assert not ParticipantObligation.objects.filter(offering=offering).exists()
    assert not offering.step_runs.filter(step=EodStep.T_CLEARING).exists()
    # The issuer is told what happens next: participants unfreeze their clients at T EOD.
    message = OutboxMessage.objects.filter(user=cast.issuer_a, purpose="ipo_stop").first()
    assert message is not None and "可于T日日终将其解冻" in message.body


def test_after_a_failure_the_exchange_file_is_refused(loaded, tmp_path):
    offering, _, _ = loaded
    _stop(offering)
    with pytest.raises(IpoError, match="不能再接收申购数据"):
        offering_subscriptions_load(offering=offering, path=world.subscription_file(tmp_path, ORDERS))


def test_a_confirmation_recorded_just_after_t_eod_falls_under_5_2(loaded):
    offering, _, _ = loaded
    at(T, 17)
    eod_run()
    at(T, 17, 1)
    assert _stop(offering, "suspended").stage == StopStage.BEFORE_T1_EOD


def test_a_confirmation_time_in_the_future_is_refused(loaded):
    offering, _, _ = loaded
    at(T, 12)
    with pytest.raises(IpoError, match="不能晚于当前时间"):
        _stop(offering, at_time=dt.datetime(2026, 3, 16, 13, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.SUBSCRIBING


# ---- §5.2 ----------------------------------------------------------------------------------------------


def test_at_t1_eod_the_depository_unfreezes_everything_and_sends_the_unfreeze_data(stopped_5_2):
    offering, s1, s2 = stopped_5_2
    assert offering.status == OfferingStatus.SUSPENDED
    assert offering.step_runs.filter(step=EodStep.STOP_UNFREEZE).exists()
    for participant, paid in ((s1, 3_000 * PRICE), (s2, 1_000 * PRICE)):
        balance = balance_of(reserve_account_of(participant.institution))
        assert (balance.posted_fen, balance.available_fen) == (paid, paid)  # nothing deducted, nothing held
        obligation = ParticipantObligation.objects.get(offering=offering, participant=participant)
        assert obligation.frozen_fen == obligation.unfrozen_fen == paid and obligation.deducted_fen == 0
    jdsj = _files(offering, "JDSJ")
    assert [(r["GDDM"], r["JDJE"]) for r in _dbf(jdsj["S001"])] == [("0400000001", 14040.0), ("0400000002", 28080.0)]
    assert [(r["GDDM"], r["JDJE"]) for r in _dbf(jdsj["S002"])] == [("0500000001", 14040.0)]
    assert not _files(offering, "PSJG")  # no allocation of a suspended issue


def test_the_unfreeze_runs_once(stopped_5_2):
    offering, s1, _ = stopped_5_2
    before = balance_of(reserve_account_of(s1.institution))
    reports = [r for r in eod_run() if r.offering == offering.code]
    assert [(r.step, r.skipped) for r in reports] == [(EodStep.STOP_UNFREEZE, True)]
    assert balance_of(reserve_account_of(s1.institution)) == before


def test_participants_may_withdraw_the_unfrozen_money_on_t2(stopped_5_2):
    from csdp.ipo.services import reserve_withdraw

    _, s1, _ = stopped_5_2
    at(T2, 10)
    reserve_withdraw(institution=s1.institution, amount_fen=3_000 * PRICE, reference="back", actor=None)
    assert balance_of(reserve_account_of(s1.institution)).posted_fen == 0


def test_interest_cannot_be_applied_for_before_t2(stopped_5_2, cast):
    at(T1, 17, 30)
    with pytest.raises(CounterError, match="T\\+2"):
        _apply(cast, _interest_data(), until=Status.DRAFT)


def test_on_acceptance_the_interest_goes_from_the_underwriter_to_each_participant_with_a_file(stopped_5_2, cast):
    offering, s1, s2 = stopped_5_2
    at(T3, 10)
    reserve_deposit(institution=offering.underwriter, amount_fen=100_00, reference="uw", actor=None)
    _apply(cast, _interest_data())
    # 0.35 % a year over T … T+2 (2 days) on 360: 14,040 yuan → 0.273 → 0.27; 28,080 → 0.546 → 0.55.
    lxfh = _files(offering, "LXFH")
    assert [(r["GDDM"], r["JXTS"], r["LXJE"]) for r in _dbf(lxfh["S001"])] == [
        ("0400000001", 2, 0.27),
        ("0400000002", 2, 0.55),
    ]
    assert [(r["GDDM"], r["LXJE"]) for r in _dbf(lxfh["S002"])] == [("0500000001", 0.27)]
    assert balance_of(reserve_account_of(s1.institution)).posted_fen == 3_000 * PRICE + 82
    assert balance_of(offering.underwriter_account).posted_fen == 100_00 - 109
    refund = StopRefund.objects.get(offering=offering, item=RefundItem.INTEREST)
    assert (refund.amount_fen, refund.participants, refund.orders) == (109, 2, 3)


def test_interest_is_paid_once(stopped_5_2, cast):
    offering, _, _ = stopped_5_2
    at(T3, 10)
    reserve_deposit(institution=offering.underwriter, amount_fen=100_00, reference="uw", actor=None)
    _apply(cast, _interest_data())
    with pytest.raises(CounterError, match="已办理"):
        _apply(cast, _interest_data(), until=Status.DRAFT)


def test_acceptance_is_refused_while_the_underwriter_cannot_pay_and_nothing_is_kept(stopped_5_2, cast):
    offering, s1, _ = stopped_5_2
    at(T3, 10)
    with pytest.raises(CounterError, match="可用余额不足"):
        _apply(cast, _interest_data())
    assert not StopRefund.objects.filter(offering=offering).exists()
    assert not _files(offering, "LXFH")
    assert balance_of(reserve_account_of(s1.institution)).posted_fen == 3_000 * PRICE


def test_principal_and_cancellation_are_not_for_a_5_2_stop(stopped_5_2, cast):
    at(T3, 10)
    with pytest.raises(CounterError, match=r"T\+1日日终后中止"):
        _apply(cast, _interest_data(refund_interest=False, refund_principal=True), until=Status.DRAFT)


# ---- §5.3 ----------------------------------------------------------------------------------------------


def test_after_t1_eod_only_a_suspension_can_be_recorded(registered):
    offering, _, _ = registered
    at(T3, 9)
    with pytest.raises(IpoError, match="只能中止发行"):
        _stop(offering, "failed")
    assert _stop(offering, "suspended").stage == StopStage.BEFORE_LISTING


def test_a_listed_offering_cannot_be_stopped(registered):
    offering, _, _ = registered
    at(L, 17)
    eod_run()
    with pytest.raises(IpoError, match="已上市"):
        _stop(offering, "suspended")


def test_registered_shares_cannot_be_refunded_without_being_cancelled(registered, cast):
    offering, _, _ = registered
    at(T3, 9)
    _stop(offering, "suspended")
    with pytest.raises(CounterError, match="一并申请"):
        _apply(cast, _interest_data(refund_interest=False, refund_principal=True), until=Status.DRAFT)


def test_the_issuer_may_not_order_money_out_of_the_underwriters_account(stopped_5_2, cast):
    at(T3, 10)
    with pytest.raises(CounterError, match="须由主承销商申请"):
        _apply(cast, _interest_data(), until=Status.DRAFT, filer=cast.issuer_a)


def test_no_one_files_for_an_offering_that_is_not_theirs(stopped_5_2, cast):
    from tests.counter.factories import give_codes

    give_codes(cast.issuer_b.institution, "920188")  # even with the code among its own
    at(T3, 10)
    with pytest.raises(CounterError, match="没有本机构作为发行人或主承销商"):
        _apply(cast, _interest_data(refund_interest=False), until=Status.DRAFT, filer=cast.issuer_b)


def test_an_interest_period_ending_in_the_future_is_refused(stopped_5_2, cast):
    at(T3, 10)
    with pytest.raises(CounterError, match="计息止日不能晚于今天"):
        _apply(cast, _interest_data(interest_to="2062-03-18"), until=Status.DRAFT)


def test_a_5_3_application_cancels_the_shares_and_returns_principal_and_interest(registered, cast):
    offering, s1, s2 = registered
    at(T3, 9)
    _stop(offering, "suspended")
    allocated = {p.account.number: p.quantity for p in Position.objects.filter(security__code="920188")}
    assert sum(allocated.values()) == 1_000  # online shares, paid by the participants at T+1 EOD
    before = {s.code: balance_of(reserve_account_of(s.institution)).posted_fen for s in (s1, s2)}
    # The issuer was paid at T+2; the money comes back through the underwriter's account.
    reserve_deposit(institution=offering.underwriter, amount_fen=1_000 * PRICE + 100_00, reference="uw", actor=None)
    _apply(cast, _interest_data(refund_principal=True, cancel_shares=True))
    assert Position.objects.filter(security__code="920188", quantity__gt=0).count() == 0
    assert Security.objects.get(code="920188").status == SecurityStatus.DELISTED
    principal = {s: sum(r["BJJE"] for r in _dbf(f)) for s, f in _files(offering, "BJFH").items()}
    cancelled = {s: sum(r["ZXSL"] for r in _dbf(f)) for s, f in _files(offering, "GFZX").items()}
    assert sum(cancelled.values()) == 1_000
    assert round(sum(principal.values()) * 100) == 1_000 * PRICE
    interest = StopRefund.objects.get(offering=offering, item=RefundItem.INTEREST).amount_fen
    after = {s.code: balance_of(reserve_account_of(s.institution)).posted_fen for s in (s1, s2)}
    assert sum(after.values()) - sum(before.values()) == 1_000 * PRICE + interest


def test_a_frozen_lot_blocks_the_cancellation_and_nothing_is_kept(registered, cast):
    from csdp.register.services import register_apply
    from csdp.securities.models import SecuritiesAccount

    offering, s1, _ = registered
    at(T3, 9)
    _stop(offering, "suspended")
    holder = (
        Position.objects.filter(security__code="920188", quantity__gt=0).select_related("account", "security").first()
    )
    register_apply(
        events=[
            {
                "security_id": holder.security_id,
                "account_id": holder.account_id,
                "event_type": "freeze",
                "business_date": T3,
                "key": "court:1",
                "frozen_delta": holder.quantity,
            }
        ]
    )
    reserve_deposit(institution=offering.underwriter, amount_fen=1_000 * PRICE, reference="uw", actor=None)
    with pytest.raises(CounterError, match="不能注销"):
        _apply(cast, _interest_data(refund_interest=False, refund_principal=True, cancel_shares=True))
    assert not StopRefund.objects.filter(offering=offering).exists()
    assert (
        SecuritiesAccount.objects.get(pk=holder.account_id).positions.get(security__code="920188").quantity
        == holder.quantity
    )
    assert balance_of(offering.underwriter_account).posted_fen == 1_000 * PRICE  # the deposit, nothing paid
    assert not _files(offering, "GFZX")


# ---- more boundaries -------------------------------------------------------------------------------------


def test_a_suspension_right_after_t1_eod_keeps_the_proceeds_for_the_refund(loaded, cast):
    """§5.3's lower boundary: T+1 17:01, settled but not paid to the issuer — the payment is stopped and
    the principal goes back from the proceeds in the underwriter's account."""
    offering, s1, s2 = loaded
    _through_t1_eod(offering, s1, s2)
    at(T1, 17, 1)
    assert _stop(offering, "suspended").stage == StopStage.BEFORE_LISTING
    at(T2, 10)
    with pytest.raises(IpoError):
        proceeds_pay(offering=offering, actor=None)
    paid_in = sum(balance_of(reserve_account_of(s.institution)).posted_fen for s in (s1, s2))
    at(T3, 10)
    reserve_deposit(institution=offering.underwriter, amount_fen=100_00, reference="uw-interest", actor=None)
    _apply(cast, _interest_data(refund_principal=True))
    principal = StopRefund.objects.get(offering=offering, item=RefundItem.PRINCIPAL).amount_fen
    interest = StopRefund.objects.get(offering=offering, item=RefundItem.INTEREST).amount_fen
    assert principal == 1_000 * PRICE  # the online shares' money, all of it
    assert (
        sum(balance_of(reserve_account_of(s.institution)).posted_fen for s in (s1, s2))
        == paid_in + principal + interest
    )


def test_a_5_2_unfreeze_missed_at_t1_runs_at_the_next_eod_and_the_period_follows(loaded, cast):
    from csdp.ipo.failure.refunds import default_terms

    offering, s1, s2 = loaded
    at(T, 17)
    eod_run()
    at(T1, 11)
    _fund_participants(s1, s2)
    _stop(offering, "suspended")
    at(T2, 17)  # T+1's end of day never ran
    eod_run()
    run = offering.step_runs.get(step=EodStep.STOP_UNFREEZE)
    assert run.business_date == T2
    assert default_terms(offering, Decimal("0.35"), 360).end == T3  # returned the trading day after


def test_the_unfreeze_data_the_ledger_and_the_interest_base_agree_when_a_participant_is_short(loaded):
    """S001 covers 2,000 of its 3,000 shares and declares seq 1 short (附件5): the orders left uncovered
    are frozen for nothing, so they are neither in JDSJ nor in the hold, nor do they earn interest."""
    from csdp.ipo.failure.refunds import interest_base
    from csdp.ipo.services import DeclarationRow, shortfall_declare

    offering, s1, s2 = loaded
    at(T, 17)
    eod_run()
    at(T1, 11)
    reserve_deposit(institution=s1.institution, amount_fen=2_000 * PRICE, reference="s1", actor=None)
    reserve_deposit(institution=s2.institution, amount_fen=1_000 * PRICE, reference="s2", actor=None)
    shortfall_declare(
        offering=offering,
        participant=s1,
        actor=None,
        rows=[
            DeclarationRow(
                account="0400000001",
                account_name="投资者甲",
                seq=1,
                invalid_shares=1_000,
                reserve_account="R",
                settlement_account="S",
            )
        ],
    )
    _stop(offering, "suspended")
    at(T1, 17)
    eod_run()
    jdsj = {code: round(sum(r["JDJE"] for r in _dbf(f)) * 100) for code, f in _files(offering, "JDSJ").items()}
    held = {o.participant.code: o.frozen_fen for o in ParticipantObligation.objects.filter(offering=offering)}
    base = dict(interest_base(offering).group_by("participant").agg(pl.col("base_fen").sum()).iter_rows())
    assert jdsj == {"S001": 2_000 * PRICE, "S002": 1_000 * PRICE}
    assert held == {"S001": 2_000 * PRICE, "S002": 1_000 * PRICE}
    assert base == held
    assert [r["GDDM"] for r in _dbf(_files(offering, "JDSJ")["S001"])] == ["0400000002"]  # seq 1 was declared


def test_a_stop_between_settlement_and_its_files_still_sends_the_files(loaded):
    from csdp.ipo.eod.t1_day import t1_settle_day

    offering, s1, s2 = loaded
    at(T, 17)
    eod_run()
    at(T1, 11)
    _fund_participants(s1, s2)
    at(T1, 17)
    t1_settle_day()  # money moved; the files step has not run yet
    _stop(offering, "suspended")
    eod_run()
    assert set(_files(offering, "PSJG")) == {"S001", "S002"}


def test_a_refund_whose_acceptance_fails_after_its_files_are_written_publishes_no_file(
    stopped_5_2, cast, monkeypatch, settings, tmp_path
):
    """Issue 20 §7: the LXFH files are written inside the acceptance; if the acceptance then fails,
    no file reaches the participants' folders (not even under its final name for a moment)."""
    from csdp.counter import handling

    offering, _, _ = stopped_5_2
    at(T3, 10)
    reserve_deposit(institution=offering.underwriter, amount_fen=100_00, reference="uw", actor=None)

    def result_store_fails(*args, **kwargs):
        raise CounterError("结果文件保存失败")

    monkeypatch.setattr(handling, "_result_store", result_store_fails)
    settings.CSDP_FILES_DIR = tmp_path  # only this acceptance's files land here
    with pytest.raises(CounterError, match="结果文件保存失败"):
        _apply(cast, _interest_data())
    assert not StopRefund.objects.filter(offering=offering).exists()
    assert [p.name for p in tmp_path.rglob("LXFH*") if not p.name.endswith(".part")] == []
