"""A listed offering with a greenshoe: issuer A, the cast's lead underwriter (with its proprietary
一码通 and the special account holding shares bought on the market), deferred-delivery investors."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from csdp.clock.services import clock_set
from csdp.fees.demo import seed_schedule
from csdp.greenshoe.accounts import special_account_open
from csdp.greenshoe.models import SPECIAL_ACCOUNT_SUFFIX
from csdp.greenshoe.services import agreement_add, option_create
from csdp.greenshoe.sheets import CSPLW_HEADER, DJ_HEADER
from csdp.ipo.models import Offering
from csdp.lib.ids import make_resident_id, make_uscc
from csdp.register.models import EventType
from csdp.register.services import register_apply
from csdp.securities.models import IdType, Market
from csdp.securities.services import account_open, investor_create, security_create
from csdp.uploads.services import upload_store

LISTING = dt.date(2026, 3, 30)  # a Monday
EXERCISE_END = dt.date(2026, 4, 28)  # +1 = 04-29; +3 = 05-06 over the Labour Day closure
UW_YMT = "180000000099"
UNIT = "910001"  # the deferred-delivery investors' custody unit, of participant G001


def at(day: dt.date, hh: int = 10) -> None:
    clock_set(moment=dt.datetime(day.year, day.month, day.day, hh, 0), frozen=True)


def investor(number: str, name: str, id17: str):
    person = investor_create(
        ymt_number=f"18{number}",
        name=name,
        id_type=IdType.RESIDENT_ID,
        id_number=make_resident_id(id17),
        holder_type="03",
    )
    return account_open(number=number, investor=person, market=Market.BSE)


def build(cast, *, limit_shares: int | None = None, market_bought: int = 0):
    """Offering of 1,000,000 shares (default limit 150,000), three deferred-delivery investors."""
    seed_schedule()
    _participant()
    at(LISTING - dt.timedelta(days=20))
    offering = Offering.objects.create(
        code="920777",
        name="甲超配",
        issuer=cast.issuer_a.institution,
        underwriter=cast.underwriter.institution,
        price_fen=1000,
        initial_online_shares=1_000_000,
        online_shares=1_000_000,
        t_date=LISTING - dt.timedelta(days=14),
        listing_date=LISTING,
    )
    security = security_create(
        code="920777", name="甲超配", kind="stock", market=Market.BSE, issuer=cast.issuer_a.institution
    )
    option = option_create(offering=offering, exercise_end=EXERCISE_END, actor=cast.operator, limit_shares=limit_shares)
    accounts = [
        investor("0410000001", "投资者甲", "11010519800101001"),
        investor("0410000002", "投资者乙", "11010519800101002"),
        investor("0410000003", "投资者丙", "11010519800101003"),
    ]
    for account, shares in zip(accounts, (60_000, 50_000, 40_000)):
        agreement_add(option=option, account=account, shares=shares, actor=cast.underwriter)
    uw = investor_create(
        ymt_number=UW_YMT,
        name=cast.underwriter.institution.name,
        id_type=IdType.USCC,
        id_number=make_uscc("91110000100000001"),
        holder_type="02",
    )
    account_open(number="0810000001", investor=uw, market=Market.BSE)
    special = special_account_open(
        underwriter=cast.underwriter.institution,
        name=cast.underwriter.institution.name + SPECIAL_ACCOUNT_SUFFIX,
        ymt_number=UW_YMT,
        actor=cast.operator,
    )
    if market_bought:
        market_buy(security, special.account, market_bought)
    return option, security, special, accounts


def _participant():
    from csdp.accounts.models import Institution
    from csdp.accounts.roles import InstitutionKind
    from csdp.securities.services import custody_unit_create, participant_profile_create

    institution = Institution.objects.create(kind=InstitutionKind.PARTICIPANT, name="庚证券", code="G001")
    custody_unit_create(participant=participant_profile_create(institution=institution, code="G001"), code=UNIT)


def market_buy(security, account, shares: int) -> None:
    """The lead underwriter's auction purchases: a seller's shares land in the special account."""
    seller = investor(f"05{security.pk:08d}"[-10:], "卖出方", "11010519800101099")
    common = {"security_id": security.pk, "business_date": LISTING, "event_type": EventType.NON_TRADE_TRANSFER}
    register_apply(
        events=[
            {
                **common,
                "account_id": seller.pk,
                "event_type": EventType.INITIAL,
                "quantity_delta": shares,
                "key": "seed:seller",
            },
            {**common, "account_id": seller.pk, "quantity_delta": -shares, "key": "seed:sell"},
            {**common, "account_id": account.pk, "quantity_delta": shares, "key": "seed:buy"},
        ]
    )


def excel(header, rows) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(
        "data.xlsx", out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def dj_file(user, rows):
    return upload_store(file=excel(DJ_HEADER, rows), kind="spreadsheet", owner=user.institution, actor=user)


def csplw_file(user, rows):
    return upload_store(file=excel(CSPLW_HEADER, rows), kind="spreadsheet", owner=user.institution, actor=user)


def dj_row(account, shares):
    return (account.number, account.investor.name, account.investor.id_number, shares, "00", UNIT)


def csplw_row(special, account, shares):
    return (special.account.number, account.number, account.investor.name, account.investor.id_number, shares, UNIT)


def signed(filing, user):
    """The filer signs the checked details with a test USB-KEY, as the filing page does."""
    from csdp.greenshoe.services import filing_content, filing_sign
    from csdp.keys.signing import signing_context, submission_digest
    from csdp.keys.testing import enrol_test_key, sign

    key = enrol_test_key(user)  # a fresh key each time: a cache would outlive the test database
    digest = submission_digest(content=filing_content(filing), files=[filing.source])
    payload = sign(key, signing_context(user=user, digest=digest))
    return filing_sign(filing=filing, signature_payload=payload, actor=user)
