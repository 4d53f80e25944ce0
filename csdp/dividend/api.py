from ninja import Router, Schema

from csdp.accounts.access import STAFF, Role, access_object, allow
from csdp.dividend.models import Distribution
from csdp.dividend.services import funded_fen, funding_record

router = Router(tags=["权益分派"])


class FundingIn(Schema):
    bank_reference: str
    amount_fen: int


class DistributionOut(Schema):
    id: int
    code: str
    status: str
    cash_status: str
    cash_note: str
    record_date: str
    pay_date: str
    list_date: str
    funding_deadline: str
    funded_fen: int
    cash_declared_fen: int
    cash_total_fen: int
    bonus_total: int


def _out(d: Distribution) -> dict:
    return {
        "id": d.pk,
        "code": d.security.code,
        "status": d.status,
        "cash_status": d.cash_status,
        "cash_note": d.cash_note,
        "record_date": str(d.record_date),
        "pay_date": str(d.pay_date),
        "list_date": str(d.list_date),
        "funding_deadline": str(d.funding_deadline),
        "funded_fen": funded_fen(d),
        "cash_declared_fen": d.cash_declared_fen,
        "cash_total_fen": d.cash_total_fen,
        "bonus_total": d.bonus_total,
    }


@router.get("/distributions/{distribution_id}", response=DistributionOut, summary="权益分派状态")
@allow(STAFF, Role.ISSUER)
def distribution_get(request, distribution_id: int):
    return _out(access_object(request.user, Distribution.objects.select_related("security"), pk=distribution_id))


@router.post(
    "/distributions/{distribution_id}/fundings",
    response=DistributionOut,
    summary="委托代派资金入账（按银行流水号幂等）",
)
@allow(Role.ISSUER, Role.OPERATOR)
def distribution_fund(request, distribution_id: int, payload: FundingIn):
    d = access_object(request.user, Distribution.objects.select_related("security"), pk=distribution_id)
    funding_record(
        distribution=d, bank_reference=payload.bank_reference, amount_fen=payload.amount_fen, by=request.user
    )
    d.refresh_from_db()
    return _out(d)
