"""Each page of the locust run alone, one client, on a dataset built by bench/locust/build.sh: the server
time of a gunicorn worker's first request of the page (cold) and of the next ones (warm), and the
page's queries.

    LOCUST_DB=pages18_small bench/locust/build.sh 50000 20000      # once
    LOCUST_DB=pages18_small . bench/locust/env.sh && $csdp shell < bench/locust/seed.py
    LOCUST_DB=pages18_small . bench/locust/env.sh && .venv/bin/python bench/locust/pagetimes.py [WARM] [FILTER]

Every page runs in a fresh process that starts as a gunicorn worker does (``csdp.wsgi`` imported, so
so its warm-up applies), then asks for the page once (cold) and WARM more times (default 15), with
the session of the role's bench user (seed.py). Prints one line per page: cold ms, warm min / median /
max ms, the median CPU time of this process on a warm request (the page's own work, whatever else the
machine runs), queries and their time on a warm request. FILTER keeps the pages whose path contains it.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

# (role in seed.py, path, name) — the pages bench/locust/locustfile.py asks for.
PAGES = [
    ("operator", "/", "/ (staff)"),
    ("participant", "/", "/ (participant)"),
    ("issuer", "/", "/ (issuer)"),
    ("underwriter", "/", "/ (underwriter)"),
    ("operator", "/approvals/", None),
    ("operator", "/securities/", None),
    ("operator", "/counter/queue/", None),
    ("operator", "/ledger/", None),
    ("operator", "/pledge/", None),
    ("operator", "/register/securities/{security}/positions/", "/register/securities/[id]/positions/"),
    ("operator", "/securities/accounts/?q={account}", "/securities/accounts/?q=[account]"),
    ("operator", "/securities/records/?kind=accounts", None),
    ("participant", "/ledger/reserve/", None),
    ("participant", "/ipo/", None),
    ("issuer", "/counter/list/", None),
    ("issuer", "/counter/catalogue/", None),
    ("pledger", "/pledge/?page=7", None),
    ("pledger", "/pledge/mine/", None),
]


def one_page(role: str, path: str, warm: int) -> dict:
    """In this (fresh) process: start as a worker, then time the page cold and warm."""
    started = time.perf_counter()
    from csdp.wsgi import application  # noqa: F401  (what a gunicorn worker imports before its first request)

    start_ms = (time.perf_counter() - started) * 1000
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    identities = json.loads(Path(os.environ["LOCUST_IDENTITIES"]).read_text())
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = identities["sessions"][role][0]
    times, cpu = [], []
    for n in range(warm + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        if n == warm:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
        else:
            response = client.get(path)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
    return {
        "start_ms": start_ms,
        "cold_ms": times[0],
        "warm_ms": times[1:],
        "warm_cpu_ms": cpu[1:],
        "queries": len(queries),
        "query_ms": sum(float(q["time"]) for q in queries.captured_queries) * 1000,
        "bytes": len(response.content),
    }


def main() -> None:
    warm = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    only = sys.argv[2] if len(sys.argv) > 2 else ""
    identities = json.loads(Path(os.environ["LOCUST_IDENTITIES"]).read_text())
    fill = {"security": identities["securities"][0], "account": (identities.get("accounts") or ["0"])[0]}
    print("| page | worker start | cold | warm min / median / max | warm CPU median | queries (ms) | KB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for role, template, name in PAGES:
        path = template.format(**fill)
        if only not in path:
            continue
        out = subprocess.run(
            [sys.executable, __file__, "--one", role, path, str(warm)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if out.returncode:
            print(f"| {name or path} | failed: {out.stderr.strip().splitlines()[-1:]} |")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        w = r["warm_ms"]
        print(
            f"| {name or path} ({role}) | {r['start_ms']:.0f} | {r['cold_ms']:.0f} | {min(w):.0f} / "
            f"{statistics.median(w):.0f} / {max(w):.0f} | {statistics.median(r['warm_cpu_ms']):.0f} | "
            f"{r['queries']} ({r['query_ms']:.0f}) | "
            f"{r['bytes'] / 1024:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        sys.path.insert(0, str(ROOT))
        import logging

        logging.disable(logging.CRITICAL)
        result = one_page(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        print(json.dumps(result))
    else:
        main()
