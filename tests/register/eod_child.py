"""The child process of tests/register/test_eod_kill.py (the mechanism of tests/ipo/eod_child.py): builds
a small register with an approved 03 股份解除限售登记 due on DAY, runs `csdp eod run` there (the approvals
job applies it), stops itself at a chosen point inside the step for the parent to SIGKILL, and prints
the state the parent compares.

    python -m tests.register.eod_child STAGE [STAGE …] [--stop-after MODULE:ATTR[:N]] [--stop-in-write MODULE:N]

Stages: ``prepare`` (HOLDERS accounts with a 00 and a restricted 05 lot, every fifth 05 lot pledged and
frozen in part; the release of every 05 lot prepared and approved the day before DAY; clock at DAY
17:00), ``eod`` (`csdp eod run`), ``dump`` (one JSON line, by natural keys).
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

DAY = dt.date(2026, 11, 5)
LOCKUP = dt.date(2026, 11, 4)
HOLDERS = 240
CODE = "920555"


def _world():
    from csdp.accounts.models import Institution
    from csdp.lib.ids import make_resident_id
    from csdp.securities.models import CustodyUnit, ParticipantProfile
    from csdp.securities.services import account_open, investor_create, security_create

    issuer = Institution.objects.create(kind="issuer", name="杀进程测试发行人", code="KILLISS")
    security = security_create(code=CODE, name="杀进程测试", kind="stock", market="BSE", issuer=issuer)
    units = []
    for n in range(3):  # three custodians: three GFBD file pairs
        institution = Institution.objects.create(kind="participant", name=f"托管参与人{n}", code=f"KILLP{n}")
        profile = ParticipantProfile.objects.create(institution=institution, code=f"KP{n:04d}")
        units.append(CustodyUnit.objects.create(code=f"72{n:04d}", participant=profile, name=f"托管单元{n}"))
    accounts = []
    for n in range(HOLDERS):
        investor = investor_create(
            ymt_number=f"1900000{n:05d}",
            name=f"持有人{n}",
            id_type="resident_id",
            id_number=make_resident_id(f"110105198001{n % 28 + 1:02d}{n:03d}"),
            holder_type="03",
        )
        account = account_open(number=f"01900{n:05d}", investor=investor, market="BSE")
        account.custody_unit = units[n % len(units)]
        account.save(update_fields=["custody_unit"])
        accounts.append(account)
    return security, accounts


def prepare() -> None:
    from csdp.accounts.models import User
    from csdp.approvals.services import approval_approve, approval_prepare
    from csdp.clock.services import at_local, clock_set
    from csdp.register.issuer_businesses import KIND, RELEASE, business_summary
    from csdp.register.issuer_sheet import SheetRow
    from csdp.register.services import register_apply_bulk

    clock_set(moment=at_local(DAY - dt.timedelta(days=1), 10, 0), frozen=True)
    security, accounts = _world()
    events = []
    for n, account in enumerate(accounts):
        base = {"security_id": security.pk, "account_id": account.pk, "business_date": dt.date(2025, 11, 4)}
        events.append({**base, "event_type": "initial", "quantity_delta": 10_000 + n, "key": f"kill:i:{n}"})
        events.append(
            {
                **base,
                "event_type": "initial",
                "quantity_delta": 5_000 + n,
                "share_nature": "05",
                "lockup_end": LOCKUP,
                "key": f"kill:r:{n}",
            }
        )
        if n % 5 == 0:
            events.append(
                {
                    **base,
                    "event_type": "pledge",
                    "pledged_delta": 1_000,
                    "frozen_delta": 0,
                    "share_nature": "05",
                    "lockup_end": LOCKUP,
                    "key": f"kill:p:{n}",
                }
            )
            events.append(
                {
                    **base,
                    "event_type": "freeze",
                    "frozen_delta": 500,
                    "share_nature": "05",
                    "lockup_end": LOCKUP,
                    "key": f"kill:f:{n}",
                }
            )
    register_apply_bulk(events)
    rows = [
        SheetRow(n + 2, a.number, a.investor.name, "resident_id", a.investor.id_number, 5_000 + n, "05", LOCKUP)
        for n, a in enumerate(accounts)
    ]
    payload = {
        "application": None,
        "business": RELEASE.code,
        "security": security.code,
        "security_id": security.pk,
        "effective_date": DAY.isoformat(),
        "declared": sum(r.quantity for r in rows),
        "reason": "",
        "rows": [r.as_json() for r in rows],
    }
    operator = User.objects.create(username="kill-operator", staff_role="operator", display_name="经办")
    reviewer = User.objects.create(username="kill-reviewer", staff_role="reviewer", display_name="复核")
    approval = approval_prepare(
        kind=KIND,
        key="kill:release",
        summary=business_summary(payload),
        payload=payload,
        by=operator,
        effective_date=DAY,
    )
    approval_approve(approval=approval, by=reviewer)  # effective tomorrow: applied by DAY's end of day
    clock_set(moment=at_local(DAY, 17, 0), frozen=True)


def eod() -> None:
    from csdp.cli import main

    try:
        main(["eod", "run"])
    except SystemExit as exit_:
        print(f"eod exited {exit_.code}", file=sys.stderr)


def dump() -> None:
    from django.conf import settings

    root = Path(settings.CSDP_FILES_DIR)
    state = {
        "files": {
            str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        },
        "positions": _rows(
            "SELECT a.number, s.code, p.share_nature, p.lockup_end, p.quantity, p.frozen, p.pledged "
            "FROM register_position p JOIN securities_securitiesaccount a ON a.id = p.account_id "
            "JOIN securities_security s ON s.id = p.security_id ORDER BY 1, 2, 3, 4"
        ),
        "events": _rows(
            "SELECT key, event_type, share_nature, lockup_end, quantity_delta, frozen_delta, pledged_delta, "
            "business_date FROM register_registrationevent ORDER BY key"
        ),
        "capital": _rows("SELECT code, issued_shares, status FROM securities_security ORDER BY code"),
        "approvals": _rows("SELECT key, status, failure FROM approvals_approval ORDER BY key"),
        "holding_files": _rows(
            "SELECT path, sha256, rows, business, file_format FROM register_holdingchangefile ORDER BY path"
        ),
    }
    print("STATE " + json.dumps(state, sort_keys=True, default=str))


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
        stages[stage]()


if __name__ == "__main__":
    main()
