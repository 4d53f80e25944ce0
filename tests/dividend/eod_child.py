"""The child process of tests/dividend/test_eod_kill.py (the mechanism of tests/ipo/eod_child.py):
builds a small distribution world on the database its environment names, runs `csdp eod run` on a
business day, stops itself at a chosen point inside a step (for the parent to SIGKILL), and prints
the state the parent compares.

    python -m tests.dividend.eod_child STAGE [STAGE …] [--stop-after MODULE:ATTR[:N]] [--stop-in-write MODULE:N]

Stages: ``prepare`` (300 holders, a scheduled and funded distribution), ``at:YYYY-MM-DD`` (clock at
17:00 that day), ``eod`` (`csdp eod run`), ``dump`` (one JSON line, by natural keys).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import sys
from pathlib import Path

from tests.ipo.eod_child import _rows, stop_after, stop_in_write


def prepare() -> None:
    from django.db.models import Sum

    from csdp.accounts.models import User
    from csdp.dividend.funding import funding_confirm, funding_declare
    from csdp.dividend.services import distribution_schedule
    from csdp.dividend.simulate import RATES, START, _setup
    from csdp.register.models import Position

    security, issuer = _setup(300, 4, 5, [])
    issued = Position.objects.filter(security=security).aggregate(s=Sum("quantity"))["s"]
    d = distribution_schedule(
        payload={
            "application_id": None,
            "code": security.code,
            "issuer_id": issuer.pk,
            "cash_micro": RATES.cash_micro,
            "bonus_micro": RATES.bonus_micro,
            "transfer_micro": RATES.transfer_micro,
            "record_date": "2026-11-05",
            "method": "precise",
            "seed": 99,
        }
    )
    clerk = User.objects.create(username="kill-issuer", institution=issuer, display_name="发行人")
    declared = funding_declare(
        distribution=d, bank_reference="KILL-1", amount_fen=issued * RATES.cash_micro // 100_000 + 7, by=clerk
    )
    checker = User.objects.create(username="kill-reviewer", staff_role="reviewer", display_name="复核")
    funding_confirm(funding=declared, by=checker)
    assert d.funding_deadline > START


def at(day: str) -> None:
    from csdp.clock.services import clock_set

    d = dt.date.fromisoformat(day)
    clock_set(moment=dt.datetime(d.year, d.month, d.day, 17, 0), frozen=True)


def eod() -> None:
    from csdp.cli import main

    try:
        main(["eod", "run"])
    except SystemExit as exit_:
        print(f"eod exited {exit_.code}", file=sys.stderr)


def dump() -> None:
    from django.conf import settings

    root = Path(settings.CSDP_FILES_DIR)
    files = {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
    state = {
        "files": files,
        "ledger_accounts": _rows(
            "SELECT number, debits_posted, credits_posted, debits_pending, credits_pending "
            "FROM ledger_ledgeraccount ORDER BY number"
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
            "SELECT key, event_type, quantity_delta, frozen_delta, pledged_delta, business_date "
            "FROM register_registrationevent ORDER BY key"
        ),
        "distribution": _rows(
            "SELECT status, cash_status, cash_note, holders, total_quantity, cash_declared_fen, "
            "cash_total_fen, bonus_total FROM dividend_distribution"
        ),
        "steps": _rows("SELECT name, business_date, rows FROM dividend_step ORDER BY name"),  # detail has timings
        "entitlements": _rows(
            "SELECT a.number, e.share_nature, e.lockup_end, e.quantity, e.cash_fen, e.held_fen, "
            "e.bonus_shares, e.bonus_frozen, e.bonus_pledged FROM dividend_entitlement e "
            "JOIN securities_securitiesaccount a ON a.id = e.account_id ORDER BY 1, 2, 3"
        ),
        "payments": _rows(
            "SELECT participant_id, accounts, cash_fen, paid_fen FROM dividend_participantpayment "
            "ORDER BY participant_id"
        ),
    }
    print("STATE " + json.dumps(state, sort_keys=True))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("stages", nargs="+")
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
    stages = {"prepare": prepare, "eod": eod, "dump": dump}
    for stage in options.stages:
        if stage.startswith("at:"):
            at(stage[3:])
        else:
            stages[stage]()


if __name__ == "__main__":
    main()
