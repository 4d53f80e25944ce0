"""`csdp ipo simulate`: a realistic synthetic offering on the configured database, run through the
same code paths as production (exchange file → T EOD → T+1 deposits and declarations → T+1 EOD →
T+2 payment), timing every step and checking the invariants of issue 5's Correctness list.

Order sizes are heavy-tailed: a large share of investors subscribe at the cap (as in real BSE IPOs,
rules.md §10), the rest log-normally; a few orders break the exchange's rules; some participants
are short of funds, some of them having declared investors (附件5).
"""
from __future__ import annotations

import datetime as dt
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
from csdp.ipo.services import DeclarationRow, offering_create, offering_report_account, proceeds_pay, reserve_deposit, shortfall_declare
from csdp.ledger.models import AccountKind, LedgerAccount
from csdp.ledger.services import ledger_account_open
from csdp.lib.bulk import copy_out, is_postgres
from csdp.securities.models import CustodyUnit, ParticipantProfile

PRICE_FEN = 1404
T_DATE = dt.date(2026, 3, 16)


def _at(day: dt.date, hh: int, mm: int = 0) -> None:
    clock_set(moment=dt.datetime(day.year, day.month, day.day, hh, mm), frozen=True)


def _participants(count: int) -> list[ParticipantProfile]:
    out = []
    for i in range(1, count + 1):
        code = f"S{i:04d}"
        institution, _ = Institution.objects.get_or_create(kind=InstitutionKind.PARTICIPANT, code=code,
                                                           defaults={"name": f"模拟证券{i:03d}"})
        profile, _ = ParticipantProfile.objects.get_or_create(institution=institution, defaults={"code": code})
        for unit in (f"{800000 + i * 2:06d}", f"{800001 + i * 2:06d}"):
            CustodyUnit.objects.get_or_create(code=unit, defaults={"participant": profile})
        ledger_account_open(number=f"R-{code}", name=f"{code} 综合结算备付金", kind=AccountKind.PARTICIPANT_RESERVE,
                            owner=institution)
        out.append(profile)
    return out


def _new_offering(orders: int) -> Offering:
    taken = set(Offering.objects.values_list("code", flat=True))
    code = next(f"920{n:03d}" for n in range(900, 1000) if f"920{n:03d}" not in taken)
    issuer, _ = Institution.objects.get_or_create(kind=InstitutionKind.ISSUER, code=f"SIM{code}",
                                                  defaults={"name": f"模拟发行人{code}股份有限公司"})
    underwriter, _ = Institution.objects.get_or_create(kind=InstitutionKind.UNDERWRITER, code="SIMUW",
                                                       defaults={"name": "模拟证券承销保荐有限责任公司"})
    account = ledger_account_open(number="UW-SIMUW", name="模拟承销 自营结算备付金", kind=AccountKind.UNDERWRITER_RESERVE,
                                  owner=underwriter)
    _at(T_DATE - dt.timedelta(days=3), 10)
    online = max(orders * 43, 10_000)  # about 43 shares per subscribing account (悦龙科技: 19.8M / 460k)
    offering = offering_create(code=code, name=f"模拟{code[3:]}", issuer=issuer, underwriter=underwriter,
                               price_fen=PRICE_FEN, initial_online_shares=online, online_shares=online, t_date=T_DATE,
                               listing_date=trading_day_offset(T_DATE, 9), pre_ipo_shares=online * 3)
    offering_report_account(offering=offering, account=account, actor=None)
    offering.refresh_from_db()
    return offering


