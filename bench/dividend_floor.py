"""The 权益分派 end of day's floor (issue 16 "Speed"): what the list date's register writes cost alone,
against the issue's yardstick, on a database where `bench/dividend_eod.py` has just run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/div1m_run PYTHONPATH=. \\
        .venv/bin/python bench/dividend_floor.py [--distribution ID] [--rounds 3]

Each round, alternating, each after a CHECKPOINT:
- ``copy``: the yardstick, a plain COPY of the entitlement rows into a table with no index, committed
  (``simulate.baseline_copy``, the figure `dividend_eod.py` divides by);
- ``events``: the distribution's bonus events INSERTed into the register's log again, under new keys,
  on two connections at once (the list date's two parts: ``steps_bonus.bonus_source`` over each half of
  the entitlements' seq), then rolled back;
- ``fold``: every position of each half's accounts rewritten (``updated_at`` only: the least an UPDATE
  of the lots can write), on two connections at once, then rolled back;
- ``writes``: both, each part's INSERT then its UPDATE in one transaction, as the list date's parts.

Nothing is left behind: the three write phases roll back, and the yardstick drops its table. Prints one
JSON object: the medians, and ``writes_over_copy`` — the list date's two statements alone, measured as
the issue measures the whole end of day, before R's snapshot, entitlements, money and files are added.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csdp.settings.dev")

PARTS = 2  # csdp.dividend.steps_bonus.WORKERS


def _parts(cursor: psycopg.Cursor, distribution: int) -> list[tuple[int, int]]:
    cursor.execute("SELECT MAX(seq) FROM dividend_entitlement WHERE distribution_id = %s", [distribution])
    last = cursor.fetchone()[0]
    size = -(-(last + 1) // PARTS)
    return [(low, min(low + size, last + 1)) for low in range(0, last + 1, size)]


def _events_sql(distribution, part: tuple[int, int]) -> tuple[str, list[object]]:
    from csdp.dividend.steps_bonus import bonus_source
    from csdp.register.bulk import COLUMNS

    source, params = bonus_source(distribution, part)
    picked = ", ".join("'floor:' || key" if c == "key" else c for c in COLUMNS)
    return (
        f"INSERT INTO register_registrationevent ({', '.join(COLUMNS)}, batch, created_at) "
        f"SELECT {picked}, 'floor', now() FROM ({source}) s",
        params,
    )


def _fold_sql(distribution, accounts: tuple[int, int]) -> tuple[str, list[object]]:
    """The positions of a part's accounts, ``low <= account < high`` (by the (security, account) index):
    the parts' ranges do not meet, as the list date's parts' lots do not."""
    return (
        "UPDATE register_position SET updated_at = now() WHERE security_id = %s AND account_id >= %s AND account_id < %s",
        [distribution.security_id, *accounts],
    )


def _account_ranges(cursor: psycopg.Cursor, distribution: int, parts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    lows = []
    for low, _ in parts:
        cursor.execute(
            "SELECT account_id FROM dividend_entitlement WHERE distribution_id = %s AND seq = %s", [distribution, low]
        )
        lows.append(cursor.fetchone()[0])
    return list(zip(lows, [*lows[1:], 2**63 - 1], strict=True))


def _at_once(dsn: str, work: list[list[tuple[str, list[object]]]]) -> float:
    """Each list of statements in one transaction on its own connection, all started together; the
    seconds until the last has run (each is rolled back after)."""
    connections = [psycopg.connect(dsn, autocommit=False) for _ in work]
    for conn in connections:
        conn.execute("SET jit = off")  # as the runner's step transactions (csdp.lib.bulk.jit_off)
        conn.commit()
    barrier, errors = threading.Barrier(len(work) + 1), []

    def run(conn: psycopg.Connection, statements: list[tuple[str, list[object]]]) -> None:
        barrier.wait()
        try:
            for sql, params in statements:
                conn.execute(sql, params)
        except Exception as error:  # reported after the round: the round is void
            errors.append(error)
        barrier.wait()
        conn.rollback()

    threads = [threading.Thread(target=run, args=pair) for pair in zip(connections, work, strict=True)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    barrier.wait()
    seconds = time.perf_counter() - started
    for thread in threads:
        thread.join()
    for conn in connections:
        conn.close()
    if errors:
        raise SystemExit(f"a part failed: {errors[0]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--distribution", type=int, help="default: the latest")
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    dsn = os.environ.get("DATABASE_URL", "")
    if not dsn.startswith("postgres"):
        sys.exit("DATABASE_URL must name the PostgreSQL database a dividend_eod.py run left")
    import django

    django.setup()
    from csdp.dividend.models import Distribution
    from csdp.dividend.simulate import baseline_copy
    from csdp.ipo.sim import _checkpoint

    distributions = Distribution.objects.order_by("-pk")
    distribution = distributions.get(pk=options.distribution) if options.distribution else distributions.first()
    if distribution is None:
        sys.exit("no distribution here: run bench/dividend_eod.py on this database first")
    with psycopg.connect(dsn) as conn, conn.cursor() as cursor:
        parts = _parts(cursor, distribution.pk)
        accounts = _account_ranges(cursor, distribution.pk, parts)
    events = [[_events_sql(distribution, part)] for part in parts]
    folds = [[_fold_sql(distribution, pair)] for pair in accounts]
    both = [[*e, *f] for e, f in zip(events, folds, strict=True)]
    laps: dict[str, list[float]] = {"copy": [], "events": [], "fold": [], "writes": []}
    for _ in range(options.rounds):
        laps["copy"].append(baseline_copy(distribution))
        for name, work in (("events", events), ("fold", folds), ("writes", both)):
            _checkpoint()
            laps[name].append(round(_at_once(dsn, work), 3))
    medians = {name: statistics.median(values) for name, values in laps.items()}
    print(
        json.dumps(
            {
                "distribution_id": distribution.pk,
                "lots": parts[-1][1],
                "laps": laps,
                "median_seconds": medians,
                "writes_over_copy": round(medians["writes"] / medians["copy"], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
