"""Benchmark: parsing and checking the exchange's T-day subscription file, the old parser against the new.

    .venv/bin/python bench/exchange_parse.py                       # 1,000,000 orders, old and new, 3 rounds
    .venv/bin/python bench/exchange_parse.py --orders 15000000 --only new --rounds 1

Writes the file with the simulator's own generator (`csdp ipo simulate`'s draws and chunks, 80
participants, no database), then times `parse_exchange_file` (new) and the parser before the fast
path (bench/exchange_file_before.py), back to back, alternating. Each parse runs in a child
process of its own, so its peak RSS is its own (`ru_maxrss` of the child). Prints one JSON object;
record the figures in docs/performance.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
T_DATE = dt.date(2026, 3, 16)
PRICE_FEN = 1404


def participants_frame(count: int):
    import polars as pl

    codes = [f"S{i:04d}" for i in range(1, count + 1)]
    units = [[f"{800000 + i * 2:06d}", f"{800001 + i * 2:06d}"] for i in range(1, count + 1)]  # as simulate's
    return pl.DataFrame({"participant": [c for c in codes for _ in range(2)], "custody_unit": sum(units, [])})


def write_file(path: Path, *, orders: int, participants: int, seed: int) -> None:
    import django
    import numpy as np

    django.setup()  # the simulator's module imports models; no database is touched
    from csdp.ipo.sim import GENERATOR_CHUNK_ROWS, _draw_orders, _exchange_chunk

    draws = _draw_orders(orders=orders, participants=participants, cap=989_600, seed=seed)
    codes = np.array([f"S{i:04d}" for i in range(1, participants + 1)])
    units = {code: f"{800000 + i * 2:06d}" for i, code in enumerate(codes, start=1)}
    with open(path, "wb") as out:
        for start in range(0, orders, GENERATOR_CHUNK_ROWS):
            rows = slice(start, min(start + GENERATOR_CHUNK_ROWS, orders))
            _exchange_chunk(draws, rows, codes=codes, units=units).write_csv(out, include_header=start == 0)


def parse_once(which: str, path: str, participants: int) -> dict:
    """In the child: one parse, its seconds (wall and CPU) and the process's peak RSS."""
    if which == "new":
        from csdp.ipo.subscription.exchange_subscriptions import parse_exchange_file
    else:
        from exchange_file_before import parse_exchange_file
    frame_participants = participants_frame(participants)
    before_mib = peak_rss_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    frame = parse_exchange_file(Path(path), price_fen=PRICE_FEN, t_date=T_DATE, participants=frame_participants)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"seconds": round(wall, 3), "cpu_seconds": round(cpu, 3), "rows": frame.height,
            "peak_rss_mib": peak_rss_mib(), "peak_rss_before_mib": before_mib}


def peak_rss_mib() -> int:
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) // 1024


def in_child(which: str, path: Path, participants: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", which, "--file", str(path),
                          "--participants", str(participants)], check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--participants", type=int, default=80)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=["old", "new"], help="time one parser only (the old one takes ~3.8 GB at 15M)")
    parser.add_argument("--file", help="parse this file instead of writing one")
    parser.add_argument("--child", choices=["old", "new"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(parse_once(args.child, args.file, args.participants)))
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csdp.settings.test")
    with tempfile.TemporaryDirectory(prefix="csdp-bench-exchange-") as folder:
        path = Path(args.file) if args.file else Path(folder) / "SG920188_20260316.csv"
        if not args.file:
            written = time.perf_counter()
            write_file(path, orders=args.orders, participants=args.participants, seed=args.seed)
            print(f"wrote {path.stat().st_size / 2**20:.0f} MiB in {time.perf_counter() - written:.1f} s", file=sys.stderr)
        runs = {"old": [], "new": []}
        for _ in range(args.rounds):
            for which in [args.only] if args.only else ["old", "new"]:
                runs[which].append(in_child(which, path, args.participants))
        result = {"orders": args.orders, "file_mib": round(path.stat().st_size / 2**20),
                  "load_average": os.getloadavg(), "runs": {k: v for k, v in runs.items() if v}}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
