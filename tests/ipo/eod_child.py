"""The child process of tests/ipo/test_eod_kill.py: builds a synthetic offering world on the database
and files directory its environment names, runs `csdp eod run` through the console script's own
entry point, stops itself at a chosen point in the middle of a step (for the parent to SIGKILL), and
prints the state the parent compares.

    python -m tests.ipo.eod_child STAGE [STAGE …] [--stop-after MODULE:ATTR[:N]] [--stop-in-write MODULE:N]

Stages run in order in one process: ``prepare`` (participants, offering, the exchange file loaded,
clock at T 17:00), ``fund`` (T+1 deposits and 附件5 declarations, clock at T+1 17:00), ``pay`` (T+2
payment, accounts, 余股 filing, clock at T+2 17:00), ``eod`` (``csdp eod run``), ``dump`` (one JSON line).

The stop points live here, not in production code: the child wraps a production function before
the end of day starts, and the wrapper sends the process SIGSTOP after the real function returned
(``--stop-after``), or after the N-th file a module opens for writing got its first bytes
(``--stop-in-write``: a genuinely half-written file). The parent waits for the stop, so the kill
lands at exactly that point, inside the step's open transaction.
"""

from __future__ import annotations

import argparse
import builtins
import functools
import hashlib
import importlib
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

WORLD = {"orders": 1_200, "participants": 6, "seed": 11}


def _stop_here() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    # Directed at this thread: a process-directed SIGSTOP is taken by the main thread, and on a busy
    # machine the calling thread (a file writer) ran on before the group stopped, raised the
    # SystemExit below and let PartFile remove the half-written .part the test looks for (CI, stop 11).
    # A thread-directed stop is taken by this thread on its way out of the system call.
    signal.pthread_kill(threading.get_ident(), signal.SIGSTOP)
    time.sleep(60)  # never reached before the parent's SIGKILL unless someone sent SIGCONT
    raise SystemExit("continued after SIGSTOP: the parent was meant to kill this process")


def stop_after(spec: str) -> None:
    module_name, attr, *count = spec.split(":")
    module, wanted, calls = importlib.import_module(module_name), int(count[0]) if count else 1, []
    real = getattr(module, attr)

    @functools.wraps(real)
    def wrapper(*args, **kwargs):
        result = real(*args, **kwargs)
        calls.append(1)
        if len(calls) == wanted:
            _stop_here()
        return result

    setattr(module, attr, wrapper)


