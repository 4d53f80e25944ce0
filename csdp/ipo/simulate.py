"""`csdp ipo simulate`: a realistic synthetic offering on the configured database, run through the
same code paths as production (exchange file → T EOD → T+1 deposits and declarations → T+1 EOD →
T+2 payment), timing every step and checking the invariants of issue 5's Correctness list.

Order sizes are heavy-tailed: a large share of investors subscribe at the cap (as in real BSE IPOs,
rules.md §10), the rest log-normally; a few orders break the exchange's rules; some participants
are short of funds, some of them having declared investors (附件5).
"""

from __future__ import annotations

import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
from django.db import connection, transaction
from tqdm import tqdm

from csdp.accounts.models import Institution
from csdp.accounts.roles import InstitutionKind
from csdp.clock.models import BusinessClock
from csdp.clock.services import clock_set, trading_day_offset
from csdp.ipo.eod.day import eod_run
from csdp.ipo.eod.t_day import offering_subscriptions_load
from csdp.ipo.models import Offering, ParticipantObligation
from csdp.ipo.services import (
    DeclarationRow,
    offering_create,
    offering_report_account,
    proceeds_pay,
    reserve_deposit,
    shortfall_declare,
)
from csdp.ledger.models import AccountKind
from csdp.ledger.services import ledger_account_open
from csdp.lib.bulk import copy_in, copy_out, is_postgres, lookup
from csdp.securities.models import CustodyUnit, ParticipantProfile, SecuritiesAccount

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
    from csdp.fees.demo import seed_schedule

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


GENERATOR_CHUNK_ROWS = 1_000_000


def _draw_orders(*, orders: int, participants: int, cap: int, seed: int) -> dict[str, np.ndarray]:
    """The random numbers of the synthetic book, drawn whole and in the same order as ever (a seed
    gives the same world). About 40 bytes per order; the text of the file is built later, in chunks."""
    rng = np.random.default_rng(seed)
    at_cap = rng.random(orders) < 0.35
    sizes = np.clip(np.round(rng.lognormal(mean=9.0, sigma=1.6, size=orders) / 100) * 100, 100, cap).astype(np.int64)
    sizes = np.where(at_cap, cap, sizes)
    del at_cap
    broken = rng.random(orders)
    sizes = np.where(broken < 0.001, sizes + 50, sizes)  # not a multiple of 100
    sizes = np.where((broken >= 0.001) & (broken < 0.003), cap + 100, sizes)  # above the cap
    del broken
    weights = 1 / np.arange(1, participants + 1) ** 0.9
    who = rng.choice(participants, size=orders, p=weights / weights.sum()).astype(np.int32)
    accounts = 1_000_000_000 + rng.permutation(orders * 2)[:orders]  # a copy: the other half is freed
    duplicate = rng.random(orders) < 0.004  # the same account again: only the first order counts
    accounts = np.where(duplicate, np.roll(accounts, 1), accounts)
    del duplicate
    seconds = np.sort(rng.integers(0, 4 * 3600, size=orders))
    return {"quantity": sizes, "who": who, "account": accounts, "seconds": seconds}


def _exchange_chunk(
    draws: dict[str, np.ndarray], rows: slice, *, codes: np.ndarray, units: dict[str, str]
) -> pl.DataFrame:
    start = rows.start
    return (
        pl.DataFrame(
            {
                "seq": np.arange(start + 1, start + len(draws["quantity"][rows]) + 1, dtype=np.int64),
                "account": pl.Series(draws["account"][rows]).cast(pl.Utf8).str.zfill(10),
                "participant": codes[draws["who"][rows]],
                "quantity": draws["quantity"][rows],
                "_t": draws["seconds"][rows],
            }
        )
        .with_columns(
            pl.col("participant").replace_strict(units).alias("custody_unit"),
            pl.lit("14.04").alias("price"),
            pl.lit("").alias("investor_id"),
            (pl.lit(dt.datetime(2026, 3, 16, 9, 30)) + pl.duration(seconds=pl.col("_t")))
            .dt.strftime("%Y-%m-%dT%H:%M:%S")
            .alias("confirmed_at"),
        )
        .select("seq", "account", "participant", "custody_unit", "quantity", "price", "investor_id", "confirmed_at")
    )


