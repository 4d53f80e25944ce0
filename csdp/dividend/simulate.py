"""`csdp dividend simulate`: a realistic register on the configured database, and one distribution run
through the production code paths: the plan filed as counter business type 05, accepted by an operator
and approved by a different reviewer (four-eyes, which schedules it), the funding declared by the
issuer's clerk and confirmed received by that reviewer (``funding_declare``, ``funding_confirm``), and the four
end-of-day steps through ``distribution_advance``, as `csdp eod run` calls them.

Holdings are heavy-tailed (Pareto: most accounts hold a few hundred shares, a few hold millions); about
5 % of accounts also hold a restricted lot (05, with a lock-up end), 3 % have part of their shares
pledged and 1 % frozen. ``seconds`` is the end-of-day work (funding, snapshot, entitlements, money,
register, files); the set-up (accounts, register) and the daytime application are reported as their own
steps and are not counted. The fraction draw's seed is drawn when the application is accepted, as in
production (``--seed`` draws the register), and recorded with the distribution.
"""

from __future__ import annotations

import datetime as dt
import resource
import time
from pathlib import Path

import numpy as np
import polars as pl
from django.db import connection, transaction
from django.db.models import Sum

from csdp.accounts.models import Institution, User
from csdp.accounts.roles import InstitutionKind, StaffRole
from csdp.approvals.selectors import approvals_of_subject
from csdp.approvals.services import approval_approve
from csdp.clock.services import clock_set, trading_day_offset
from csdp.counter.demo import demo_pdf
from csdp.counter.handling import application_accept
from csdp.counter.models import BusinessType
from csdp.counter.services import application_draft, application_submit, pending_round
from csdp.dividend import counter_types
from csdp.dividend.engine import Rates
from csdp.dividend.kinds import PLAN
from csdp.dividend.models import Distribution, HeldCash, ParticipantPayment, Step
from csdp.dividend.selectors import ENTITLEMENT_COLUMNS, entitlements_of
from csdp.dividend.funding import funding_confirm, funding_declare
from csdp.dividend.runner import distribution_advance
from csdp.dividend.simulate_records import encumbrance_events, records_create
from csdp.ipo.sim import _checkpoint, _participants, open_accounts
from csdp.issuers.models import IssuerSecurity
from csdp.keys.signing import signing_context
from csdp.keys.testing import enrol_test_key, sign
from csdp.ledger.models import LedgerAccount
from csdp.lib.bulk import copy_in, is_postgres, lookup
from csdp.register.bulk import register_apply_bulk
from csdp.register.models import Position
from csdp.restrictions.checks import restrictions_rebuild_check
from csdp.securities.models import Market, Security
from csdp.securities.services import security_create

START = dt.date(2026, 11, 2)  # a Monday of the last calendar year we have
# The plan as the issuer files it on the counter (business type 05): per 10 shares, as the form takes them.
PLAN_FORM = {"cash_per_10": "2.345678", "bonus_per_10": "3", "transfer_per_10": "2", "resolution_date": "2026-10-20"}
RATES = Rates.parse(PLAN_FORM["cash_per_10"], PLAN_FORM["bonus_per_10"], PLAN_FORM["transfer_per_10"])


def _at(day: dt.date, hh: int) -> None:
    clock_set(moment=dt.datetime(day.year, day.month, day.day, hh, 0), frozen=True)


def _peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


_STATUS, _CLEAR_REFS = Path("/proc/self/status"), Path("/proc/self/clear_refs")


