import datetime as dt

from ninja import Router, Schema

from csdp.accounts.access import STAFF, access_object, allow
from csdp.register.selectors import holdings_of
from csdp.securities.models import SecuritiesAccount

router = Router(tags=["证券持有"])


class PositionOut(Schema):
    security_code: str
    security_name: str
    share_nature: str
    lockup_end: dt.date | None
    quantity: int
    frozen: int
    pledged: int
    available: int


@router.get("/accounts/{account_number}/positions", response=list[PositionOut], summary="证券账户持有明细")
@allow(STAFF)
def account_positions(request, account_number: str):
    account = access_object(request.user, SecuritiesAccount, number=account_number)
    return [{"security_code": h.security.code, "security_name": h.security.name, "share_nature": h.share_nature,
             "lockup_end": h.lockup_end, "quantity": h.quantity, "frozen": h.frozen, "pledged": h.pledged,
             "available": h.available} for h in holdings_of(account)]