def exchange_frame(*, orders: int, participants: list[ParticipantProfile], cap: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    at_cap = rng.random(orders) < 0.35
    sizes = np.clip(np.round(rng.lognormal(mean=9.0, sigma=1.6, size=orders) / 100) * 100, 100, cap).astype(np.int64)
    sizes = np.where(at_cap, cap, sizes)
    broken = rng.random(orders)
    sizes = np.where(broken < 0.001, sizes + 50, sizes)  # not a multiple of 100
    sizes = np.where((broken >= 0.001) & (broken < 0.003), cap + 100, sizes)  # above the cap
    weights = 1 / np.arange(1, len(participants) + 1) ** 0.9
    who = rng.choice(len(participants), size=orders, p=weights / weights.sum())
    accounts = 1_000_000_000 + rng.permutation(orders * 2)[:orders]
    duplicate = rng.random(orders) < 0.004  # the same account again: only the first order counts
    accounts = np.where(duplicate, np.roll(accounts, 1), accounts)
    units = {p.code: sorted(p.custody_units.values_list("code", flat=True)) for p in participants}
    codes = np.array([p.code for p in participants])
    seconds = np.sort(rng.integers(0, 4 * 3600, size=orders))
    return pl.DataFrame({
        "seq": np.arange(1, orders + 1, dtype=np.int64),
        "account": [f"{a:010d}" for a in accounts],
        "participant": codes[who],
        "quantity": sizes,
        "_t": seconds,
    }).with_columns(
        pl.col("participant").replace_strict({c: u[0] for c, u in units.items()}).alias("custody_unit"),
        pl.lit("14.04").alias("price"),
        pl.lit("").alias("investor_id"),
        (pl.lit(dt.datetime(2026, 3, 16, 9, 30)) + pl.duration(seconds=pl.col("_t"))).dt.strftime("%Y-%m-%dT%H:%M:%S")
        .alias("confirmed_at"),
    ).select("seq", "account", "participant", "custody_unit", "quantity", "price", "investor_id", "confirmed_at")


def _fund(offering: Offering, seed: int) -> dict:
    """T+1 daytime: most participants deposit what they owe; about one in ten is short, and half of
    those declare their short investors before 15:30 (附件5)."""
    rng = np.random.default_rng(seed + 1)
    day = offering.day(1)
    _at(day, 10)
    obligations = list(ParticipantObligation.objects.filter(offering=offering).select_related("participant__institution")
                       .order_by("participant__code"))
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
            reserve_deposit(institution=obligation.participant.institution, amount_fen=deposit,
                            reference=f"sim:{offering.code}:{obligation.participant.code}", actor=None)
    return {"participants": len(obligations), "short_participants": short, "declared_orders": declared}


def _declare_some(offering: Offering, obligation: ParticipantObligation, gap_fen: int) -> int:
    """Declare the participant's earliest valid orders until half of the gap is covered."""
    orders = copy_out(
        "SELECT seq, account, quantity_shares FROM ipo_subscriptionoutcome WHERE offering_id = %s AND participant = %s "
        "AND valid ORDER BY seq LIMIT 50",
        [offering.pk, obligation.participant.code], {"seq": pl.Int64, "account": pl.Utf8, "quantity": pl.Int64},
    )
    rows, covered = [], 0
    for order in orders.iter_rows(named=True):
        if covered >= gap_fen // 2:
            break
        rows.append(DeclarationRow(account=order["account"], account_name="模拟投资者", seq=order["seq"],
                                   invalid_shares=order["quantity"], reserve_account=f"R-{obligation.participant.code}",
                                   settlement_account=f"S-{obligation.participant.code}"))
        covered += order["quantity"] * offering.price_fen
    _at(offering.day(1), 15, 0)
    if rows:
        shortfall_declare(offering=offering, participant=obligation.participant, rows=rows, actor=None)
    _at(offering.day(1), 10)
    return len(rows)


def _timed(steps: list, name: str, fn, bar=None):
    started = time.perf_counter()
    rows = fn()
    steps.append({"name": name, "seconds": round(time.perf_counter() - started, 3), "rows": rows})
    if bar is not None:
        bar.set_postfix_str(name)
        bar.update(1)
    return rows


def _baseline_copy(path: Path) -> float:
    """A plain COPY of the same rows into a table of the same shape (issue 5: the ≤ 4× yardstick)."""
    if not is_postgres():
        return 0.0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_copy (seq bigint, account varchar(10), participant varchar(10), "
                       "custody_unit varchar(6), quantity bigint, price numeric(10,2), investor_id varchar(30), "
                       "confirmed_at timestamp) ON COMMIT DROP")
        started = time.perf_counter()
        with cursor.cursor.copy("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            with open(path, "rb") as source:
                while block := source.read(1 << 20):
                    copy.write(block)
        return time.perf_counter() - started


def simulate(*, orders: int, participants: int = 50, seed: int = 7, baseline_copy: bool = False,
             progress: bool = False) -> dict:
    from csdp.ipo.engine.validity import per_investor_cap
    from csdp.ipo.simulate_checks import allocation_summary, invariants

    saved_clock = BusinessClock.objects.filter(pk=1).values("offset_s", "frozen_at").first()
    try:
        profiles = _participants(participants)
        offering = _new_offering(orders)
        frame = exchange_frame(orders=orders, participants=profiles, cap=per_investor_cap(offering.initial_online_shares),
                               seed=seed)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"SG{offering.code}.csv"
            frame.write_csv(path)
            steps: list[dict] = []
            bar = tqdm(total=4, desc="模拟发行", unit="步", disable=not progress, file=sys.stderr)
            _at(offering.t_date, 15, 10)
            _timed(steps, "t_load", lambda: offering_subscriptions_load(offering=offering, path=path), bar)
            _at(offering.t_date, 17)
            _timed(steps, "t_eod", lambda: sum(r.rows for r in eod_run()), bar)
            funding = _fund(offering, seed)
            _at(offering.day(1), 17)
            _timed(steps, "t1_eod", lambda: sum(r.rows for r in eod_run()), bar)
            eod_seconds = round(sum(s["seconds"] for s in steps), 3)
            rerun = [r for r in eod_run() if not r.skipped]
            _at(offering.day(2), 10)
            _timed(steps, "t2_pay", lambda: proceeds_pay(offering=offering, actor=None) and 1, bar)
            bar.close()
            copy_seconds = _baseline_copy(path) if baseline_copy else None
        offering.refresh_from_db()
        checks = invariants(offering)
        checks["second_run_changed_nothing"] = not rerun
        result = {
            "offering": offering.code,
            "subscriptions": orders,
            "participants": participants,
            "eod_seconds": eod_seconds,
            "steps": steps,
            "funding": funding,
            **allocation_summary(offering),
            "invariants": checks,
            "invariants_ok": all(checks.values()),
        }
        if copy_seconds is not None:
            result["baseline_copy_seconds"] = round(copy_seconds, 3)
            result["eod_over_copy"] = round(eod_seconds / copy_seconds, 2) if copy_seconds else None
        return result
    finally:
        if saved_clock is None:
            BusinessClock.objects.filter(pk=1).delete()
        else:
            BusinessClock.objects.update_or_create(pk=1, defaults=saved_clock)
