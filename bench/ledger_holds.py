"""Benchmark: one offering's T+1 money for 80 participants, per-hold services against the bulk path.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csdp_holds .venv/bin/python bench/ledger_holds.py single
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csdp_holds .venv/bin/python bench/ledger_holds.py bulk

Migrates the database, funds 80 reserves, then five times (a fresh clearing account each): freeze each
participant's money, post part of it (4 in 5) or void it (1 in 5), in one transaction, as T+1 does.
Prints the seconds of each of the five runs and the load average.
"""
from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csdp.settings.dev")
PARTICIPANTS, DAY = 80, dt.date(2026, 3, 16)


def single(reserves, clearing, prefix):
    from csdp.ledger.services import hold_create, hold_post, hold_void

    for i, reserve in enumerate(reserves):
        hold = hold_create(debit=reserve, credit=clearing, amount_fen=10**6 + i, key=f"{prefix}:{i}:freeze",
                           code="IPO_FREEZE", memo="冻结")
        if i % 5:
            hold_post(hold=hold, amount_fen=1000, key=f"{prefix}:{i}:deduct", memo="扣划")
        else:
            hold_void(hold=hold, key=f"{prefix}:{i}:unfreeze", memo="解冻")


def bulk(reserves, clearing, prefix):
    from csdp.ledger.bulk import holds_create_bulk, holds_resolve_bulk

    holds = holds_create_bulk([{"debit_account_id": r.pk, "credit_account_id": clearing.pk, "amount_fen": 10**6 + i,
                                "key": f"{prefix}:{i}:freeze", "code": "IPO_FREEZE", "memo": "冻结"}
                               for i, r in enumerate(reserves)])
    holds_resolve_bulk([{"hold": holds[f"{prefix}:{i}:freeze"], "phase": "post", "amount_fen": 1000,
                         "key": f"{prefix}:{i}:deduct", "memo": "扣划"} if i % 5 else
                        {"hold": holds[f"{prefix}:{i}:freeze"], "phase": "void", "key": f"{prefix}:{i}:unfreeze",
                         "memo": "解冻"} for i in range(len(reserves))])


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from csdp.ledger.models import AccountKind
    from csdp.ledger.services import ledger_account_open, transfer_post

    call_command("migrate", verbosity=0)
    mode = {"single": single, "bulk": bulk}[sys.argv[1]]
    bank = ledger_account_open(number="BANK", name="外部", kind=AccountKind.DEPOSITORY_BANK)
    reserves = [ledger_account_open(number=f"R{i:03}", name="备付金", kind=AccountKind.PARTICIPANT_RESERVE)
                for i in range(PARTICIPANTS)]
    for reserve in reserves:
        transfer_post(debit=bank, credit=reserve, amount_fen=10**12, key=f"dep:{reserve.number}", code="dep",
                      business_date=DAY)
    seconds = []
    for run in range(5):
        clearing = ledger_account_open(number=f"CLR-{sys.argv[1]}-{run}", name="清算", kind=AccountKind.IPO_CLEARING)
        started = time.perf_counter()
        with transaction.atomic():
            mode(reserves, clearing, f"{sys.argv[1]}{run}")
        seconds.append(round(time.perf_counter() - started, 3))
    print(sys.argv[1], seconds, "load", os.getloadavg())


if __name__ == "__main__":
    main()