def exchange_file_write(
    path: Path,
    *,
    orders: int,
    participants: list[ParticipantProfile],
    cap: int,
    seed: int,
    chunk_rows: int = GENERATOR_CHUNK_ROWS,
) -> np.ndarray:
    """Write the synthetic exchange file (docs/interfaces.md §1) and return the orders' account numbers.
    The text is built and appended a chunk at a time: as one frame it costs about 1 GB per million
    orders, which a 15M book (the largest A-share IPOs) could not afford next to the end of day."""
    draws = _draw_orders(orders=orders, participants=len(participants), cap=cap, seed=seed)
    units = {p.code: sorted(p.custody_units.values_list("code", flat=True))[0] for p in participants}
    codes = np.array([p.code for p in participants])
    with open(path, "wb") as out:
        for start in range(0, orders, chunk_rows):
            chunk = _exchange_chunk(draws, slice(start, min(start + chunk_rows, orders)), codes=codes, units=units)
            chunk.write_csv(out, include_header=start == 0)
    return draws["account"]


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
    from django.utils import timezone

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
    from csdp.ipo.filings import filing_content
    from csdp.keys.signing import signing_context, submission_digest
    from csdp.keys.testing import enrol_test_key, sign

    key = enrol_test_key(user)
    return sign(
        key, signing_context(user=user, digest=submission_digest(content=filing_content(filing), files=[filing.source]))
    )


def _file_remainder(offering: Offering) -> int:
    """T+2: the issuer files the 余股 (to the lead underwriter's account) and confirms the list, through
    the same services as the filing page (002 §2.1.2(一)). The simulator's issuer has no key: the
    confirmation is recorded unsigned."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    from csdp.accounts.models import User
    from csdp.ipo.filings import HEADER, detail_filing_confirm, detail_filing_submit, expected_total
    from csdp.uploads.services import upload_store

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
    from csdp.securities.models import IdType, Market
    from csdp.securities.services import account_open, investor_create

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


def _timed(steps: list, name: str, fn, bar=None):
    started = time.perf_counter()
    rows = fn()
    steps.append(
        {
            "name": name,
            "seconds": round(time.perf_counter() - started, 3),
            "rows": rows,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        }
    )
    if bar is not None:
        bar.set_postfix_str(name)
        bar.update(1)
    return rows


BASELINE_ROUNDS = 3


def _baseline_copy(path: Path) -> list[float]:
    """A plain COPY of the same rows into an ordinary (logged, durable) table of the same columns and no
    index, committed (issue 5: the ≤ 4× yardstick); a temporary table would skip the WAL and flatter it.
    Three rounds, each into a fresh table: one COPY of a million rows moves by a quarter from run to
    run on the same machine, so the ratio is taken against the median."""
    if not is_postgres():
        return []
    return [_baseline_copy_once(path) for _ in range(BASELINE_ROUNDS)]


def _checkpoint() -> None:
    """Write out what the set-up left in PostgreSQL's WAL before a timed run, so that a checkpoint the
    set-up made due does not land in the middle of it (seen: the same load 0.9 s, or 2.1 s with the
    checkpointer flushing beside it). Needs a superuser (or pg_checkpoint); skipped otherwise."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper OR pg_has_role(current_user, 'pg_checkpoint', 'MEMBER') FROM pg_roles "
            "WHERE rolname = current_user"
        )
        allowed = cursor.fetchone()
    if allowed and allowed[0]:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")


