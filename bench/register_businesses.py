"""Benchmark: the register's three speed targets of issue 15, on PostgreSQL.

    createdb -h 127.0.0.1 -U postgres csdp_register_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csdp_register_bench .venv/bin/python bench/register_businesses.py \
        --holders 1000000 --events 10000000 --release 100000
    dropdb -h 127.0.0.1 -U postgres csdp_register_bench

Builds (once; kept between runs; ``--setup-only`` stops there) a security with ``--holders`` accounts and
``--events`` register events written straight into the tables with COPY, in business-date order as a real
log is appended (1 initial lot per account, ``--release`` lots restricted
to 05 with a tenth of them pledged, and pledge / release pairs on random days for the rest), positions
and issued capital derived from the log, then `csdp register check` must pass. Then measures:

1. roster: `csdp register holders --as-of <mid-period> --output F.csv` — the 持有人名册 as of a day,
   replayed from the events, written to a file (target ≤ 3 s); then the same from 持有人名册 snapshots
   (`csdp register snapshot`, csdp.register.roster_snapshot) taken 15 days before (the farthest a monthly
   snapshot is from a day: the nearer of two is used), 3 days before (weekly, the default interval) and
   on the day itself, each build timed, the file checked byte for byte against the replayed one;
2. release: the approved effect of a 03 股份解除限售登记 of ``--release`` lots (csdp.register.issuer_businesses
   .business_apply: the checks against the register, the keyed events through the bulk path with the
   encumbrances carried, the capital and invariant check, the participants' GFBD files), end to end,
   in a transaction rolled back afterwards so the next run finds the same register — the deferred
   foreign-key checks a commit would run are forced inside the timing (target ≤ 5 s);
3. pages: one page of a security's holders (first, deep, searched) and one account's changes, as the
   views build them (selector + template), each the best of five (target ≤ 100 ms).

``--release-runs N`` runs only the release, N times on the kept register (each rolled back), and reports
the series and its median. Each rolled-back run leaves dead entries in the log's indexes: ``VACUUM`` the
database before a series that is compared with another.

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csdp.settings.dev")

CODE = "920777"
D0 = dt.date(2025, 1, 2)
LOCKUP = dt.date(2027, 6, 30)
UNIT_COUNT = 8  # custody units, one participant each


class Rollback(Exception):
    pass


def _setup(holders: int, events: int, release: int) -> dict:
    import numpy as np
    import polars as pl
    from django.db import connection, transaction
    from django.utils import timezone

    from csdp.accounts.models import Institution
    from csdp.lib.bulk import copy_in
    from csdp.securities.models import CustodyUnit, ParticipantProfile, Security

    started = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Bench data only: the rows are built consistent, so the deferred foreign-key checks of ten
            # million events (tens of minutes at commit on a busy 2-core VM) are skipped for the setup.
            cursor.execute("SET LOCAL session_replication_role = replica")
        security = Security.objects.create(code=CODE, name="基准登记", kind="stock", market="BSE")
        units = []
        for n in range(UNIT_COUNT):
            institution = Institution.objects.create(name=f"基准参与人{n}", kind="participant")
            profile = ParticipantProfile.objects.create(institution=institution, code=f"BP{n:04d}")
            units.append(CustodyUnit.objects.create(code=f"79{n:04d}", participant=profile).pk)
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM securities_investor")
            base = cursor.fetchone()[0] + 1
        ids = np.arange(base, base + holders, dtype=np.int64)
        n = np.arange(holders, dtype=np.int64)
        investors = pl.DataFrame(
            {
                "id": ids,
                "ymt_number": pl.Series((n + 770_000_000_000).astype(str)),
                "name": pl.Series(["持有人" + str(i) for i in range(holders)]),
                "id_type": "other",
                "id_number": pl.Series(["BENCH" + str(i).zfill(12) for i in range(holders)]),
                "holder_type": "03",
                "created_at": now,
                # Opened long before the period and never renamed: a 持有人名册 snapshot re-reads the
                # names of investors updated since (or within the hour before) it.
                "updated_at": dt.datetime(2024, 1, 2, tzinfo=dt.UTC),
            }
        )
        copy_in("securities_investor", investors.columns, investors)
        accounts = pl.DataFrame(
            {
                "id": ids,
                "number": pl.Series(["7" + str(i).zfill(9) for i in range(holders)]),
                "investor_id": ids,
                "market": "BSE",
                "status": "normal",
                "custody_unit_id": pl.Series(np.array(units, dtype=np.int64)[n % UNIT_COUNT]),
                "created_at": now,
            }
        )
        copy_in("securities_securitiesaccount", accounts.columns, accounts)
        rng = np.random.default_rng(15)
        quantity = rng.integers(1, 50, holders) * 1_000
        frames = [
            pl.DataFrame(
                {
                    "account_id": ids,
                    "share_nature": "00",
                    "lockup_end": None,
                    "event_type": "initial",
                    "quantity_delta": quantity,
                    "frozen_delta": 0,
                    "pledged_delta": 0,
                    "business_date": D0,
                    "key": pl.Series(["bench:i:" + str(i) for i in range(holders)]),
                },
                schema_overrides={"lockup_end": pl.Date},
            )
        ]
        # The lots a release will free: the first ``release`` accounts restrict half their shares.
        r = ids[:release]
        half = quantity[:release] // 2
        for leg, nature, end, sign in (("out", "00", None, -1), ("in", "05", LOCKUP, 1)):
            frames.append(
                pl.DataFrame(
                    {
                        "account_id": r,
                        "share_nature": nature,
                        "lockup_end": pl.Series([end] * release, dtype=pl.Date),
                        "event_type": "restrict",
                        "quantity_delta": sign * half,
                        "frozen_delta": 0,
                        "pledged_delta": 0,
                        "business_date": D0 + dt.timedelta(days=1),
                        "key": pl.Series([f"bench:r:{i}:{leg}" for i in range(release)]),
                    }
                )
            )
        pledged = r[::10]
        frames.append(
            pl.DataFrame(
                {
                    "account_id": pledged,
                    "share_nature": "05",
                    "lockup_end": pl.Series([LOCKUP] * len(pledged), dtype=pl.Date),
                    "event_type": "pledge",
                    "quantity_delta": 0,
                    "frozen_delta": 0,
                    "pledged_delta": half[::10] // 2,
                    "business_date": D0 + dt.timedelta(days=2),
                    "key": pl.Series([f"bench:rp:{i}" for i in range(len(pledged))]),
                }
            )
        )
        used = sum(f.height for f in frames)
        pairs = max((events - used) // 2, 0)
        who = rng.integers(0, holders, pairs)
        day = rng.integers(3, 360, pairs)
        amount = np.minimum(rng.integers(1, 10, pairs) * 100, quantity[who] // 4)
        amount = np.maximum(amount, 1)
        for leg, kind, sign, shift in (("p", "pledge", 1, 0), ("u", "pledge_release", -1, 1)):
            frames.append(
                pl.DataFrame(
                    {
                        "account_id": ids[who],
                        "share_nature": "00",
                        "lockup_end": pl.Series([None] * pairs, dtype=pl.Date),
                        "event_type": kind,
                        "quantity_delta": 0,
                        "frozen_delta": 0,
                        "pledged_delta": sign * amount,
                        "business_date": pl.Series(
                            np.datetime64(D0, "D") + (day + shift).astype("timedelta64[D]")
                        ).cast(pl.Date),
                        "key": pl.Series([f"bench:{leg}:{i}" for i in range(pairs)]),
                    }
                )
            )
        # Sorted by day: a real log is appended day after day, so its physical order follows the business
        # date (what the BRIN index on business_date relies on).
        log = (
            pl.concat(frames, how="diagonal_relaxed")
            .sort("business_date", maintain_order=True)
            .with_columns(
                pl.lit(security.pk, dtype=pl.Int64).alias("security_id"),
                pl.lit("").alias("memo"),
                pl.lit("bench").alias("batch"),
                pl.lit(now).alias("created_at"),
            )
        )
        columns = [
            "security_id",
            "account_id",
            "share_nature",
            "lockup_end",
            "event_type",
            "quantity_delta",
            "frozen_delta",
            "pledged_delta",
            "business_date",
            "key",
            "memo",
            "batch",
            "created_at",
        ]
        copy_in("register_registrationevent", columns, log.select(columns))
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO register_position (account_id, security_id, share_nature, lockup_end, quantity, frozen, "
                "pledged, updated_at) SELECT account_id, security_id, share_nature, lockup_end, SUM(quantity_delta), "
                "SUM(frozen_delta), SUM(pledged_delta), %s FROM register_registrationevent WHERE security_id = %s "
                "GROUP BY account_id, security_id, share_nature, lockup_end",
                [now, security.pk],
            )
            cursor.execute(
                "UPDATE securities_security SET issued_shares = %s WHERE id = %s", [int(quantity.sum()), security.pk]
            )
            for table in ("securities_investor", "securities_securitiesaccount"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE register_registrationevent")
        cursor.execute("VACUUM ANALYZE register_position")
        cursor.execute("ANALYZE securities_securitiesaccount")
        cursor.execute("ANALYZE securities_investor")
    return {"setup_seconds": round(time.perf_counter() - started, 1), "events": log.height}


def _roster(security, as_of: dt.date) -> dict:
    out = Path(tempfile.mkdtemp()) / "holders.csv"
    timings = [_holders_seconds(security, as_of, out) for _ in range(3)]
    return {
        "roster_seconds": timings,
        "roster_top100_seconds": _holders_seconds(security, as_of, out, top=100),
        "roster_file_mb": round(out.stat().st_size / 1e6, 1) if out.exists() else None,
    }


def _snapshots_drop(security) -> None:
    """The bench's snapshots go before each run: the replayed list is measured without them, and each
    distance below is measured from its own snapshot."""
    from django.db import connection

    from csdp.register.models import RosterSnapshot

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM register_rostersnapshotlot WHERE snapshot_id IN "
            "(SELECT id FROM register_rostersnapshot WHERE security_id = %s)",
            [security.pk],
        )
    RosterSnapshot.objects.filter(security=security).delete()


def _holders_seconds(security, as_of: dt.date, out: Path, top: int | None = None) -> float:
    from django.core.management import call_command

    started = time.perf_counter()
    args = ["register", "holders", "--security", security.code, "--as-of", as_of.isoformat(), "--output", str(out)]
    call_command(*args, *(["--top", str(top)] if top else []), stdout=open(os.devnull, "w"))
    return round(time.perf_counter() - started, 2)


def _roster_snapshots(security, as_of: dt.date) -> dict:
    """Snapshots 15, 3 and 0 days before the day, built in that order (each from the previous one, as
    the end of day would), the day's list read from the nearest after each build."""
    from django.core.management import call_command
    from django.db import connection

    folder = Path(tempfile.mkdtemp())
    replayed = folder / "replayed.csv"
    _snapshots_drop(security)
    _holders_seconds(security, as_of, replayed)
    builds, reads, identical = {}, {}, True
    for distance in (15, 3, 0):
        day = as_of - dt.timedelta(days=distance)
        started = time.perf_counter()
        call_command(
            "register",
            "snapshot",
            "--security",
            security.code,
            "--as-of",
            day.isoformat(),
            stdout=open(os.devnull, "w"),
        )
        builds[str(distance)] = round(time.perf_counter() - started, 2)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE register_rostersnapshotlot")
        out = folder / f"snapshot-{distance}.csv"
        reads[str(distance)] = [_holders_seconds(security, as_of, out) for _ in range(3)]
        identical = identical and out.read_bytes() == replayed.read_bytes()
    return {
        "snapshot_build_seconds_by_days_before": builds,
        "roster_from_snapshot_seconds_by_days_before": reads,
        "roster_from_snapshot_top100_seconds": _holders_seconds(security, as_of, folder / "top.csv", top=100),
        "roster_from_snapshot_file_identical": identical,
    }


