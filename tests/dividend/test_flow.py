"""A distribution end to end: funding, R, 派息日, 红股上市日 — money and shares conserved, the register
changed, files written; a second run changes nothing; the failure paths."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum

from csdp.dividend.models import (
    ClosedAccountBonus,
    CashStatus,
    Distribution,
    Entitlement,
    HeldCash,
    ParticipantPayment,
    Status,
    Step,
)
from csdp.dividend.services import DividendError, distribution_withdraw
from csdp.ledger.models import LedgerAccount
from csdp.register.models import Position, RegistrationEvent
from csdp.register.services import register_apply
from csdp.securities.models import SecuritiesAccount
from tests.dividend.world import DEADLINE, LIST, LOTS, PAY, TOTAL_QUANTITY, R, at, eod, fund, schedule


def _balance(number: str) -> int:
    a = LedgerAccount.objects.get(number=number)
    return a.credits_posted - a.debits_posted


_fund = fund


def _freeze_one_share(security, account, key: str, day: dt.date) -> None:
    register_apply(
        events=[
            {
                "key": key,
                "security_id": security.pk,
                "account_id": account.pk,
                "event_type": "freeze",
                "frozen_delta": 1,
                "business_date": day,
            }
        ]
    )


def test_a_funded_distribution_pays_cash_holds_frozen_cash_and_registers_bonus_shares(world, cast, settings):
    security, accounts = world
    d = schedule(cast.issuer_a)
    assert (d.ex_date, d.pay_date, d.list_date, d.funding_deadline) == (PAY, PAY, LIST, dt.date(2026, 6, 3))
    _fund(d, cast.issuer_a, amount=TOTAL_QUANTITY * d.cash_micro // 100_000 + 55)  # 0.55 yuan too much
    assert _fund(d, cast.issuer_a, amount=TOTAL_QUANTITY * d.cash_micro // 100_000 + 55).pk  # replay: same record
    with pytest.raises(DividendError):
        _fund(d, cast.issuer_a, amount=1)  # same bank reference, another amount
    eod(dt.date(2026, 6, 3))
    d.refresh_from_db()
    assert d.cash_status == CashStatus.FUNDED
    eod(R)
    d.refresh_from_db()
    assert d.status == Status.ENTITLED and d.holders == 5 and d.total_quantity == TOTAL_QUANTITY
    assert d.cash_total_fen == d.cash_declared_fen == TOTAL_QUANTITY * 1_234_567 // 100_000
    assert d.bonus_total == TOTAL_QUANTITY * 5 // 10
    # the account without a custodian and the frozen shares' cash are held
    reasons = set(HeldCash.objects.filter(distribution=d).values_list("reason", flat=True))
    assert reasons == {"frozen", "no_custodian"}
    # a freeze placed after R and a closed account: their cash is held on the pay date
    at(PAY, 9)
    _freeze_one_share(security, accounts["0100000001"], "late-freeze", PAY)
    SecuritiesAccount.objects.filter(number="0100000005").update(status="closed")
    eod(PAY)
    d.refresh_from_db()
    assert d.status == Status.PAID and d.cash_status == CashStatus.PAID
    held = dict(HeldCash.objects.filter(distribution=d).values_list("reason").annotate(s=Sum("amount_fen")))
    assert set(held) == {"frozen", "no_custodian", "frozen_later", "closed"}
    paid = ParticipantPayment.objects.filter(distribution=d).aggregate(s=Sum("paid_fen"))["s"]
    assert paid + sum(held.values()) == d.cash_total_fen
    assert _balance("R-P1") + _balance("R-P2") == paid
    assert _balance(f"DIV-{d.pk}") == 0 and _balance(f"DIV-{d.pk}-HELD") == sum(held.values())
    assert _balance("ISS-920001-BANK") == -d.cash_total_fen  # funded − refund of the 0.55 surplus
    files = sorted(p.name for p in (settings.CSDP_FILES_DIR / "dividend" / str(d.pk)).rglob("*.*"))
    assert files == sorted(["QYMX920001.dbf", "QYMX920001.csv", "QYHZ920001.dbf", "QYHZ920001.csv"] * 2)
    before = Position.objects.filter(security=security).aggregate(s=Sum("quantity"))["s"]
    eod(LIST)
    d.refresh_from_db()
    assert d.status == Status.COMPLETED
    after = Position.objects.filter(security=security).aggregate(s=Sum("quantity"))["s"]
    assert after - before == d.bonus_total
    security.refresh_from_db()
    assert security.issued_shares == after  # issued capital grew by the bonus total
    restricted = Position.objects.get(security=security, account=accounts["0100000002"], share_nature="05")
    assert restricted.lockup_end == dt.date(2027, 6, 30) and restricted.quantity > 667
    encumbered = Position.objects.get(security=security, account=accounts["0100000003"])
    # This world's frozen and pledged shares are bare register events, with no court freeze or pledge
    # record to carry their bonus shares: those are credited free (accrual.py; records: test_accrual.py).
    assert encumbered.frozen == 700 and encumbered.pledged == 900 and encumbered.quantity == 2_500 + 1_250
    assert RegistrationEvent.objects.filter(event_type="bonus").count() == 6
    # one event per lot with bonus shares, keyed by the lot (built by the database: register_apply_staged)
    expected = {
        (
            f"div:{d.pk}:{e.account_id}:{e.share_nature}:{e.lockup_end.strftime('%Y%m%d') if e.lockup_end else '-'}",
            e.account_id,
            e.share_nature,
            e.lockup_end,
            e.bonus_shares,
            0,  # registered free: no record to follow (above)
            0,
            LIST,
            f"920001 送转股（登记日 {R}）",
        )
        for e in Entitlement.objects.filter(distribution_id=d.pk, bonus_shares__gt=0)
    }
    assert expected == set(
        RegistrationEvent.objects.filter(event_type="bonus").values_list(
            "key",
            "account_id",
            "share_nature",
            "lockup_end",
            "quantity_delta",
            "frozen_delta",
            "pledged_delta",
            "business_date",
            "memo",
        )
    )
    # the account closed after R: its bonus shares are on its lot, and said so to issuer, participant, staff
    closed = ClosedAccountBonus.objects.get(distribution=d)
    assert closed.account_id == accounts["0100000005"].pk and closed.shares == 5
    assert Position.objects.get(security=security, account=accounts["0100000005"]).quantity == 15
    day = settings.CSDP_FILES_DIR / "dividend" / str(d.pk) / "20260609"
    assert (day / "P2" / "QYZC920001.csv").read_text().splitlines()[1].split(",")[2:4] == ["0100000005", "5"]
    total = [line for line in (day / "issuer" / "QYJG920001.csv").read_text().splitlines() if "TOTAL" in line]
    assert total and total[0].split(",")[8] == "5"  # ZXSL: bonus shares on closed accounts
    # a second run changes nothing
    steps = Step.objects.count()
    assert eod(LIST) == [] and Step.objects.count() == steps


def test_short_funding_stops_the_cash_returns_the_money_and_bonus_shares_still_proceed(world, cast):
    d = schedule(cast.issuer_a)
    _fund(d, cast.issuer_a, amount=100)
    eod(dt.date(2026, 6, 3))
    d.refresh_from_db()
    assert d.cash_status == CashStatus.SHORT and "不足" in d.cash_note and "送股" in d.cash_note
    assert _balance("ISS-920001-BANK") == 0 and _balance(f"DIV-{d.pk}") == 0
    with pytest.raises(DividendError):
        _fund(d, cast.issuer_a, ref="LATE")
    for day in (R, PAY, LIST):
        eod(day)
    d.refresh_from_db()
    assert d.status == Status.COMPLETED and d.cash_total_fen == 0 and d.bonus_total == TOTAL_QUANTITY // 2
    assert not ParticipantPayment.objects.filter(distribution=d).exists()


def test_a_plan_withdrawn_before_r_returns_the_funding_and_never_runs(world, cast):
    d = schedule(cast.issuer_a)
    _fund(d, cast.issuer_a)
    distribution_withdraw(distribution_id=d.pk, reason="股东大会撤回")
    d.refresh_from_db()
    assert d.status == Status.WITHDRAWN and _balance("ISS-920001-BANK") == 0
    assert eod(R) == [] and not Step.objects.filter(distribution=d).exists()


def test_it_refuses_to_withdraw_on_or_after_r(world, cast):
    d = schedule(cast.issuer_a)
    at(R)
    with pytest.raises(DividendError, match="股权登记日及以后"):
        distribution_withdraw(distribution_id=d.pk, reason="太晚")


def test_a_bonus_only_plan_needs_no_funding(world, cast):
    d = schedule(cast.issuer_a, cash="0", bonus="1", transfer="0")
    assert d.cash_status == CashStatus.NONE
    for day in (dt.date(2026, 6, 3), R, PAY, LIST):
        eod(day)
    d.refresh_from_db()
    assert d.status == Status.COMPLETED and d.bonus_total == TOTAL_QUANTITY // 10


def test_the_snapshot_is_the_register_as_of_r_not_of_the_day_it_runs(world, cast):
    security, accounts = world
    d = schedule(cast.issuer_a, cash="0", bonus="10", transfer="0")
    at(PAY, 9)
    register_apply(
        events=[
            {
                "key": "after-r",
                "security_id": security.pk,
                "account_id": accounts["0100000001"].pk,
                "event_type": "initial",
                "quantity_delta": 999,
                "business_date": PAY,
            }
        ]
    )
    eod(PAY)  # R's end of day missed: the snapshot still reads R
    d.refresh_from_db()
    assert d.total_quantity == TOTAL_QUANTITY
    assert Distribution.objects.get(pk=d.pk).bonus_total == TOTAL_QUANTITY


def test_a_payment_that_would_not_conserve_money_is_refused_before_commit(world, cast, monkeypatch):
    from csdp.dividend import steps_pay

    d = schedule(cast.issuer_a)
    _fund(d, cast.issuer_a, amount=TOTAL_QUANTITY * d.cash_micro // 100_000 + 100)
    for day in (dt.date(2026, 6, 3), R):
        eod(day)
    monkeypatch.setattr(steps_pay, "refund_funding", lambda *args, **kwargs: None)  # a bug: the surplus stays behind
    lines = eod(PAY)
    assert lines and "资金不守恒" in lines[-1].error and "代派资金户余额 100 分" in lines[-1].error
    d.refresh_from_db()
    assert d.status == Status.ENTITLED  # nothing of the step was kept
    assert _balance("R-P1") == 0 and not Step.objects.filter(distribution=d, name="pay").exists()
    monkeypatch.undo()
    eod(PAY)  # the fixed code on the next run
    d.refresh_from_db()
    assert d.status == Status.PAID and _balance(f"DIV-{d.pk}") == 0


def test_a_pay_step_failing_after_its_files_were_written_publishes_none(world, cast, settings, monkeypatch):
    from csdp.dividend import steps_pay

    d = schedule(cast.issuer_a)
    _fund(d, cast.issuer_a)
    for day in (DEADLINE, R):
        eod(day)

    def broken(*args, **kwargs):
        raise DividendError("状态写入失败")

    monkeypatch.setattr(steps_pay, "_move", broken)  # fails after QYMX / QYHZ were written
    assert "状态写入失败" in eod(PAY)[-1].error
    root = settings.CSDP_FILES_DIR / "dividend" / str(d.pk)
    assert [p for p in root.rglob("*") if p.is_file()] == []  # neither the files nor their .part
    monkeypatch.undo()
    eod(PAY)
    written = sorted(p.name for p in root.rglob("*") if p.is_file())
    assert written == sorted(["QYMX920001.dbf", "QYMX920001.csv", "QYHZ920001.dbf", "QYHZ920001.csv"] * 2)


def test_files_a_crash_left_under_part_names_after_the_commit_are_put_in_place_on_the_next_run(world, cast, settings):
    d = schedule(cast.issuer_a)
    _fund(d, cast.issuer_a)
    for day in (DEADLINE, R, PAY):
        eod(day)
    final = next((settings.CSDP_FILES_DIR / "dividend" / str(d.pk)).rglob("QYMX920001.dbf"))
    content = final.read_bytes()
    final.rename(final.with_suffix(".dbf.part"))  # the commit happened, the rename did not
    eod(PAY)
    assert final.read_bytes() == content


def test_a_freeze_dated_r_but_written_after_rs_end_of_day_holds_the_cash_on_the_pay_date(world, cast):
    security, accounts = world
    d = schedule(cast.issuer_a)
    _fund(d, cast.issuer_a)
    for day in (dt.date(2026, 6, 3), R):
        eod(day)
    at(R, 21)  # R's evening: the end of day has read the register; the business date is still R
    _freeze_one_share(security, accounts["0100000001"], "evening-freeze", R)
    eod(PAY)
    held = HeldCash.objects.get(distribution=d, reason="frozen_later")
    assert held.account_id == accounts["0100000001"].pk


def test_truncation_pays_each_account_its_floor_and_returns_the_residue_fen_to_the_issuer(world, cast):
    from csdp.ledger.models import Transfer

    security, accounts = world
    d = schedule(cast.issuer_a, cash="0.999999", method="truncate")
    _fund(d, cast.issuer_a)  # exactly the declared total: ⌊Σ shares × rate⌋
    funded = TOTAL_QUANTITY * 999_999 // 100_000
    for day in (DEADLINE, R, PAY, LIST):
        eod(day)
    d.refresh_from_db()
    assert d.status == Status.COMPLETED and d.cash_declared_fen == funded
    held = {a.pk: sum(q for n, _, _, q, *_ in LOTS if n == number) for number, a in accounts.items()}
    cash = dict(Entitlement.objects.filter(distribution_id=d.pk).values_list("account_id").annotate(s=Sum("cash_fen")))
    bonus = dict(
        Entitlement.objects.filter(distribution_id=d.pk).values_list("account_id").annotate(s=Sum("bonus_shares"))
    )
    assert cash == {pk: q * 999_999 // 100_000 for pk, q in held.items()}  # each account its floor, no +1
    assert bonus == {pk: q * 5 // 10 for pk, q in held.items()}
    residue = funded - d.cash_total_fen
    assert d.cash_total_fen == sum(cash.values()) and residue > 0
    # the residue went back to the issuer's bank; paid + held + returned = funded, the funding account empty
    refunds = Transfer.objects.filter(debit_account__number=f"DIV-{d.pk}", code="dividend.refund")
    assert list(refunds.values_list("amount_fen", "credit_account__number")) == [(residue, "ISS-920001-BANK")]
    paid = ParticipantPayment.objects.filter(distribution=d).aggregate(s=Sum("paid_fen"))["s"]
    assert _balance("R-P1") + _balance("R-P2") == paid
    assert paid + _balance(f"DIV-{d.pk}-HELD") + residue == funded and _balance(f"DIV-{d.pk}") == 0
    assert _balance("ISS-920001-BANK") == -funded + residue
    security.refresh_from_db()
    assert security.issued_shares == TOTAL_QUANTITY + sum(bonus.values()) < TOTAL_QUANTITY + TOTAL_QUANTITY // 2
