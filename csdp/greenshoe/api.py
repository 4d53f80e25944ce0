"""Greenshoe over JSON: an option's limit, what (a)+(b) have taken of it, the filing windows and the
filings. Reads only; the offering's issuer and lead underwriter, and staff."""

import datetime as dt

from ninja import Router, Schema

from csdp.accounts.access import STAFF, Role, access_object, allow
from csdp.greenshoe.models import FilingKind, GreenshoeOption
from csdp.greenshoe.selectors import committed_shares, filings_of, window

router = Router(tags=["超额配售选择权"])


class FilingOut(Schema):
    id: int
    kind: str
    status: str
    rows: int
    total_shares: int
    filed_at: dt.datetime


class OptionOut(Schema):
    id: int
    offering_code: str
    limit_shares: int
    committed_shares: int
    exercise_end: dt.date
    limit_reached_on: dt.date | None
    issuance_window: list[dt.date]
    transfer_window: list[dt.date]
    filings: list[FilingOut]


@router.get("/options/{option_id}", response=OptionOut, summary="超额配售选择权（上限、已申报股数、受理期、申报记录）")
@allow(Role.ISSUER, Role.UNDERWRITER, STAFF)
def greenshoe_option(request, option_id: int):
    option = access_object(request.user, GreenshoeOption.objects.select_related("offering"), pk=option_id)
    return {
        "id": option.pk,
        "offering_code": option.offering.code,
        "limit_shares": option.limit_shares,
        "committed_shares": committed_shares(option),
        "exercise_end": option.exercise_end,
        "limit_reached_on": option.limit_reached_on,
        "issuance_window": list(window(option, FilingKind.ISSUANCE)),
        "transfer_window": list(window(option, FilingKind.TRANSFER)),
        "filings": [
            {
                "id": f.pk,
                "kind": f.kind,
                "status": f.status,
                "rows": f.rows,
                "total_shares": f.total_shares,
                "filed_at": f.filed_at,
            }
            for f in filings_of(option)
        ],
    }
