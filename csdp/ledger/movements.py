"""How a movement reads on a member's statement: its type in words and its 摘要.

The ledger stores a business code per transfer (``IPO_FREEZE``, ``dividend.pay``), written by the app
that moves the money; the statement says what that is for the account it is read from. A hold and its
resolution read differently on the two sides: the payer's reserve sees 申购资金冻结 / 申购资金扣划, the
payee's reserve sees 现金红利待划入 / 现金红利划入 for a hold in its favour. A code not listed here reads
as its phase (记账 / 冻结 / 冻结扣划 / 冻结解除) — the stable type code the ZJDZ file carries in ``LX``.

A resolution's own memo is often empty (``hold_post`` without one); it then reads as its hold's.
"""

from __future__ import annotations

from csdp.ledger.models import Phase, Transfer

# Business code → what the money is, as a member says it. Codes are written by: ipo (services, eod/t1_day),
# dividend (steps, release, funding, services), fees (payments).
CODE_NAMES = {
    "DEPOSIT": "备付金",
    "WITHDRAW": "备付金",
    "IPO_FREEZE": "申购资金",
    "IPO_PROCEEDS": "认购资金",
    "IPO_PAY_ISSUER": "认购资金",
    "FEE_PAYMENT": "服务费",
    "dividend.fund": "委托代派资金",
    "dividend.refund": "委托代派资金退回",
    "dividend.pay": "现金红利",
    "dividend.held": "暂不派发现金红利",
    "dividend.release": "冻结解除后补派现金红利",
}

# (phase, this account is the credit side) → how the name goes on. The credit side of a hold is the payee:
# the money is on its way to it, not frozen out of it.
_VERBS = {
    (Phase.POSTED, True): "划入",
    (Phase.POSTED, False): "划出",
    (Phase.PENDING, True): "待划入",
    (Phase.PENDING, False): "冻结",
    (Phase.POST, True): "划入",
    (Phase.POST, False): "扣划",
    (Phase.VOID, True): "待划入取消",
    (Phase.VOID, False): "解冻",
}


def movement_type(transfer: Transfer, *, is_credit: bool) -> str:
    """现金红利划入, 申购资金冻结, …; the phase's label for a code without a name."""
    name = CODE_NAMES.get(transfer.code)
    if name is None:
        return transfer.get_phase_display()
    return name + _VERBS[(Phase(transfer.phase), is_credit)]


def movement_summary(transfer: Transfer) -> str:
    """The transfer's memo, or for a resolution written without one its hold's (``transfer.pending`` is
    selected with the statement's rows: no query)."""
    if transfer.memo or transfer.pending_id is None:
        return transfer.memo
    hold = transfer.pending
    assert hold is not None  # pending_id is set
    return hold.memo
