"""The API of 权益分派: a distribution's state and its funding (委托代派), declared by the issuer (or an
operator) and confirmed or rejected by a different depository staff user (csdp/dividend/funding.py)."""

import datetime as dt

from ninja import Router, Schema

from csdp.accounts.access import STAFF, Role, access_object, allow
from csdp.dividend.funding import CONFIRMERS, funding_confirm, funding_declare, funding_reject
from csdp.dividend.models import Distribution, Funding
from csdp.dividend.selectors import funding_amounts

router = Router(tags=["权益分派"])


class FundingIn(Schema):
    bank_reference: str
    amount_fen: int


class ConfirmIn(Schema):
    value_date: dt.date | None = None  # the bank's value date; today when left out


class RejectIn(Schema):
    reason: str


class FundingOut(Schema):
    id: int
    bank_reference: str
    amount_fen: int
    status: str  # declared 待确认, confirmed 已到账, rejected 已驳回, lapsed 逾期未确认
    declared_at: str
    value_date: str | None


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
    funded_fen: int  # confirmed received (已到账), including any later returned (see refunded_fen)
    pending_fen: int  # declared, awaiting the depository's confirmation: not counted
    refunded_fen: int  # returned to the issuer's bank (shortfall, withdrawal, surplus after payment)
    cash_declared_fen: int
    cash_total_fen: int
    bonus_total: int
    fundings: list[FundingOut]


def _out(d: Distribution) -> dict:
    amounts = funding_amounts(d)
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
        "funded_fen": amounts.confirmed_fen,
        "pending_fen": amounts.pending_fen,
        "refunded_fen": amounts.refunded_fen,
        "cash_declared_fen": d.cash_declared_fen,
        "cash_total_fen": d.cash_total_fen,
        "bonus_total": d.bonus_total,
        "fundings": [
            {
                "id": f.pk,
                "bank_reference": f.bank_reference,
                "amount_fen": f.amount_fen,
                "status": f.status,
                "declared_at": f.declared_at.isoformat(),
                "value_date": f.value_date.isoformat() if f.value_date else None,
            }
            for f in d.fundings.all()
        ],
    }


def _distribution(request, distribution_id: int) -> Distribution:
    return access_object(request.user, Distribution.objects.select_related("security"), pk=distribution_id)


def _funding(request, distribution: Distribution, funding_id: int) -> Funding:
    return access_object(request.user, Funding.objects.filter(distribution=distribution), pk=funding_id)


@router.get("/distributions/{distribution_id}", response=DistributionOut, summary="权益分派状态")
@allow(STAFF, Role.ISSUER)
def distribution_get(request, distribution_id: int):
    return _out(_distribution(request, distribution_id))


@router.post(
    "/distributions/{distribution_id}/fundings",
    response=DistributionOut,
    summary="登记委托代派资金（待本公司确认到账；按银行流水号幂等）",
)
@allow(Role.ISSUER, Role.OPERATOR)
def distribution_fund(request, distribution_id: int, payload: FundingIn):
    d = _distribution(request, distribution_id)
    funding_declare(
        distribution=d, bank_reference=payload.bank_reference, amount_fen=payload.amount_fen, by=request.user
    )
    d.refresh_from_db()
    return _out(d)


@router.post(
    "/distributions/{distribution_id}/fundings/{funding_id}/confirm",
    response=DistributionOut,
    summary="确认委托代派资金到账（登记人以外的本公司人员）",
)
@allow(*CONFIRMERS)
def distribution_funding_confirm(request, distribution_id: int, funding_id: int, payload: ConfirmIn):
    d = _distribution(request, distribution_id)
    funding_confirm(funding=_funding(request, d, funding_id), by=request.user, value_date=payload.value_date)
    d.refresh_from_db()
    return _out(d)


@router.post(
    "/distributions/{distribution_id}/fundings/{funding_id}/reject",
    response=DistributionOut,
    summary="驳回委托代派资金登记",
)
@allow(*CONFIRMERS)
def distribution_funding_reject(request, distribution_id: int, funding_id: int, payload: RejectIn):
    d = _distribution(request, distribution_id)
    funding_reject(funding=_funding(request, d, funding_id), by=request.user, reason=payload.reason)
    d.refresh_from_db()
    return _out(d)
