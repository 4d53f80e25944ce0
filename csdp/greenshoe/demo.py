"""Demo greenshoe (order 97, after the IPO's offerings): 920188's option (default 15 % limit, exercise
period ending 20 trading days after listing), deferred-delivery agreements with three demo investors,
and the lead underwriter's special account. No filings: the demo users file them. Idempotent."""

from __future__ import annotations

from csdp.clock.services import trading_day_offset
from csdp.greenshoe.accounts import special_account_open
from csdp.greenshoe.models import SPECIAL_ACCOUNT_SUFFIX, GreenshoeOption, SpecialAccount
from csdp.greenshoe.services import agreement_add, option_create
from csdp.ipo.models import Offering
from csdp.lib.ids import make_uscc
from csdp.accounts.demo import register_seeder
from csdp.securities.models import IdType, Investor, SecuritiesAccount
from csdp.securities.services import investor_create

UNDERWRITER_YMT = "190000009901"
AGREEMENTS = (("0190000001", 3_000), ("0190000002", 2_000), ("0190000003", 1_000))


def _special_account(underwriter) -> None:
    if SpecialAccount.objects.filter(underwriter=underwriter).exists():
        return
    if not Investor.objects.filter(ymt_number=UNDERWRITER_YMT).exists():
        investor_create(
            ymt_number=UNDERWRITER_YMT,
            name=underwriter.name,
            id_type=IdType.USCC,
            id_number=make_uscc("91110000700000099"),
            holder_type="02",
        )
    special_account_open(
        underwriter=underwriter, name=underwriter.name + SPECIAL_ACCOUNT_SUFFIX, ymt_number=UNDERWRITER_YMT, actor=None
    )


@register_seeder(order=97)
def seed_greenshoe() -> None:
    offering = Offering.objects.filter(code="920188").first()
    if offering is None or GreenshoeOption.objects.filter(offering=offering).exists():
        return
    option = option_create(offering=offering, exercise_end=trading_day_offset(offering.listing_date, 20), actor=None)
    for number, shares in AGREEMENTS:
        account = SecuritiesAccount.objects.filter(number=number).first()
        if account is not None:
            agreement_add(option=option, account=account, shares=shares, actor=None)
    _special_account(offering.underwriter)
