import pytest

from csdp.ledger.models import Transfer
from csdp.ledger.selectors import balance_of, hold_state, statement
from csdp.ledger.services import LedgerError, hold_create, hold_post, hold_void, transfer_post
from tests.ledger.conftest import DAY


def test_a_deposit_credits_the_reserve_and_debits_the_external_bank(funded):
    assert balance_of(funded["reserve"]).available_fen == 1_000_000
    assert balance_of(funded["bank"]).posted_fen == -1_000_000


def test_it_refuses_to_debit_a_reserve_below_zero(funded):
    with pytest.raises(LedgerError, match="可用余额不足"):
        transfer_post(
            debit=funded["reserve"],
            credit=funded["clearing"],
            amount_fen=1_000_001,
            key="k",
            code="x",
            business_date=DAY,
        )
    assert not Transfer.objects.filter(key="k").exists()


def test_it_refuses_a_zero_or_negative_or_float_amount(funded):
    for amount in (0, -5, 1.5, True):
        with pytest.raises(LedgerError, match="正整数"):
            transfer_post(
                debit=funded["reserve"],
                credit=funded["clearing"],
                amount_fen=amount,
                key=f"k{amount}",
                code="x",
                business_date=DAY,
            )


def test_a_hold_reduces_available_but_not_posted(funded):
    hold_create(
        debit=funded["reserve"],
        credit=funded["clearing"],
        amount_fen=600_000,
        key="h",
        code="ipo_freeze",
        business_date=DAY,
    )
    balance = balance_of(funded["reserve"])
    assert (balance.posted_fen, balance.pending_debits_fen, balance.available_fen) == (1_000_000, 600_000, 400_000)
    with pytest.raises(LedgerError):
        transfer_post(
            debit=funded["reserve"], credit=funded["clearing"], amount_fen=400_001, key="t", code="x", business_date=DAY
        )


def test_posting_part_of_a_hold_releases_the_rest(funded):
    hold = hold_create(
        debit=funded["reserve"], credit=funded["clearing"], amount_fen=600_000, key="h", code="ipo", business_date=DAY
    )
    hold_post(hold=hold, amount_fen=140_400, business_date=DAY)
    reserve, clearing = balance_of(funded["reserve"]), balance_of(funded["clearing"])
    assert (reserve.posted_fen, reserve.pending_debits_fen, reserve.available_fen) == (859_600, 0, 859_600)
    assert (clearing.posted_fen, clearing.pending_credits_fen) == (140_400, 0)
    state = hold_state(hold)
    assert (state.status, state.posted_fen, state.released_fen) == ("posted", 140_400, 459_600)


def test_a_hold_is_resolved_exactly_once(funded):
    hold = hold_create(
        debit=funded["reserve"], credit=funded["clearing"], amount_fen=500, key="h", code="ipo", business_date=DAY
    )
    hold_void(hold=hold, business_date=DAY)
    with pytest.raises(LedgerError, match="不能再次处理"):
        hold_post(hold=hold, amount_fen=100, key="another", business_date=DAY)
    with pytest.raises(LedgerError, match="不能再次处理"):
        hold_void(hold=hold, key="again", business_date=DAY)
    assert hold_state(hold).status == "voided"
    assert balance_of(funded["reserve"]).available_fen == 1_000_000


def test_it_refuses_to_post_more_than_the_hold(funded):
    hold = hold_create(
        debit=funded["reserve"], credit=funded["clearing"], amount_fen=500, key="h", code="ipo", business_date=DAY
    )
    with pytest.raises(LedgerError, match="超过冻结金额"):
        hold_post(hold=hold, amount_fen=501, business_date=DAY)


def test_replaying_a_key_with_the_same_values_returns_the_first_transfer(funded):
    again = transfer_post(
        debit=funded["bank"],
        credit=funded["reserve"],
        amount_fen=1_000_000,
        key="deposit-1",
        code="deposit",
        business_date=DAY,
    )
    assert Transfer.objects.filter(key="deposit-1").get() == again
    assert balance_of(funded["reserve"]).posted_fen == 1_000_000


def test_replaying_a_key_with_other_values_is_refused(funded):
    with pytest.raises(LedgerError, match="拒绝重放"):
        transfer_post(
            debit=funded["bank"],
            credit=funded["reserve"],
            amount_fen=999,
            key="deposit-1",
            code="deposit",
            business_date=DAY,
        )


def test_retrying_a_hold_post_with_its_default_key_is_a_no_op(funded):
    hold = hold_create(
        debit=funded["reserve"], credit=funded["clearing"], amount_fen=500, key="h", code="ipo", business_date=DAY
    )
    first = hold_post(hold=hold, amount_fen=200, business_date=DAY)
    assert hold_post(hold=hold, amount_fen=200, business_date=DAY) == first
    assert balance_of(funded["clearing"]).posted_fen == 200


def test_the_statement_shows_running_posted_balance_and_holds(funded):
    hold = hold_create(
        debit=funded["reserve"], credit=funded["clearing"], amount_fen=300, key="h", code="ipo", business_date=DAY
    )
    hold_post(hold=hold, amount_fen=100, business_date=DAY)
    opening, lines = statement(funded["reserve"], DAY, DAY)
    assert opening == 0
    assert [(line.direction, line.posted_change_fen, line.pending_change_fen) for line in lines] == [
        ("贷", 1_000_000, 0),
        ("借", 0, -300),
        ("借", -100, 300),
    ]
    assert lines[-1].posted_balance_fen == 999_900
