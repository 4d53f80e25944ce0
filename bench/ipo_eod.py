"""Benchmark: N subscriptions through T and T+1 end of day on the configured database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csdp_bench .venv/bin/python bench/ipo_eod.py --orders 1000000

Creates a fresh database schema (migrate), a synthetic offering through `csdp ipo simulate`'s world
builder, then times: loading the exchange file, T EOD (clearing + files), T+1 EOD (settle + files),
and, for comparison, a plain COPY of the same subscription rows into PostgreSQL.
Prints one JSON object; record the figures in docs/performance.md.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csdp.settings.dev")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--participants", type=int, default=80)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--eod-only", action="store_true", help="stop after T+1 EOD (the 15M run)")
    args = parser.parse_args()
    # A fresh files directory: each day's files are written once in production, so a run must not
    # replace the files of an earlier run (ext4 flushes a file renamed over another — not the case timed).
    files_dir = Path(tempfile.mkdtemp(prefix="csdp-bench-files-"))
    os.environ["CSDP_FILES_DIR"] = str(files_dir)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from csdp.ipo.sim import simulate

    try:
        result = simulate(orders=args.orders, participants=args.participants, seed=args.seed, baseline_copy=True,
                          eod_only=args.eod_only)
    finally:
        shutil.rmtree(files_dir, ignore_errors=True)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    result["load_average"] = os.getloadavg()
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