def _baseline_copy_once(path: Path) -> float:
    _checkpoint()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute(
            "CREATE TABLE bench_copy (seq bigint, account varchar(10), participant varchar(10), "
            "custody_unit varchar(6), quantity bigint, price numeric(10,2), investor_id varchar(30), "
            "confirmed_at timestamptz)"
        )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.cursor.copy("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            with open(path, "rb") as source:
                while block := source.read(1 << 20):
                    copy.write(block)
    seconds = time.perf_counter() - started  # the commit included
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_copy")
    return seconds


def _after_t1(offering: Offering, accounts: np.ndarray, steps: list, bar) -> dict:
    """T+2 payment, the investors' accounts, the 余股 filing, registration and listing."""
    _at(offering.day(2), 10)
    _timed(steps, "t2_pay", lambda: proceeds_pay(offering=offering, actor=None) and 1, bar)
    accounts_opened = open_accounts(accounts)
    remainder_filed = _file_remainder(offering)
    _at(offering.day(2), 17)
    registration = [r for r in eod_run() if r.offering == offering.code]
    _timed(steps, "registration", lambda: sum(r.rows for r in registration), bar)
    _at(offering.listing_date, 17)
    listing = [r for r in eod_run() if r.offering == offering.code]
    return {
        "accounts_opened": accounts_opened,
        "remainder_filed": remainder_filed,
        "failures": [f"{r.step}: {r.error}" for r in registration + listing if r.error],
    }


def simulate(
    *,
    orders: int,
    participants: int = 50,
    seed: int = 7,
    baseline_copy: bool = False,
    progress: bool = False,
    eod_only: bool = False,
) -> dict:
    """``eod_only``: stop after T+1 EOD (no T+2 payment, account opening, registration or listing) —
    what the 15M benchmark times, without the half hour of setting up the registration around it."""
    from csdp.ipo.engine.validity import per_investor_cap
    from csdp.ipo.simulate_checks import allocation_summary, invariants

    saved_clock = BusinessClock.objects.filter(pk=1).values("offset_s", "frozen_at").first()
    try:
        profiles = _participants(participants)
        offering = _new_offering(orders)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"SG{offering.code}.csv"
            accounts = exchange_file_write(
                path,
                orders=orders,
                participants=profiles,
                cap=per_investor_cap(offering.initial_online_shares),
                seed=seed,
            )
            steps: list[dict] = []
            bar = tqdm(total=5, desc="模拟发行", unit="步", disable=not progress, file=sys.stderr)
            _at(offering.t_date, 15, 10)
            if baseline_copy:
                _checkpoint()
            _timed(steps, "t_load", lambda: offering_subscriptions_load(offering=offering, path=path), bar)
            _at(offering.t_date, 17)
            _timed(steps, "t_eod", lambda: sum(r.rows for r in eod_run()), bar)
            funding = _fund(offering, seed)
            _at(offering.day(1), 17)
            _timed(steps, "t1_eod", lambda: sum(r.rows for r in eod_run()), bar)
            eod_seconds = round(sum(s["seconds"] for s in steps), 3)
            rerun = [r for r in eod_run() if not r.skipped]
            after = {"accounts_opened": 0, "remainder_filed": 0, "failures": []}
            if not eod_only:
                after = _after_t1(offering, accounts, steps, bar)
            bar.close()
            copy_rounds = _baseline_copy(path) if baseline_copy else None
        offering.refresh_from_db()
        checks = invariants(offering)
        checks["second_run_changed_nothing"] = not rerun
        if not eod_only:
            checks["registered_and_listed"] = offering.status == "listed" and not after["failures"]
        result = {
            "offering": offering.code,
            "subscriptions": orders,
            "participants": participants,
            "eod_seconds": eod_seconds,
            "steps": steps,
            "funding": funding,
            "status": offering.status,
            "accounts_opened": after["accounts_opened"],
            "remainder_filed_shares": after["remainder_filed"],
            "failures": after["failures"],
            **allocation_summary(offering),
            "invariants": checks,
            "invariants_ok": all(checks.values()),
        }
        if copy_rounds is not None:
            copy_seconds = statistics.median(copy_rounds) if copy_rounds else None
            result["baseline_copy_rounds"] = [round(r, 3) for r in copy_rounds]
            result["baseline_copy_seconds"] = round(copy_seconds, 3) if copy_seconds else None
            result["eod_over_copy"] = round(eod_seconds / copy_seconds, 2) if copy_seconds else None
        return result
    finally:
        if saved_clock is None:
            BusinessClock.objects.filter(pk=1).delete()
        else:
            BusinessClock.objects.update_or_create(pk=1, defaults=saved_clock)