def _day_peak_start() -> None:
    """Start a day's own peak: Linux resets the process's high-water mark (VmHWM) when "5" is written
    to clear_refs. ru_maxrss is that same mark, so it is reset too (and with it what ``time -v`` and a
    parent's RUSAGE_CHILDREN report): the run's peak is the greatest of the days' and what came before
    (``run`` below). Elsewhere a day's peak is the run's so far."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        pass


def _day_peak_mb() -> int:
    try:
        line = next(x for x in _STATUS.read_text().splitlines() if x.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return _peak_mb()
    return int(line.split()[1]) // 1024


def draw_register(holders: int, seed: int) -> pl.DataFrame:
    """Lots: account number (int), nature, lock-up end, quantity, frozen, pledged."""
    rng = np.random.default_rng(seed)
    numbers = np.arange(holders, dtype=np.int64) + 3_000_000_000
    quantity = np.minimum((rng.pareto(1.16, holders) + 1) * 100, 5e8).astype(np.int64)
    frozen = np.where(rng.random(holders) < 0.01, quantity // 3, 0)
    pledged = np.where(rng.random(holders) < 0.03, (quantity - frozen) // 2, 0)
    free = pl.DataFrame(
        {
            "number": numbers,
            "share_nature": "00",
            "lockup_end": None,
            "quantity": quantity,
            "frozen": frozen,
            "pledged": pledged,
        },
        schema_overrides={"lockup_end": pl.Date},
    )
    restricted = rng.random(holders) < 0.05
    extra = pl.DataFrame(
        {
            "number": numbers[restricted],
            "share_nature": "05",
            "lockup_end": dt.date(2027, 6, 30),
            "quantity": (quantity[restricted] // 2 + 100),
            "frozen": 0,
            "pledged": 0,
        }
    ).cast({"frozen": pl.Int64, "pledged": pl.Int64})
    return pl.concat([free, extra.select(free.columns)], how="vertical_relaxed")


def _assign_custody(ids: pl.DataFrame, participants: list) -> None:
    units = np.array([u.pk for p in participants for u in p.custody_units.order_by("pk")[:1]], dtype=np.int64)
    mapping = ids.select(
        pl.col("id").alias("account_id"),
        pl.Series(units[np.arange(ids.height) % len(units)]).alias("unit_id"),
    )
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE sim_custody (account_id BIGINT, unit_id BIGINT)")
        copy_in("sim_custody", ["account_id", "unit_id"], mapping)
        cursor.execute(
            "UPDATE securities_securitiesaccount SET custody_unit_id = m.unit_id FROM sim_custody m "
            "WHERE securities_securitiesaccount.id = m.account_id"
        )
        cursor.execute("DROP TABLE sim_custody")


def _setup(holders: int, participants: int, seed: int, steps: list) -> tuple[Security, Institution]:
    _at(START, 9)
    lots = draw_register(holders, seed)
    people = _participants(participants)
    numbers = lots.get_column("number").unique().sort()
    _timed(steps, "setup_accounts", lambda: open_accounts(numbers.to_numpy()))
    ids = lookup(numbers.cast(pl.Utf8).str.zfill(10), table="securities_securitiesaccount", key="number", value="id")
    with transaction.atomic():
        _assign_custody(ids, people)
    taken = set(Security.objects.filter(code__startswith="93").values_list("code", flat=True))
    code = next(f"93{n:04d}" for n in range(10_000) if f"93{n:04d}" not in taken)
    issuer, _ = Institution.objects.get_or_create(
        kind=InstitutionKind.ISSUER, code="SIMISS", defaults={"name": "模拟发行人股份有限公司"}
    )
    security = security_create(code=code, name=f"模拟{code}", kind="stock", market=Market.BSE, issuer=issuer)
    frame = (
        lots.with_columns(pl.col("number").cast(pl.Utf8).str.zfill(10))
        .join(ids, on="number")
        .rename({"id": "account_id"})
    )
    _timed(steps, "setup_register", lambda: _register(frame, security))
    if is_postgres():
        _timed(steps, "setup_analyze", _vacuum_analyze)
    return security, issuer


# What autovacuum has long done to a live register of this size: the planner's statistics and the
# visibility map. A database copied from a template (bench/dividend_eod.py --reuse) starts with its
# activity counters at zero, so autovacuum never comes to these tables during the run; without
# statistics the planner takes a security's 10M positions for ~100k and probes the accounts' key once
# per lot at R (29 s instead of a hash join, docs/performance.md "Eleventh session").
SETUP_ANALYZED = (
    "register_position",
    "register_registrationevent",
    "securities_securitiesaccount",
    "securities_custodyunit",
    "securities_participantprofile",
    "restrictions_freeze",
    "restrictions_pledge",
)


def _vacuum_analyze() -> int:
    # VACUUM cannot run inside a transaction (a caller's, a test's): ANALYZE alone there
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        cursor.execute(f"{command} {', '.join(SETUP_ANALYZED)}")
    return len(SETUP_ANALYZED)


# The register is set up in slices of this many accounts (all lots of an account in one slice, so its
# freeze and pledge meet their lot's shares): one batch of ten million holders' events would hold
# several GB of frames at once.
SETUP_CHUNK_ACCOUNTS = 1_000_000


def _register(frame: pl.DataFrame, security: Security) -> int:
    """The initial registration in slices of accounts, then the freezes and pledges with their records
    (simulate_records): one batch, in one transaction with the records."""
    accounts = frame.get_column("account_id").unique().sort()
    written = 0
    for start in range(0, accounts.len(), SETUP_CHUNK_ACCOUNTS):
        low, high = accounts[start], accounts[min(start + SETUP_CHUNK_ACCOUNTS, accounts.len()) - 1]
        written += register_apply_bulk(
            _initial_events(frame.filter(pl.col("account_id").is_between(low, high)), security)
        )
    with transaction.atomic():
        written += register_apply_bulk(encumbrance_events(frame, security, START))
        records_create(
            frame,
            security,
            START,
            (_staff("sim-operator", StaffRole.OPERATOR), _staff("sim-reviewer", StaffRole.REVIEWER)),
        )
    return written


def _initial_events(frame: pl.DataFrame, security: Security) -> pl.DataFrame:
    code = security.code
    base = [
        pl.lit(security.pk, pl.Int64).alias("security_id"),
        "account_id",
        "share_nature",
        "lockup_end",
        pl.lit(START).alias("business_date"),
    ]
    key = pl.concat_str(
        # zero-padded: each slice's keys sort after the previous slice's, so the bulk path's one-probe
        # "no key of the log in this batch's range" holds and it skips its replay join
        [pl.lit(f"sim:{code}:"), pl.col("account_id").cast(pl.Utf8).str.zfill(12), pl.lit(":"), pl.col("share_nature")]
    )
    return frame.select(
        *base,
        pl.lit("initial").alias("event_type"),
        pl.col("quantity").alias("quantity_delta"),
        (key + ":q").alias("key"),
    )


def _timed(steps: list, name: str, fn):
    started = time.perf_counter()
    rows = fn()
    steps.append(
        {
            "name": name,
            "seconds": round(time.perf_counter() - started, 3),
            "rows": int(rows or 0),
            "peak_rss_mb": _peak_mb(),
        }
    )
    return rows


# The yardstick reads the entitlements a slice of this many rows at a time (one frame of ten million
# would be the run's peak memory): one transaction, its COPYs and its commit timed, the reads not.
BASELINE_SLICE_ROWS = 2_000_000


def baseline_copy(distribution: Distribution) -> float | None:
    """A plain COPY of the entitlement rows into an ordinary table of the same columns, no index,
    committed — the yardstick of the issue's "≤ 4× a plain COPY" (PostgreSQL only)."""
    if not is_postgres():
        return None
    _checkpoint()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_dividend_copy")
        cursor.execute("CREATE TABLE bench_dividend_copy AS SELECT * FROM dividend_entitlement WITH NO DATA")
        cursor.execute(
            "SELECT MIN(seq), MAX(seq) FROM dividend_entitlement WHERE distribution_id = %s", [distribution.pk]
        )
        low, high = cursor.fetchone()
    seconds = 0.0
    with transaction.atomic():
        for start in range(low, high + 1, BASELINE_SLICE_ROWS):
            frame = entitlements_of(distribution.pk, (start, min(start + BASELINE_SLICE_ROWS, high + 1) - 1))
            started = time.perf_counter()
            copy_in("bench_dividend_copy", ENTITLEMENT_COLUMNS, frame.select(ENTITLEMENT_COLUMNS))
            seconds += time.perf_counter() - started
            del frame
        started = time.perf_counter()  # the commit, on leaving the block
    seconds += time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_dividend_copy")
    return round(seconds, 3)