def _release(security, release: int) -> dict:
    from django.db import connection, transaction

    from csdp.register.issuer_businesses import business_apply
    from csdp.register.issuer_sheet import SheetRow

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.number, i.name, i.id_type, i.id_number, p.quantity FROM register_position p "
            "JOIN securities_securitiesaccount a ON a.id = p.account_id JOIN securities_investor i "
            "ON i.id = a.investor_id WHERE p.security_id = %s AND p.share_nature = '05' AND p.quantity > 0 "
            "ORDER BY a.number LIMIT %s",
            [security.pk, release],
        )
        rows = [SheetRow(n + 2, *r[:4], int(r[4]), "05", LOCKUP).as_json() for n, r in enumerate(cursor.fetchall())]
    payload = {
        "application": None,
        "business": "03",
        "security": security.code,
        "security_id": security.pk,
        "effective_date": dt.date.today().isoformat(),
        "declared": sum(r[5] for r in rows),
        "rows": rows,
    }
    approval = SimpleNamespace(payload=payload, key=f"bench:release:{time.time_ns()}", pk=0, approved_by=None)
    started = time.perf_counter()
    try:
        with transaction.atomic():
            result = business_apply(approval)
            with connection.cursor() as cursor:
                # The foreign keys are checked at commit (Django makes them deferred): run those checks
                # now, inside the timing, as a commit would; then roll back for the next run.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return {
        "release_lots": len(rows),
        "release_seconds": round(elapsed, 2),
        "release_events": result["events"],
        "release_files": result["files"],
    }


