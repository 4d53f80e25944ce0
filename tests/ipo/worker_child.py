"""A long-lived worker process for tests/ipo/test_several_processes.py: like a gunicorn or db_worker
process, it serves several requests in turn, read as commands from stdin, one a line; it answers each
with one line ``OK <json>`` on stdout.

    setup              participants, one offering, two different exchange files; clock at T 15:10
    load N             load exchange file N (1 or 2) for the offering
    eod                the clock at T 17:00, then `csdp eod run`'s IPO part
    state              T clearing's record and the published SGQS / SGHZ row counts
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ORDERS = {1: 300, 2: 200}  # file #2 replaces #1 with fewer orders


def _offering():
    from csdp.ipo.models import Offering

    return Offering.objects.get()


def setup() -> dict:
    from csdp.ipo.engine.validity import per_investor_cap
    from csdp.ipo.sim import _at, _new_offering, _participants, exchange_file_write

    profiles = _participants(3)
    offering = _new_offering(ORDERS[1])
    for number, orders in ORDERS.items():
        exchange_file_write(
            Path(os.environ["CSDP_VAR_DIR"]) / f"SG{number}.csv",
            orders=orders,
            participants=profiles,
            cap=per_investor_cap(offering.initial_online_shares),
            seed=number,
        )
    _at(offering.t_date, 15, 10)
    return {"offering": offering.code}


def load(number: str) -> dict:
    from csdp.ipo.eod.t_day import offering_subscriptions_load

    rows = offering_subscriptions_load(offering=_offering(), path=Path(os.environ["CSDP_VAR_DIR"]) / f"SG{number}.csv")
    return {"rows": rows}


def eod() -> dict:
    from csdp.ipo.eod.day import eod_run
    from csdp.ipo.sim import _at

    _at(_offering().t_date, 17)
    return {"reports": [[r.step, r.rows, r.error] for r in eod_run()]}


def state() -> dict:
    from django.db.models import Sum

    from csdp.ipo.models import EodStepRun, ParticipantFile, ParticipantObligation, Subscription

    offering = _offering()
    clearing = EodStepRun.objects.get(offering=offering, step="t_clearing")
    files = {
        kind: ParticipantFile.objects.filter(offering=offering, file_type=kind, file_format="dbf").aggregate(
            n=Sum("rows")
        )["n"]
        for kind in ("SGQS", "SGHZ")
    }
    return {
        "database_orders": Subscription.objects.filter(offering=offering).count(),
        "cleared_orders": clearing.rows,
        "owed_orders": ParticipantObligation.objects.filter(offering=offering).aggregate(n=Sum("orders"))["n"],
        "valid_orders": clearing.detail["valid_orders"],
        "files": files,
    }


COMMANDS = {"setup": setup, "load": load, "eod": eod, "state": state}


def main() -> None:
    import django

    django.setup()
    for line in sys.stdin:
        name, *args = line.split()
        print("OK " + json.dumps(COMMANDS[name](*args)), flush=True)


if __name__ == "__main__":
    main()
