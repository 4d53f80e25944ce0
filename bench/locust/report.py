"""One line per request of a locust run: count, failures, median, p95, p99, max (ms), and the verdict
against the issue's target (every request p95 ≤ 100 ms, no failures).

    .venv/bin/python bench/locust/report.py bench/locust/out/csdp_locust-run     (the --csv prefix)
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

TARGET_P95_MS = 100


def main(prefix: str) -> int:
    stats = list(csv.DictReader(Path(f"{prefix}_stats.csv").open(encoding="utf-8")))
    print("| request | n | failures | median ms | p95 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    misses = []
    for row in stats:
        name = row["Name"] if row["Type"] in ("GET", "") else f"{row['Type']} {row['Name']}"
        n, failures, p95 = int(row["Request Count"]), int(row["Failure Count"]), float(row["95%"] or 0)
        print(
            f"| {name} | {n:,} | {failures:,} | {float(row['50%'] or 0):,.0f} | {p95:,.0f} "
            f"| {float(row['99%'] or 0):,.0f} | {float(row['Max Response Time'] or 0):,.0f} |"
        )
        if row["Name"] != "Aggregated" and (failures or p95 > TARGET_P95_MS):
            misses.append(f"{name}: p95 {p95:.0f} ms, {failures} failures")
    failures_csv = Path(f"{prefix}_failures.csv")
    if failures_csv.exists():
        for row in csv.DictReader(failures_csv.open(encoding="utf-8")):
            print(f"failure: {row['Method']} {row['Name']} {row['Error']} × {row['Occurrences']}")
    print("target met (every p95 ≤ 100 ms, 0 failures)" if not misses else "target NOT met:\n  " + "\n  ".join(misses))
    return 0 if not misses else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