def _best(fn, times: int = 5) -> float:
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def _pages(security) -> dict:
    from django.template.loader import render_to_string

    from csdp.register.forms import HolderSearchForm
    from csdp.register.selectors import holders_page, holding_changes
    from csdp.securities.models import SecuritiesAccount

    def page(after=None, q=""):
        built = holders_page(security, after=after, q=q)
        render_to_string(
            "register/security_positions.html",
            {"security": security, "page": built, "form": HolderSearchForm(), "q": q},
        )

    deep = SecuritiesAccount.objects.filter(number__startswith="7").order_by("-number").values_list("pk", flat=True)[50]
    account = SecuritiesAccount.objects.filter(number="7000000001").select_related("investor").get()

    def changes():
        built = holding_changes(account=account, security=security, limit=100)
        render_to_string(
            "register/account_changes.html",
            {"account": account, "form": None, "changes": built, "offset": 0, "query": ""},
        )

    return {
        "page_first_ms": _best(page),
        "page_deep_ms": _best(lambda: page(after=deep)),
        "page_search_ms": _best(lambda: page(q="70000123")),
        "account_changes_ms": _best(changes),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--holders", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--release", type=int, default=100_000)
    parser.add_argument("--setup-only", action="store_true", help="build the register and stop")
    parser.add_argument(
        "--release-runs",
        type=int,
        default=0,
        help="only the release, this many times on the kept register (each rolled back): the series and its median",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from csdp.securities.models import Security

    call_command("migrate", verbosity=0)
    report = {"vendor": connection.vendor, "holders": args.holders}
    security = Security.objects.filter(code=CODE).first()
    if security is None:
        report.update(_setup(args.holders, args.events, args.release))
        security = Security.objects.get(code=CODE)
    if args.setup_only:
        print(json.dumps(report, ensure_ascii=False))
        return
    if args.release_runs:
        runs = [_release(security, args.release)["release_seconds"] for _ in range(args.release_runs)]
        report.update(release_lots=args.release, release_seconds=runs, release_median=round(statistics.median(runs), 2))
        print(json.dumps(report, ensure_ascii=False))
        return
    started = time.perf_counter()
    call_command("register", "check", "--security", CODE, stdout=open(os.devnull, "w"))
    report["check_seconds"] = round(time.perf_counter() - started, 2)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM register_registrationevent WHERE security_id = %s", [security.pk])
        report["events"] = cursor.fetchone()[0]
    _snapshots_drop(security)
    for phase in (
        lambda: _roster(security, D0 + dt.timedelta(days=180)),
        lambda: _roster_snapshots(security, D0 + dt.timedelta(days=180)),
        lambda: _pages(security),
        lambda: _release(security, args.release),
    ):
        report.update(phase())
        print(json.dumps(report, ensure_ascii=False), file=sys.stderr, flush=True)  # progress
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
