"""The 权益分派 end-of-day benchmark on PostgreSQL (issue 16 "Speed"): `csdp dividend simulate` in a
child process with its peak RSS, checked against the issue's limits.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csdp_bench CSDP_CLOCK_SETTABLE=1 \\
        PYTHONPATH=. .venv/bin/python bench/dividend_eod.py --holders 1000000   # ≤ 10 s and ≤ 4× COPY
    … --holders 10000000                                                      # ≤ 120 s and ≤ 4 GB

Prints the simulate JSON plus ``peak_rss_mb`` of the child and ``limits`` (each limit → met or not).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--holders", type=int, default=1_000_000)
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    # To time the end of day alone: --setup-only on a template database, then --reuse on copies of it
    # (createdb -T template copy); the default runs both, as before.
    parser.add_argument("--setup-only", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    options = parser.parse_args()
    extra = [flag for flag, on in (("--setup-only", options.setup_only), ("--reuse", options.reuse)) if on]
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database (the figures are PostgreSQL's)")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "csdp.cli",
            "dividend",
            "simulate",
            "--holders",
            str(options.holders),
            "--participants",
            str(options.participants),
            "--seed",
            str(options.seed),
            *extra,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "CSDP_CLOCK_SETTABLE": "1"},
    )
    if done.returncode:
        sys.exit(done.stderr[-4000:])
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # The child resets its high-water mark at the start of each day, to report each day's own peak
    # (simulate._day_peak_start); what the kernel hands back here is then the last day's, so the run's
    # peak is the greater of that and the child's own account of every day.
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    result["child_peak_rss_mb"] = max(children, result.get("peak_rss_mb", 0))
    if options.setup_only:
        print(json.dumps(result, ensure_ascii=False))
        return
    if options.holders >= 10_000_000:
        result["limits"] = {
            "seconds_le_120": result["seconds"] <= 120,
            "rss_le_4gb": result["child_peak_rss_mb"] <= 4096,
        }
    else:
        result["limits"] = {
            "seconds_le_10": result["seconds"] <= 10,
            "ratio_le_4": bool(result["ratio_to_copy"]) and result["ratio_to_copy"] <= 4,
        }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
