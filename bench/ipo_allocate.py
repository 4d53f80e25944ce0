"""Benchmark of the BSE online allocation (docs/performance.md, "IPO allocation").

    .venv/bin/python bench/ipo_allocate.py [--orders 1000000] [--seed 920188] [--skip-cli]

Generates a subscription book shaped like a 2026 BSE offering (悦龙科技 920188: 19,793,879 online
shares, cap 989,600): 110 Zipf-weighted participants, heavy-tailed (Pareto) order sizes with 12 % of
the orders at the cap, 0.33 % second orders of an account, 0.05 % invalid quantities, host sequence
numbers in random order (generated with Polars expressions, reproducible from --seed). Then runs
`csdp ipo allocate` end to end (a subprocess: CSV in → CSV out + JSON) and the engine in-process
(read, validate, allocate, summarize, shortfall invalidation), printing wall times and peak RSS.
"""
from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from csdp.ipo.engine import allocate, invalidate_shortfall, per_investor_cap, summarize, validate_orders
from csdp.ipo.allocate_csv import read_subscriptions

ONLINE_SHARES = 19_793_879  # 悦龙科技 920188 (rules.md §2)
PRICE_FEN = 1_404
PARTICIPANTS = 110


def _uniform(salt: int) -> pl.Expr:
    """A reproducible uniform [0, 1) per row from a hash of the row number (generator only)."""
    return (pl.int_range(pl.len()).hash(salt) % (1 << 53)).cast(pl.Float64) / float(1 << 53)


def generate_book(orders: int, seed: int, online_shares: int) -> pl.DataFrame:
    cap_lots = per_investor_cap(online_shares) // 100
    rng = random.Random(seed)
    participants = [f"{code:06d}" for code in rng.sample(range(1, 999_999), PARTICIPANTS)]
    weights = [1 / rank for rank in range(1, PARTICIPANTS + 1)]  # a few large brokers, a long tail
    total = sum(weights)
    breaks = [sum(weights[: i + 1]) / total for i in range(PARTICIPANTS - 1)]
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    pareto_lots = ((1 - _uniform(seed + 2)) ** (-1 / 0.9)).floor().cast(pl.Int64).clip(1, cap_lots)
    lots = pl.when(_uniform(seed + 1) < 0.12).then(cap_lots).otherwise(pareto_lots)  # 12 % "顶格" at the cap
    oddity = pl.int_range(pl.len()).hash(seed + 3) % 4_000  # 0.025 % odd lots, 0.025 % above the cap
    quantity = (
        pl.when(oddity == 0).then(lots * 100 + 50).when(oddity == 1).then((cap_lots + 1) * 100).otherwise(lots * 100)
    )
    # Distinct 10-digit account numbers: a permutation times a unit modulo 10^9; 0.33 % second orders.
    number = (pl.int_range(pl.len(), dtype=pl.Int64).shuffle(seed) * 997 + 12_345) % 1_000_000_000
    account = number.cast(pl.String).str.zfill(10)
    second = (pl.int_range(pl.len()).hash(seed + 4) % 300 == 0) & (row > 0)
    return pl.select(pl.repeat(0, orders).alias("_")).select(
        pl.when(second).then(account.gather(row // 2)).otherwise(account).alias("account"),
        pl.lit(pl.Series(participants)).gather(pl.lit(pl.Series(breaks)).search_sorted(_uniform(seed + 5)))
        .alias("participant"),
        quantity.cast(pl.Int64).alias("quantity"),
        (row + 1).shuffle(seed + 6).alias("seq"),
    )


def peak_rss_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


@contextmanager
def timed(label: str, timings: dict):
    start = time.perf_counter()
    yield
    timings[label] = time.perf_counter() - start
    print(f"  {label:<28} {timings[label]:8.2f} s", flush=True)


def run_cli(source: Path, output: Path, online_shares: int, timings: dict) -> str:
    csdp = Path(sys.executable).with_name("csdp")
    command = [str(csdp), "ipo", "allocate", "--subscriptions", str(source), "--online-shares",
               str(online_shares), "--initial-online-shares", str(online_shares), "--output", str(output)]
    with timed("cli end to end", timings):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"csdp ipo allocate failed: {done.stderr}")
    print(f"  cli peak RSS {peak_rss_mib(resource.RUSAGE_CHILDREN):.0f} MiB", flush=True)
    return done.stdout.strip()


def run_engine(source: Path, online_shares: int, timings: dict) -> None:
    with timed("read csv", timings):
        orders = read_subscriptions(source)
    with timed("validate_orders", timings):
        checked = validate_orders(orders, initial_online_shares=online_shares)
    with timed("allocate", timings):
        allocated = allocate(checked, online_shares=online_shares)
    with timed("summarize", timings):
        summary = summarize(allocated, online_shares=online_shares)
    need = (
        checked.filter("valid").group_by("participant")
        .agg((pl.col("quantity").sum() * PRICE_FEN).alias("need_fen")).sort("participant")
    )
    # Every tenth participant is 1 % short: the walk runs through its latest orders.
    reserves = need.with_row_index().select(
        "participant",
        pl.when(pl.col("index") % 10 == 0).then(pl.col("need_fen") * 99 // 100)
        .otherwise(pl.col("need_fen")).alias("available_fen"),
    )
    with timed("invalidate_shortfall", timings):
        decided = invalidate_shortfall(checked, price_fen=PRICE_FEN, available_fen_by_participant=reserves,
                                       declared=None)
    print(f"  engine peak RSS {peak_rss_mib(resource.RUSAGE_SELF):.0f} MiB", flush=True)
    print(f"  summary: {summary}")
    print(f"  shortfall-invalidated orders: {decided.filter(pl.col('reason') == 'shortfall').height}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=920188)
    parser.add_argument("--online-shares", type=int, default=ONLINE_SHARES)
    parser.add_argument("--skip-cli", action="store_true")
    args = parser.parse_args()
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="csdp-bench-ipo-") as work:
        source, output = Path(work) / "subscriptions.csv", Path(work) / "allocation.csv"
        print(f"{args.orders:,} orders, N = {args.online_shares:,}, polars {pl.__version__}", flush=True)
        with timed("generate + write csv", timings):
            generate_book(args.orders, args.seed, args.online_shares).write_csv(source)
        print(f"  csv size {source.stat().st_size / 2**20:.0f} MiB", flush=True)
        if not args.skip_cli:
            print(f"  cli summary: {run_cli(source, output, args.online_shares, timings)}")
        run_engine(source, args.online_shares, timings)


if __name__ == "__main__":
    main()