def _invariants(d: Distribution, security: Security, issued_before: int) -> dict[str, bool]:
    d.refresh_from_db()
    paid = ParticipantPayment.objects.filter(distribution=d).aggregate(s=Sum("paid_fen"))["s"] or 0
    held = HeldCash.objects.filter(distribution=d).aggregate(s=Sum("amount_fen"))["s"] or 0
    held_after = Position.objects.filter(security=security).aggregate(s=Sum("quantity"))["s"] or 0
    security.refresh_from_db()
    issued_after = security.issued_shares
    funding = LedgerAccount.objects.get(pk=d.funding_account_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(quantity_delta), 0) FROM register_registrationevent "
            "WHERE security_id = %s AND event_type = 'bonus'",
            [security.pk],
        )
        bonus_registered = int(cursor.fetchone()[0])
        cursor.execute(
            "SELECT COUNT(*) FROM (SELECT account_id, share_nature, lockup_end, SUM(quantity_delta) q, "
            "SUM(frozen_delta) f, SUM(pledged_delta) p FROM register_registrationevent WHERE security_id = %s "
            "GROUP BY account_id, share_nature, lockup_end) l LEFT JOIN register_position x ON "
            "x.account_id = l.account_id AND x.security_id = %s AND x.share_nature = l.share_nature AND "
            "COALESCE(x.lockup_end, '9999-12-31') = COALESCE(l.lockup_end, '9999-12-31') "
            "WHERE x.id IS NULL OR x.quantity <> l.q OR x.frozen <> l.f OR x.pledged <> l.p",
            [security.pk, security.pk],
        )
        rebuild_differences = int(cursor.fetchone()[0])
    records_differ = restrictions_rebuild_check()
    steps_before = Step.objects.filter(distribution=d).count()
    rerun = distribution_advance(distribution=d, day=d.list_date)
    return {
        "cash_total_exact": paid + held == d.cash_total_fen == d.cash_declared_fen,
        "bonus_total_exact": bonus_registered == d.bonus_total == d.total_quantity * RATES.shares_micro // 10_000_000,
        "issued_capital_is_sum_of_positions": issued_after == held_after == issued_before + d.bonus_total,
        "money_conserved": funding.credits_posted == funding.debits_posted and funding.debits_pending == 0,
        "positions_match_log": rebuild_differences == 0,
        "freezes_and_pledges_match_register": not records_differ,
        "second_run_changes_nothing": rerun == [] and Step.objects.filter(distribution=d).count() == steps_before,
    }


