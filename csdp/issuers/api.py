"""JSON reads of the issuers app: an issuer's own 本机构信息 as of a day, its codes, and its VAT
invoice information in force (the same selectors the pages use)."""

import datetime as dt

from ninja import Router, Schema
from ninja.errors import HttpError

from csdp.accounts.access import Role, allow
from csdp.clock.services import business_today
from csdp.issuers.selectors import effective_invoice_info, institution_info_as_of, issuer_securities_codes

router = Router(tags=["发行人信息"])


class InstitutionInfoOut(Schema):
    as_of: dt.date
    effective_from: dt.date
    name: str
    uscc: str
    licence_valid_until: dt.date | None  # null: 长期有效
    three_in_one: bool
    registered_address: str
    legal_rep_name: str
    securities_codes: list[str]
    invoice_title: str | None
    invoice_effective_from: dt.date | None


@router.get("/me", response=InstitutionInfoOut, summary="本机构信息（指定日期生效的版本）")
@allow(Role.ISSUER)
def issuer_info(request, as_of: dt.date | None = None):
    institution = request.user.institution
    day = as_of or business_today()
    info = institution_info_as_of(institution, day)
    if info is None:
        raise HttpError(404, "该日期本机构尚无登记信息。")
    invoice = effective_invoice_info(institution, day)
    return {
        "as_of": day,
        "effective_from": info.effective_from,
        "name": info.name,
        "uscc": info.uscc,
        "licence_valid_until": info.licence_valid_until,
        "three_in_one": info.three_in_one,
        "registered_address": info.registered_address,
        "legal_rep_name": info.legal_rep_name,
        "securities_codes": issuer_securities_codes(institution),
        "invoice_title": invoice.title if invoice else None,
        "invoice_effective_from": invoice.effective_from if invoice else None,
    }
