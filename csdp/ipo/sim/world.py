"""The simulator's world: participants, the offering, investors' accounts, funds and declarations, and
the issuer's remainder filing — made through the same services production uses."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from django.db import transaction

from csdp.accounts.models import Institution, User
from csdp.accounts.roles import InstitutionKind
from csdp.clock.services import clock_set, trading_day_offset
from csdp.fees.demo import seed_schedule
from csdp.ipo.issuer.detail_filings import (
    filing_content,
    HEADER,
    detail_filing_confirm,
    detail_filing_submit,
    expected_total,
)
from csdp.ipo.models import Offering, ParticipantObligation
from csdp.ipo.services import (
    DeclarationRow,
    offering_create,
    offering_report_account,
    reserve_deposit,
    shortfall_declare,
)
from csdp.keys.signing import signing_context, submission_digest
from csdp.keys.testing import enrol_test_key, sign
from csdp.ledger.models import AccountKind
from csdp.ledger.services import ledger_account_open
from csdp.lib.bulk import copy_in, copy_out, lookup
from csdp.securities.models import CustodyUnit, ParticipantProfile, SecuritiesAccount, IdType, Market
from csdp.securities.services import account_open, investor_create
from csdp.uploads.services import upload_store
from django.utils import timezone
import io
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

PRICE_FEN = 1404
T_DATE = dt.date(2026, 3, 16)


def _at(day: dt.date, hh: int, mm: int = 0) -> None:
    clock_set(moment=dt.datetime(day.year, day.month, day.day, hh, mm), frozen=True)


def _participants(count: int) -> list[ParticipantProfile]:
    out = []
    for i in range(1, count + 1):
        code = f"S{i:04d}"
        institution, _ = Institution.objects.get_or_create(
            kind=InstitutionKind.PARTICIPANT, code=code, defaults={"name": f"模拟证券{i:03d}"}
        )
        profile, _ = ParticipantProfile.objects.get_or_create(institution=institution, defaults={"code": code})
        for unit in (f"{800000 + i * 2:06d}", f"{800001 + i * 2:06d}"):
            CustodyUnit.objects.get_or_create(code=unit, defaults={"participant": profile})
        ledger_account_open(
            number=f"R-{code}", name=f"{code} 综合结算备付金", kind=AccountKind.PARTICIPANT_RESERVE, owner=institution
        )
        out.append(profile)
    return out


def _new_offering(orders: int) -> Offering:
    seed_schedule()  # example rates, labelled so; registration bills the 股份登记费 from it
    taken = set(Offering.objects.values_list("code", flat=True))
    code = next(f"920{n:03d}" for n in range(900, 1000) if f"920{n:03d}" not in taken)
    issuer, _ = Institution.objects.get_or_create(
        kind=InstitutionKind.ISSUER, code=f"SIM{code}", defaults={"name": f"模拟发行人{code}股份有限公司"}
    )
    underwriter, _ = Institution.objects.get_or_create(
        kind=InstitutionKind.UNDERWRITER, code="SIMUW", defaults={"name": "模拟证券承销保荐有限责任公司"}
    )
    account = ledger_account_open(
        number="UW-SIMUW", name="模拟承销 自营结算备付金", kind=AccountKind.UNDERWRITER_RESERVE, owner=underwriter
    )
    _at(T_DATE - dt.timedelta(days=3), 10)
    online = max(orders * 43, 10_000)  # about 43 shares per subscribing account (悦龙科技: 19.8M / 460k)
    offering = offering_create(
        code=code,
        name=f"模拟{code[3:]}",
        issuer=issuer,
        underwriter=underwriter,
        price_fen=PRICE_FEN,
        initial_online_shares=online,
        online_shares=online,
        t_date=T_DATE,
        listing_date=trading_day_offset(T_DATE, 9),
        pre_ipo_shares=online * 3,
    )
    offering_report_account(offering=offering, account=account, actor=None)
    offering.refresh_from_db()
    return offering


ACCOUNT_CHUNK_ROWS = 1_000_000


def open_accounts(numbers: np.ndarray) -> int:
    """The synthetic investors' BSE accounts (10-digit numbers as integers), opened set-based (COPY) —
    in the real world the participants opened them long before; the register refuses allocations to
    unknown accounts. In ascending number, so every unique index of the two tables grows at its right
    edge instead of touching a random page per row (a million random inserts took ~2 minutes); one
    transaction per chunk, so the deferred foreign-key checks queued for the commit stay bounded."""
    wanted = np.unique(numbers)
    opened = 0
    for start in range(0, len(wanted), ACCOUNT_CHUNK_ROWS):
        chunk = pl.Series("number", wanted[start : start + ACCOUNT_CHUNK_ROWS]).cast(pl.Utf8).str.zfill(10)
        opened += _open_accounts_chunk(chunk)
    return opened


def _open_accounts_chunk(numbers: pl.Series) -> int:
    wanted = pl.DataFrame({"number": numbers})
    known = lookup(wanted["number"], table="securities_securitiesaccount", key="number", value="id")
    fresh = wanted.join(known, on="number", how="anti", maintain_order="left")
    if fresh.height == 0:
        return 0
    now = timezone.now()
    investors = fresh.select(
        pl.concat_str([pl.lit("20"), pl.col("number")]).alias("ymt_number"),
        pl.concat_str([pl.lit("模拟投资者"), pl.col("number")]).alias("name"),
        pl.lit("other").alias("id_type"),
        pl.concat_str([pl.lit("SIM"), pl.col("number")]).alias("id_number"),
        pl.lit("03").alias("holder_type"),
        pl.lit(now).alias("created_at"),
    )
    with transaction.atomic():
        copy_in("securities_investor", investors.columns, investors)
        ids = lookup(investors["ymt_number"], table="securities_investor", key="ymt_number", value="id")
        accounts = (
            fresh.with_columns(pl.concat_str([pl.lit("20"), pl.col("number")]).alias("ymt_number"))
            .join(ids, on="ymt_number", maintain_order="left")
            .select(
                "number",
                pl.col("id").alias("investor_id"),
                pl.lit("BSE").alias("market"),
                pl.lit("normal").alias("status"),
                pl.lit(now).alias("created_at"),
            )
        )
        copy_in("securities_securitiesaccount", accounts.columns, accounts)
    return fresh.height


def _signed(user, filing) -> str:
    """The simulated issuer signs the list with a software key, as its browser would (the service
    verifies the signature itself)."""
    key = enrol_test_key(user)
    return sign(
        key, signing_context(user=user, digest=submission_digest(content=filing_content(filing), files=[filing.source]))
    )


def _file_remainder(offering: Offering) -> int:
    """T+2: the issuer files the 余股 (to the lead underwriter's account) and confirms the list, through
    the same services as the filing page (002 §2.1.2(一)). The simulator's issuer has no key: the
    confirmation is recorded unsigned."""

    remainder = expected_total(offering, "remainder")
    if remainder == 0:
        return 0
    underwriter_account = _underwriter_account()
    user, _ = User.objects.get_or_create(
        username=f"sim_issuer_{offering.code}",
        defaults={"institution": offering.issuer, "display_name": "模拟发行人经办"},
    )
    book = Workbook()
    book.active.append(HEADER)
    book.active.append(
        [
            underwriter_account.number,
            underwriter_account.investor.name,
            underwriter_account.investor.id_number,
            remainder,
            "00",
            CustodyUnit.objects.order_by("code").first().code,
            "",
        ]
    )
    data = io.BytesIO()
    book.save(data)
    stored = upload_store(
        file=SimpleUploadedFile("remainder.xlsx", data.getvalue()),
        kind="spreadsheet",
        owner=offering.issuer,
        actor=user,
    )
    filing = detail_filing_submit(offering=offering, kind="remainder", stored=stored, actor=user)
    detail_filing_confirm(filing=filing, signature_payload=_signed(user, filing), actor=user)
    return remainder


def _underwriter_account():
    existing = SecuritiesAccount.objects.filter(number="0990000001").select_related("investor").first()
    if existing:
        return existing
    investor = investor_create(
        ymt_number="990000000001",
        name="模拟证券承销保荐有限责任公司",
        id_type=IdType.OTHER,
        id_number="SIMUW0001",
        holder_type="02",
    )
    return account_open(number="0990000001", investor=investor, market=Market.BSE)


def _fund(offering: Offering, seed: int) -> dict:
    """T+1 daytime: most participants deposit what they owe; about one in ten is short, and half of
    those declare their short investors before 15:30 (附件5)."""
    rng = np.random.default_rng(seed + 1)
    day = offering.day(1)
    _at(day, 10)
    obligations = list(
        ParticipantObligation.objects.filter(offering=offering)
        .select_related("participant__institution")
        .order_by("participant__code")
    )
    short, declared = 0, 0
    for obligation in obligations:
        owed = obligation.subscribed_fen
        if owed and rng.random() < 0.1:
            short += 1
            deposit = int(owed * rng.uniform(0.90, 0.999))
            if rng.random() < 0.5:
                declared += _declare_some(offering, obligation, owed - deposit)
        else:
            deposit = owed
        if deposit:
            reserve_deposit(
                institution=obligation.participant.institution,
                amount_fen=deposit,
                reference=f"sim:{offering.code}:{obligation.participant.code}",
                actor=None,
            )
    return {"participants": len(obligations), "short_participants": short, "declared_orders": declared}


def _declare_some(offering: Offering, obligation: ParticipantObligation, gap_fen: int) -> int:
    """Declare the participant's earliest valid orders until half of the gap is covered."""
    orders = copy_out(
        "SELECT s.seq, s.account, s.quantity_shares FROM ipo_subscription s WHERE s.offering_id = %s "
        "AND s.participant = %s AND NOT EXISTS (SELECT 1 FROM ipo_subscriptionoutcome o "
        "WHERE o.offering_id = s.offering_id AND o.seq = s.seq) ORDER BY s.seq LIMIT 50",
        [offering.pk, obligation.participant.code],
        {"seq": pl.Int64, "account": pl.Utf8, "quantity": pl.Int64},
    )
    rows, covered = [], 0
    for order in orders.iter_rows(named=True):
        if covered >= gap_fen // 2:
            break
        rows.append(
            DeclarationRow(
                account=order["account"],
                account_name="模拟投资者",
                seq=order["seq"],
                invalid_shares=order["quantity"],
                reserve_account=f"R-{obligation.participant.code}",
                settlement_account=f"S-{obligation.participant.code}",
            )
        )
        covered += order["quantity"] * offering.price_fen
    _at(offering.day(1), 15, 0)
    if rows:
        shortfall_declare(offering=offering, participant=obligation.participant, rows=rows, actor=None)
    _at(offering.day(1), 10)
    return len(rows)