def _staff(username: str, role: str) -> User:
    user, _ = User.objects.get_or_create(username=username, defaults={"staff_role": role, "display_name": username})
    return user


def _plan_approved(security: Security, issuer: Institution, record_date: dt.date) -> Distribution:
    """The plan through production's path: the issuer's agent files counter type 05 with its attachment and
    signs it (a software key, as csdp/ipo/sim signs its filings), an operator accepts it — which prepares
    the four-eyes approval ``dividend.plan`` with the fraction draw's seed (counter_types.py) — and a
    different staff user, a reviewer, approves it: the approval schedules the distribution."""
    IssuerSecurity.objects.get_or_create(code=security.code, defaults={"institution": issuer, "name": security.name})
    agent, _ = User.objects.get_or_create(
        username="sim-issuer-agent", defaults={"institution": issuer, "display_name": "模拟发行人经办"}
    )
    application = application_draft(
        user=agent,
        business_type=BusinessType.objects.get(code=counter_types.CODE),
        securities_code=security.code,
        remark="模拟权益分派",
        data={**PLAN_FORM, "record_date": record_date.isoformat(), "method": "precise"},
        files=[demo_pdf("股东大会决议及权益分派实施公告（草案）")],
    )
    key = enrol_test_key(agent)
    context = signing_context(user=agent, digest=pending_round(application).digest)
    application_submit(application=application, user=agent, signature_payload=sign(key, context))
    application_accept(application=application, actor=_staff("sim-operator", StaffRole.OPERATOR), opinion="受理")
    approval = approvals_of_subject(application).get(kind=PLAN)
    approval_approve(approval=approval, by=_staff("sim-reviewer", StaffRole.REVIEWER))
    return Distribution.objects.get(application_id=application.pk)


def _timed_plan(steps: list, security: Security, issuer: Institution, record_date: dt.date) -> Distribution:
    """The application and its approval, reported as a step of its own: daytime work, not the end of day."""
    started = time.perf_counter()
    distribution = _plan_approved(security, issuer, record_date)
    steps.append(
        {
            "name": "application",
            "seconds": round(time.perf_counter() - started, 3),
            "rows": 1,
            "peak_rss_mb": _peak_mb(),
        }
    )
    return distribution


