"""Benchmark of the 权益分派 engine (csdp/dividend/engine): the 精确算法 over N holders, and — when the
``duckdb`` package is importable — the same rule written in DuckDB SQL on the same Arrow table, to
choose between the two engines the house allows (docs/performance.md "权益分派").

    PYTHONPATH=. .venv/bin/python bench/dividend_engine.py --holders 10000000
    PYTHONPATH=.:/path/to/duckdb-only .venv/bin/python bench/dividend_engine.py --holders 10000000  # with DuckDB

Both produce the per-holder cash (fen) and bonus shares; the DuckDB result is checked equal to ours
(same seed-derived tie keys, passed in as a column).
"""
from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np
import polars as pl

from csdp.dividend.engine import CASH_DENOMINATOR, SHARE_DENOMINATOR, Rates, account_entitlements, tie_keys

RATES = Rates.parse("1.234567", "3", "2.5")


def holders(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    quantity = np.minimum((rng.pareto(1.16, n) + 1) * 100, 5e8).astype(np.int64)
    return pl.DataFrame({"account": np.arange(n, dtype=np.int64) + 1_000_000_000, "quantity": quantity})


DUCK_SQL = """
WITH t AS (SELECT account, quantity, tie, quantity::HUGEINT * {rate} AS n FROM h),
p AS (SELECT account, tie, CAST(n // {d} AS BIGINT) AS whole, CAST(n % {d} AS BIGINT) AS frac FROM t),
r AS (SELECT (SELECT SUM(quantity)::HUGEINT * {rate} // {d} FROM h) - (SELECT SUM(whole) FROM p) AS left_over),
o AS (SELECT account, whole, frac, ROW_NUMBER() OVER (ORDER BY frac DESC, tie DESC, account) AS k FROM p)
SELECT account, whole + CASE WHEN frac > 0 AND k <= (SELECT left_over FROM r) THEN 1 ELSE 0 END AS units
FROM o ORDER BY account
"""


def duck(path: str, rate: int, denominator: int) -> np.ndarray:
    """The rule in DuckDB SQL over a Parquet copy of the table (no pyarrow in the lock file: the frames
    go through a file, written before the clock starts); returns the units per account, by account."""
    import duckdb

    connection = duckdb.connect()
    connection.execute(f"CREATE VIEW h AS SELECT * FROM read_parquet('{path}')")
    return connection.execute(DUCK_SQL.format(rate=rate, d=denominator)).fetchnumpy()["units"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--holders", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    frame = holders(options.holders, options.seed)
    out = {"holders": options.holders}
    started = time.perf_counter()
    ours, totals = account_entitlements(frame, RATES, seed=options.seed)
    out["polars_numpy_s"] = round(time.perf_counter() - started, 3)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    try:
        import duckdb  # noqa: F401
    except ImportError:
        out["duckdb_s"] = None
    else:
        import tempfile

        ties = tie_keys(frame.get_column("account").rank("ordinal").cast(pl.UInt64).to_numpy(), options.seed)
        # the engine's packed key keeps the top 63 − bits(d − 1) bits of the tie key: the same here
        with tempfile.TemporaryDirectory() as directory:
            paths = {}
            for d in (CASH_DENOMINATOR, SHARE_DENOMINATOR):
                paths[d] = f"{directory}/h{d}.parquet"
                shift = np.uint64(64 - (63 - int(d - 1).bit_length()))
                frame.with_columns(pl.Series("tie", (ties >> shift).astype(np.int64))).write_parquet(paths[d])
            started = time.perf_counter()
            cash = duck(paths[CASH_DENOMINATOR], RATES.cash_micro, CASH_DENOMINATOR)
            bonus = duck(paths[SHARE_DENOMINATOR], RATES.shares_micro, SHARE_DENOMINATOR)
            out["duckdb_s"] = round(time.perf_counter() - started, 3)
        order = ours.sort("account")
        out["duckdb_equal"] = (np.array_equal(cash, order["cash_fen"].to_numpy())
                               and np.array_equal(bonus, order["bonus_shares"].to_numpy()))
    out["cash_total_fen"], out["bonus_total"] = totals.cash_total_fen, totals.bonus_total
    print(json.dumps(out))


if __name__ == "__main__":
    main()
