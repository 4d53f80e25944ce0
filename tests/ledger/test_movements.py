"""A movement in words from the account it is read from: a named business code reads as what the money
is and where it goes; any other code as its phase; a resolution without a memo as its hold's."""

from __future__ import annotations

from csdp.ledger.models import Phase, Transfer
from csdp.ledger.movements import movement_summary, movement_type


def _transfer(code: str, phase: str, memo: str = "", pending: Transfer | None = None) -> Transfer:
    return Transfer(code=code, phase=phase, memo=memo, pending=pending, amount_fen=100)


def test_an_ipo_freeze_reads_as_the_payers_money_frozen_then_deducted_or_released():
    assert movement_type(_transfer("IPO_FREEZE", Phase.PENDING), is_credit=False) == "申购资金冻结"
    assert movement_type(_transfer("IPO_FREEZE", Phase.POST), is_credit=False) == "申购资金扣划"
    assert movement_type(_transfer("IPO_FREEZE", Phase.VOID), is_credit=False) == "申购资金解冻"


def test_a_dividend_hold_reads_as_cash_on_its_way_to_the_payee():
    assert movement_type(_transfer("dividend.pay", Phase.PENDING), is_credit=True) == "现金红利待划入"
    assert movement_type(_transfer("dividend.pay", Phase.POST), is_credit=True) == "现金红利划入"
    assert movement_type(_transfer("dividend.pay", Phase.VOID), is_credit=True) == "现金红利待划入取消"


def test_a_deposit_and_a_withdrawal_read_by_direction():
    assert movement_type(_transfer("DEPOSIT", Phase.POSTED), is_credit=True) == "备付金划入"
    assert movement_type(_transfer("WITHDRAW", Phase.POSTED), is_credit=False) == "备付金划出"


def test_an_unnamed_code_reads_as_its_phase():
    assert movement_type(_transfer("x", Phase.POST), is_credit=True) == "冻结扣划"


def test_a_resolution_without_a_memo_reads_as_its_holds():
    hold = _transfer("dividend.pay", Phase.PENDING, memo="920001 现金红利")
    hold.pk = 1

    assert movement_summary(_transfer("dividend.pay", Phase.POST, pending=hold)) == "920001 现金红利"
    assert movement_summary(_transfer("dividend.pay", Phase.POST, memo="自有", pending=hold)) == "自有"
    assert movement_summary(_transfer("DEPOSIT", Phase.POSTED)) == ""