def _kept_setup() -> tuple[Security, Institution]:
    """The register an earlier ``setup_only`` run left (the newest simulated security without a
    distribution): to time the end of day again on a copy of one set-up (bench/dividend_eod.py --reuse)."""
    security = (
        Security.objects.filter(issuer__code="SIMISS", code__startswith="93")
        .exclude(pk__in=Distribution.objects.values("security_id"))
        .latest("pk")
    )
    return security, security.issuer


def simulate(
    *, holders: int, participants: int = 50, seed: int = 7, setup_only: bool = False, reuse: bool = False
) -> dict:
    """``setup_only``: build the register and stop; ``reuse``: skip the set-up and run the end of day on
    the register a ``setup_only`` run left (a copy of its database), for timing the end of day alone."""
    steps: list[dict] = []
    security, issuer = _kept_setup() if reuse else _setup(holders, participants, seed, steps)
    if setup_only:
        return {"holders": holders, "security": security.code, "steps": steps, "peak_rss_mb": _peak_mb()}
    issued_before = Position.objects.filter(security=security).aggregate(s=Sum("quantity"))["s"] or 0
    record_date = trading_day_offset(START, 3)
    _at(START, 10)  # the issuer files in the daytime, the staff accept and approve it the same day
    d = _timed_plan(steps, security, issuer, record_date)

    clerk, _ = User.objects.get_or_create(
        username="sim-issuer", defaults={"institution": issuer, "display_name": "模拟"}
    )
    declared = funding_declare(
        distribution=d,
        bank_reference=f"SIM-{security.code}",
        by=clerk,
        amount_fen=issued_before * RATES.cash_micro // 100_000,
    )
    # four-eyes: a depository reviewer, not the issuer's clerk who declared it, confirms the receipt
    funding_confirm(funding=declared, by=_staff("sim-reviewer", StaffRole.REVIEWER))
    if is_postgres():
        _checkpoint()
    eod_started, days = time.perf_counter(), {}
    peaks: dict[str, int] = {}  # each day's own peak (_day_peak_start)
    run_peak = _peak_mb()  # the set-up's, before the first day resets the mark
    for day in sorted({d.funding_deadline, d.record_date, d.pay_date, d.list_date}):
        _at(day, 17)
        _day_peak_start()
        day_started = time.perf_counter()
        for line in distribution_advance(distribution=d, day=day):
            if line.error:
                raise RuntimeError(line.error)
        # the whole day, commits included: a step's own seconds stop before its commit, where
        # PostgreSQL checks the deferred foreign keys of the rows it wrote
        days[day.isoformat()] = round(time.perf_counter() - day_started, 3)
        peaks[day.isoformat()] = _day_peak_mb()
        run_peak = max(run_peak, peaks[day.isoformat()])
    seconds = round(time.perf_counter() - eod_started, 3)
    for step in Step.objects.filter(distribution=d).order_by("pk"):
        steps.append(
            {
                "name": step.name,
                "seconds": step.seconds,
                "rows": step.rows,
                "peak_rss_mb": peaks.get(step.business_date.isoformat(), _peak_mb()),
                "laps": step.detail.get("laps", {}),
            }
        )
    copy_seconds = baseline_copy(d)
    invariants = _invariants(d, security, issued_before)
    return {
        "holders": d.holders,
        "lots": Step.objects.get(distribution=d, name="entitle").rows,
        "seconds": seconds,
        "days": days,
        "steps": steps,
        "copy_seconds": copy_seconds,
        "ratio_to_copy": round(seconds / copy_seconds, 2) if copy_seconds else None,
        "invariants_ok": all(invariants.values()),
        "invariants": invariants,
        "distribution_id": d.pk,
        "fraction_seed": d.seed,  # drawn when the application was accepted (counter_types.py)
        "cash_total_fen": d.cash_total_fen,
        "bonus_total": d.bonus_total,
        "peak_rss_mb": max(run_peak, _peak_mb()),  # _peak_mb: since the last day (the yardstick, the checks)
    }
