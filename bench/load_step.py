"""Benchmark: the T load step alone (`offering_subscriptions_load`) against the CSV COPY yardstick.

    createdb -h 127.0.0.1 -U postgres csdp_load_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csdp_load_bench .venv/bin/python bench/load_step.py --rounds 5
    dropdb -h 127.0.0.1 -U postgres csdp_load_bench

Writes the simulator's exchange file once, then per round, alternating: the yardstick (a plain CSV
COPY of the same file into an ordinary logged table, committed — `simulate._baseline_copy_once`) and the
load of the same file into a fresh offering (parse, checks, COPY into the new partition, primary
key, attach, commit). Each offering's partition is dropped after its round, so every round loads
into the same-sized database. Statements sent through Django's cursor (CREATE, ADD PRIMARY KEY,
ATTACH …) are timed one by one; the COPY goes through psycopg directly and is what remains.
A CHECKPOINT precedes each load (as the yardstick's), unless --no-checkpoint: then each round also
reports the WAL segments PostgreSQL had ready before it — a load that outruns them creates new ones
and is slower (docs/performance.md, "Load step (fourth session)").
Uses only the public step, so the same file runs against another checkout (docs/performance.md).
Prints one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csdp.settings.dev")


class StatementTimer:
    """Django execute wrapper: seconds per kind of statement (its first words)."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = " ".join(sql.split()[:1] + [w for w in sql.split()[2:5] if w.isupper()][:2])
            self.seconds[kind] = self.seconds.get(kind, 0.0) + time.perf_counter() - started


def one_load(path: Path) -> dict:
    from django.db import connection

    from csdp.ipo.eod.t_day import offering_subscriptions_load
    from csdp.ipo.sim import _at, _new_offering

    offering = _new_offering(0)
    _at(offering.t_date, 15, 10)
    timer = StatementTimer()
    checkpoints, segments_ahead = _checkpoints_started(), _wal_segments_ahead()
    started_at = time.strftime("%H:%M:%S", time.gmtime())
    wall, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(timer):
        rows = offering_subscriptions_load(offering=offering, path=path)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "ipo_subscription_offering_id_{offering.pk}"')
    slow = {k: round(v, 3) for k, v in sorted(timer.seconds.items(), key=lambda kv: -kv[1]) if v >= 0.01}
    return {"seconds": round(wall, 3), "cpu_seconds": round(cpu, 3), "rows": rows, "statements": slow,
            "started_at": started_at, "checkpoints_during": _checkpoints_started() - checkpoints,
            "wal_segments_ahead_before": segments_ahead}


def _checkpoints_started() -> int:
    """Checkpoints PostgreSQL has started (timed or requested): a load with one beside it is slower."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter")
        return cursor.fetchone()[0]


def _wal_segments_ahead() -> int | None:
    """WAL segment files ready past the current one (recycled by earlier checkpoints). When a load's
    WAL outruns them, PostgreSQL creates and zero-fills new 16 MB segments inside the load (slower).
    Reading pg_wal needs a superuser (or pg_monitor): None otherwise."""
    from django.db import DatabaseError, connection, transaction

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$' "
                           "AND name > pg_walfile_name(pg_current_wal_lsn())")
            return cursor.fetchone()[0]
    except DatabaseError:
        return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--participants", type=int, default=80)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-yardstick", action="store_true", help="time the load only (the 15M memory run)")
    parser.add_argument("--no-checkpoint", action="store_true",
                        help="no CHECKPOINT before each load: PostgreSQL's own checkpoints may then land in it")
    parser.add_argument("--file", help="load this exchange file, written first if missing (reused: the peak RSS is "
                                       "then the load's, not the generator's)")
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from csdp.ipo.engine.validity import per_investor_cap
    from csdp.ipo.sim import _baseline_copy_once, _checkpoint, _participants, exchange_file_write

    profiles = _participants(args.participants)
    loads, copies = [], []
    with tempfile.TemporaryDirectory(prefix="csdp-bench-load-") as folder:
        path = Path(args.file or Path(folder) / "SG920900.csv")
        if not path.exists():
            exchange_file_write(path, orders=args.orders, participants=profiles,
                                cap=per_investor_cap(max(args.orders * 43, 10_000)), seed=args.seed)
        rss_before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # the file's generator included
        for _ in range(args.rounds):
            if not args.no_yardstick:
                copies.append(round(_baseline_copy_once(path), 3))
            if not args.no_checkpoint:
                _checkpoint()  # as the yardstick does: no checkpoint of earlier work lands in the timed load
            loads.append(one_load(path))
    seconds = [r["seconds"] for r in loads]
    result = {"orders": args.orders, "load_seconds": seconds, "copy_seconds": copies,
              "ratios": [round(s / c, 2) for s, c in zip(seconds, copies)],
              "peak_rss_mb_before_loads": rss_before_mb,
              "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
              "load_average": os.getloadavg(), "rounds": loads}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
