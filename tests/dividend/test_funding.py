"""委托代派 in two steps: a declaration moves no money; a different staff user confirms the receipt and only
then the money moves, once; the deadline counts confirmed money only and tells the issuer what did not
count; a withdrawal tells the issuer what came back."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from csdp.dividend import funding as funding_module
from csdp.dividend.funding import funding_confirm, funding_declare, funding_reject
from csdp.dividend.models import CashStatus, Funding, FundingStatus
from csdp.dividend.selectors import funded_fen, funding_amounts
from csdp.dividend.services import DividendError, distribution_withdraw
from csdp.ledger.models import LedgerAccount, Transfer
from csdp.lib.statemachine import TransitionRefused
from csdp.notify.models import OutboxMessage
from tests.dividend.world import DEADLINE, TOTAL_QUANTITY, at, build, declare, eod, fund, schedule


def _balance(number: str) -> int:
    account = LedgerAccount.objects.filter(number=number).first()
    return account.credits_posted - account.debits_posted if account else 0


def _required(d) -> int:
    return TOTAL_QUANTITY * d.cash_micro // 100_000


def _told(user, **lookup):
    return OutboxMessage.objects.filter(user=user, purpose="dividend", channel="sms", **lookup)


@pytest.fixture
def d(world, cast):
    return schedule(cast.issuer_a)


def test_a_declaration_moves_no_money_until_it_is_confirmed(d, cast):
    funding = declare(d, cast.issuer_a, amount=5_000)
    assert funding.status == FundingStatus.DECLARED and funding.transfer is None
    assert _balance(f"DIV-{d.pk}") == 0 and _balance("ISS-920001-BANK") == 0
    assert funded_fen(d) == 0 and funding_amounts(d).pending_fen == 5_000


def test_another_staff_user_confirms_and_the_money_moves_exactly_once(d, cast):
    funding = declare(d, cast.issuer_a, amount=5_000)
    confirmed = funding_confirm(funding=funding, by=cast.reviewer, value_date=dt.date(2026, 6, 1))
    assert confirmed.status == FundingStatus.CONFIRMED and confirmed.confirmed_by == cast.reviewer
    assert _balance(f"DIV-{d.pk}") == 5_000 and _balance("ISS-920001-BANK") == -5_000
    again = funding_confirm(funding=funding, by=cast.operator)  # a replay, by anyone but the declarer
    assert again.pk == funding.pk and again.transfer_id == confirmed.transfer_id
    assert _balance(f"DIV-{d.pk}") == 5_000 and Transfer.objects.filter(code="dividend.fund").count() == 1
    assert funded_fen(d) == 5_000 and funding_amounts(d).pending_fen == 0
    assert [t.to_state for t in funding.transitions.all()] == ["declared", "confirmed"]


def test_the_person_who_declared_a_funding_cannot_confirm_it(d, cast):
    funding = declare(d, cast.operator, amount=5_000)  # an operator recording a receipt from the bank statement
    with pytest.raises(DividendError) as refused:
        funding_confirm(funding=funding, by=cast.operator)
    assert refused.value.code == "dividend.same_person" and "登记人以外" in refused.value.message
    assert _balance(f"DIV-{d.pk}") == 0
    funding_confirm(funding=funding, by=cast.reviewer)
    assert _balance(f"DIV-{d.pk}") == 5_000


def test_the_database_refuses_a_funding_confirmed_by_its_declarer(d, cast):
    funding = declare(d, cast.operator, amount=5_000)
    with pytest.raises(IntegrityError), transaction.atomic():
        Funding.objects.filter(pk=funding.pk).update(confirmed_by=cast.operator)


def test_the_database_refuses_a_confirmed_funding_without_its_transfer(d, cast):
    funding = declare(d, cast.issuer_a, amount=5_000)
    with pytest.raises(IntegrityError), transaction.atomic():
        Funding.objects.filter(pk=funding.pk).update(status=FundingStatus.CONFIRMED, value_date=DEADLINE)


def test_an_issuer_user_cannot_confirm_or_reject_a_funding(d, cast):
    funding = declare(d, cast.operator, amount=5_000)
    for act in (
        lambda: funding_confirm(funding=funding, by=cast.issuer_a),
        lambda: funding_reject(funding=funding, by=cast.issuer_a, reason="自己驳回"),
    ):
        with pytest.raises(DividendError) as refused:
            act()
        assert refused.value.code == "dividend.staff_only"


def test_a_rejected_declaration_moves_nothing_and_the_issuer_is_told_why(d, cast):
    funding = declare(d, cast.issuer_a, amount=5_000, ref="WRONG-1")
    funding_reject(funding=funding, by=cast.reviewer, reason="本公司银行账户未见该笔到账")
    funding.refresh_from_db()
    assert funding.status == FundingStatus.REJECTED and funding.transfer is None
    assert _balance(f"DIV-{d.pk}") == 0 and funding_amounts(d).pending_fen == 0
    assert _told(cast.issuer_a, body__contains="本公司银行账户未见该笔到账").filter(body__contains="WRONG-1").exists()
    with pytest.raises(TransitionRefused):
        funding_confirm(funding=funding, by=cast.operator)
    assert _balance(f"DIV-{d.pk}") == 0


def test_a_receipt_dated_after_the_deadline_is_not_confirmed(d, cast):
    funding = declare(d, cast.issuer_a, amount=5_000)
    at(DEADLINE + dt.timedelta(days=1), 9)  # the deadline's end of day has not run yet
    with pytest.raises(DividendError) as refused:
        funding_confirm(funding=funding, by=cast.reviewer)
    assert refused.value.code == "dividend.value_date" and _balance(f"DIV-{d.pk}") == 0
    funding_confirm(funding=funding, by=cast.reviewer, value_date=DEADLINE)  # it did arrive in time
    assert _balance(f"DIV-{d.pk}") == 5_000


def test_an_unconfirmed_declaration_at_the_deadline_does_not_count_and_the_issuer_is_told(d, cast):
    pending = declare(d, cast.issuer_a, amount=_required(d))  # the whole amount, never confirmed
    eod(DEADLINE)
    d.refresh_from_db()
    assert d.cash_status == CashStatus.SHORT
    assert "另有 1 笔代派资金登记" in d.cash_note and f"{_required(d) // 100:,}." in d.cash_note
    assert "未经本公司确认到账" in _told(cast.issuer_a).get().body
    pending.refresh_from_db()
    assert pending.status == FundingStatus.LAPSED and _balance(f"DIV-{d.pk}") == 0
    with pytest.raises(TransitionRefused):
        funding_confirm(funding=pending, by=cast.reviewer)


def test_confirmed_money_counts_at_the_deadline_and_a_pending_extra_is_named(d, cast):
    fund(d, cast.issuer_a)  # declared and confirmed: the required amount
    declare(d, cast.issuer_a, amount=300, ref="EXTRA-1")
    eod(DEADLINE)
    d.refresh_from_db()
    assert d.cash_status == CashStatus.FUNDED and "已足额到位" in d.cash_note and "另有 1 笔" in d.cash_note
    assert _balance(f"DIV-{d.pk}") == _required(d)


def test_a_declaration_replayed_by_bank_reference_returns_the_first_record(d, cast):
    first = declare(d, cast.issuer_a, amount=5_000, ref="REF-9")
    assert declare(d, cast.operator, amount=5_000, ref="REF-9").pk == first.pk
    with pytest.raises(DividendError) as refused:
        declare(d, cast.issuer_a, amount=4_999, ref="REF-9")
    assert refused.value.code == "dividend.bank_reference_reused"
    assert Funding.objects.count() == 1 and first.transitions.count() == 1


def test_a_duplicate_that_the_unique_reference_catches_is_refused_plainly_not_a_server_error(d, cast, monkeypatch):
    """The race the lock cannot order: the same reference declared for another distribution at the same
    moment. Played here by hiding the first record from the check, as a not yet committed row would be."""
    first = declare(d, cast.issuer_a, amount=5_000, ref="RACE-1")
    monkeypatch.setattr(funding_module, "_replay", lambda *args: None)
    with transaction.atomic():
        with pytest.raises(DividendError) as refused:
            declare(d, cast.issuer_a, amount=5_000, ref="RACE-1")
        assert refused.value.code == "dividend.bank_reference_reused"
        assert Funding.objects.get() == first  # the caller's transaction is still usable


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections at once: PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_identical_declarations_give_the_first_record_to_both(cast, settings, tmp_path):
    settings.CSDP_FILES_DIR = tmp_path
    build(cast.issuer_a)
    d = schedule(cast.issuer_a)
    start, results = threading.Barrier(2), []

    def declare_at_once():
        try:
            start.wait()
            results.append(funding_declare(distribution=d, bank_reference="TWIN-1", amount_fen=700, by=cast.issuer_a))
        except Exception as error:  # reported below, whatever it is
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=declare_at_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(isinstance(r, Funding) for r in results), results
    assert results[0].pk == results[1].pk and Funding.objects.count() == 1


def test_a_withdrawal_tells_the_issuer_why_and_what_came_back_and_pending_declarations_lapse(d, cast):
    fund(d, cast.issuer_a, amount=12_345)
    pending = declare(d, cast.issuer_a, amount=100, ref="LATER-1")
    distribution_withdraw(distribution_id=d.pk, reason="股东大会撤回议案")
    told = _told(cast.issuer_a, body__contains="股东大会撤回议案").get()
    assert "123.45 元已退回" in told.body and "已撤销" in told.body
    pending.refresh_from_db()
    assert pending.status == FundingStatus.LAPSED
    assert _balance("ISS-920001-BANK") == 0 and funding_amounts(d).refunded_fen == 12_345


@pytest.mark.parametrize("amount", [0, -1, 100.5, "100", True])
def test_an_amount_that_is_not_a_positive_whole_number_of_fen_is_refused(d, cast, amount):
    with pytest.raises(DividendError) as refused:
        declare(d, cast.issuer_a, amount=amount)
    assert (refused.value.code, refused.value.message) == ("dividend.amount", "金额须为正整数（单位：分）。")
    assert not Funding.objects.exists()


def test_an_amount_past_the_databases_bigint_is_refused_before_it_reaches_the_database(d, cast):
    with pytest.raises(DividendError) as refused:
        declare(d, cast.issuer_a, amount=99999999999999999999999)
    assert (
        refused.value.code == "dividend.amount_too_large" and refused.value.message == "金额过大，请核对（单位：分）。"
    )
    assert not Funding.objects.exists()


def test_a_declaration_may_pass_the_plans_cash_by_its_margin_and_no_more(d, cast):
    required = _required(d)  # 566.41 元: 10 % is below the margin's floor of 1 000 元
    cap = required + funding_module.MARGIN_MIN_FEN
    with pytest.raises(DividendError) as refused:
        declare(d, cast.issuer_a, amount=cap + 1, ref="TOO-MUCH")
    assert refused.value.code == "dividend.amount_too_large" and "应付现金红利 566.41 元" in refused.value.message
    assert declare(d, cast.issuer_a, amount=cap, ref="ROUNDED-UP").amount_fen == cap


def test_the_margin_is_a_tenth_of_a_large_plans_cash(world, cast):
    d = schedule(cast.issuer_a, cash="10000")  # 4 588 shares × 1 000 元 a share: 4 588 000.00 元
    required = _required(d)
    assert required == 458_800_000
    with pytest.raises(DividendError):
        declare(d, cast.issuer_a, amount=required + required // 10 + 1)
    assert declare(d, cast.issuer_a, amount=required + required // 10).pk


@pytest.mark.parametrize(
    "spelling", ["icbc20261207001", " ICBC20261207001 ", "ＩＣＢＣ２０２６１２０７００１", "Icbc20261207001"]
)
def test_a_bank_reference_in_another_case_or_width_is_the_same_payment(d, cast, spelling):
    first = declare(d, cast.issuer_a, amount=5_000, ref="ICBC20261207001")
    assert declare(d, cast.operator, amount=5_000, ref=spelling).pk == first.pk
    with pytest.raises(DividendError) as refused:
        declare(d, cast.issuer_a, amount=4_000, ref=spelling)  # another amount: another payment's reference
    assert refused.value.code == "dividend.bank_reference_reused"
    assert list(Funding.objects.values_list("bank_reference", flat=True)) == ["ICBC20261207001"]


def test_a_reference_is_stored_in_its_one_spelling(d, cast):
    assert declare(d, cast.issuer_a, amount=5_000, ref="  ｃｍｂ-0601 ").bank_reference == "CMB-0601"


@pytest.mark.parametrize("reference", ["", "   ", "Ｘ" * 41])
def test_an_empty_or_too_long_reference_is_refused_with_what_is_wrong(d, cast, reference):
    with pytest.raises(DividendError) as refused:
        declare(d, cast.issuer_a, amount=5_000, ref=reference)
    assert refused.value.code == "dividend.bank_reference"
    assert refused.value.message in ("请填写银行流水号。", "银行流水号最多 40 个字符。")


@pytest.mark.parametrize("written", ["icbc1", " ICBC1", "ICBC1 ", ""])
def test_the_database_refuses_a_reference_not_in_its_one_spelling(d, cast, written):
    funding = declare(d, cast.issuer_a, amount=5_000, ref="ICBC1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Funding.objects.filter(pk=funding.pk).update(bank_reference=written)


def test_migration_0010_spells_existing_references_once_and_marks_a_second_spelling_of_one_payment():
    import importlib

    migration = importlib.import_module("csdp.dividend.migrations.0010_funding_bank_reference_normalised")
    rows = [(1, "icbc001"), (2, "ICBC001"), (3, " abc "), (4, "ＸＹＺ"), (5, "DONE"), (6, "Abc"), (7, "x" * 40)]
    # 2 is already spelt ICBC001 and keeps it; 1 is the same payment declared again: marked, not merged
    assert migration.renames(rows) == {1: "ICBC001#1", 3: "ABC", 4: "XYZ", 6: "ABC#6", 7: "X" * 40}
    assert migration.renames([(1, "a"), (2, "A"), (3, "A#1")]) == {1: "A#1-1"}