class _StopAfterFirstWrite:
    """A file whose first write reaches the disk, after which the process stops."""

    def __init__(self, real):
        self._real = real

    def write(self, data):
        written = self._real.write(data)
        self._real.flush()
        os.fsync(self._real.fileno())
        _stop_here()
        return written

    def __getattr__(self, name):
        return getattr(self._real, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._real.__exit__(*exc)


def stop_in_write(spec: str) -> None:
    module_name, count = spec.split(":")
    module, wanted, opened = importlib.import_module(module_name), int(count), []

    def open_(file, mode="r", *args, **kwargs):
        handle = builtins.open(file, mode, *args, **kwargs)
        if "w" in mode:
            opened.append(file)
            if len(opened) == wanted:
                return _StopAfterFirstWrite(handle)
        return handle

    module.open = open_  # module globals shadow the builtin for that module's code only


def prepare() -> None:
    from csdp.ipo.eod.t_day import offering_subscriptions_load
    from csdp.ipo.engine.validity import per_investor_cap
    from csdp.ipo.sim import _at, _new_offering, _participants, exchange_file_write

    profiles = _participants(WORLD["participants"])
    offering = _new_offering(WORLD["orders"])
    path = Path(os.environ["CSDP_VAR_DIR"]) / f"SG{offering.code}.csv"
    exchange_file_write(
        path,
        orders=WORLD["orders"],
        participants=profiles,
        cap=per_investor_cap(offering.initial_online_shares),
        seed=WORLD["seed"],
    )
    _at(offering.t_date, 15, 10)
    offering_subscriptions_load(offering=offering, path=path)
    _at(offering.t_date, 17)


def fund() -> None:
    from csdp.ipo.models import Offering
    from csdp.ipo.sim import _at, _fund

    offering = Offering.objects.get()
    _fund(offering, WORLD["seed"])
    _at(offering.day(1), 17)


def pay() -> None:
    import numpy as np

    from csdp.ipo.models import Offering, Subscription
    from csdp.ipo.services import proceeds_pay
    from csdp.ipo.sim import _at, _file_remainder, open_accounts

    offering = Offering.objects.get()
    _at(offering.day(2), 10)
    proceeds_pay(offering=offering, actor=None)
    numbers = Subscription.objects.filter(offering=offering).values_list("account", flat=True)
    open_accounts(np.array([int(number) for number in numbers], dtype=np.int64))
    _file_remainder(offering)
    _at(offering.day(2), 17)


def eod() -> None:
    from csdp.cli import main

    try:
        main(["eod", "run"])
    except SystemExit as exit_:  # a refused step: the parent reads stdout and compares the state
        print(f"eod exited {exit_.code}", file=sys.stderr)


def _rows(sql: str) -> list[list]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [[str(value) for value in row] for row in cursor.fetchall()]


def _table_digest(table: str, order: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}" ORDER BY {order}')
        names = [column[0] for column in cursor.description]
        rows = [[str(v) for n, v in zip(names, row) if n != "id"] for row in cursor.fetchall()]
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest() + f":{len(rows)}"


def dump() -> None:
    """Everything a participant, the ledger or the register would show, by natural keys (never by
    database ids: a killed transaction may have used up sequence values)."""
    from django.conf import settings

    root = Path(settings.CSDP_FILES_DIR)
    files = {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
    state = {
        "files": files,
        "participant_files": _rows(
            "SELECT o.code, p.code, f.file_type, f.file_format, f.path, f.sha256, f.rows, f.business_date "
            "FROM ipo_participantfile f JOIN ipo_offering o ON o.id = f.offering_id "
            "JOIN securities_participantprofile p ON p.id = f.participant_id ORDER BY 1, 2, 3, 4"
        ),
        "ledger_accounts": _rows(
            "SELECT number, debits_posted, credits_posted, debits_pending, credits_pending FROM ledger_ledgeraccount "
            "ORDER BY number"
        ),
        "transfers": _rows(
            "SELECT t.key, d.number, c.number, t.amount_fen, t.phase, h.key, t.code, t.business_date, t.memo "
            "FROM ledger_transfer t JOIN ledger_ledgeraccount d ON d.id = t.debit_account_id "
            "JOIN ledger_ledgeraccount c ON c.id = t.credit_account_id LEFT JOIN ledger_transfer h ON h.id = t.pending_id "
            "ORDER BY t.key"
        ),
        "positions": _rows(
            "SELECT a.number, s.code, p.share_nature, p.lockup_end, p.quantity, p.frozen, p.pledged "
            "FROM register_position p JOIN securities_securitiesaccount a ON a.id = p.account_id "
            "JOIN securities_security s ON s.id = p.security_id ORDER BY 1, 2, 3, 4"
        ),
        "events": _rows(
            "SELECT e.key, a.number, s.code, e.share_nature, e.lockup_end, e.event_type, e.quantity_delta, "
            "e.frozen_delta, e.pledged_delta, e.business_date FROM register_registrationevent e "
            "JOIN securities_securitiesaccount a ON a.id = e.account_id "
            "JOIN securities_security s ON s.id = e.security_id ORDER BY e.key"
        ),
        "step_runs": _rows(
            "SELECT o.code, r.step, r.business_date, r.status, r.rows, r.detail, r.finished_at "
            "FROM ipo_eodsteprun r JOIN ipo_offering o ON o.id = r.offering_id ORDER BY 1, 2"
        ),
        "offerings": _rows("SELECT code, status FROM ipo_offering ORDER BY code"),
        "transitions": _rows(
            "SELECT o.code, t.from_state, t.to_state, t.reason, t.at FROM ipo_offeringtransition t "
            "JOIN ipo_offering o ON o.id = t.offering_id ORDER BY t.id"
        ),
        "obligations": _rows(
            "SELECT o.code, p.code, b.orders, b.subscribed_fen, b.available_fen, b.shortfall_fen, b.invalid_orders, "
            "b.frozen_fen, b.allocated_shares, b.deducted_fen, b.unfrozen_fen FROM ipo_participantobligation b "
            "JOIN ipo_offering o ON o.id = b.offering_id JOIN securities_participantprofile p ON p.id = b.participant_id "
            "ORDER BY 1, 2"
        ),
        "outcomes": _table_digest("ipo_subscriptionoutcome", "offering_id, seq"),
        "settlement": _table_digest("ipo_settlementresult", "offering_id, seq"),
    }
    print("STATE " + json.dumps(state, sort_keys=True))


STAGES = {"prepare": prepare, "fund": fund, "pay": pay, "eod": eod, "dump": dump}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("stages", nargs="+", choices=sorted(STAGES))
    parser.add_argument("--stop-after", action="append", default=[])
    parser.add_argument("--stop-in-write", action="append", default=[])
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csdp.settings.test")
    import django

    django.setup()
    for spec in options.stop_after:
        stop_after(spec)
    for spec in options.stop_in_write:
        stop_in_write(spec)
    for stage in options.stages:
        STAGES[stage]()


if __name__ == "__main__":
    main()
