from typing import Any

from ninja import Router, Schema
from ninja.errors import HttpError

from csdp.accounts.access import Role, SignedInRequest, allow
from csdp.ledger.selectors import balance_of, reserve_account_of

router = Router(tags=["资金结算"])


class ReserveBalanceOut(Schema):
    account_number: str
    kind: str
    currency: str
    posted_fen: int
    pending_fen: int
    available_fen: int


@router.get("/reserve-balance", response=ReserveBalanceOut, summary="本机构结算备付金余额（分）")
@allow(Role.PARTICIPANT, Role.UNDERWRITER)
def reserve_balance(request: SignedInRequest) -> dict[str, Any]:
    account = reserve_account_of(request.user.institution)
    if account is None:
        raise HttpError(404, "本机构尚未开立结算备付金账户。")
    balance = balance_of(account)
    return {
        "account_number": account.number,
        "kind": account.kind,
        "currency": account.currency,
        "posted_fen": balance.posted_fen,
        "pending_fen": balance.pending_debits_fen,
        "available_fen": balance.available_fen,
    }
