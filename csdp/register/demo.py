"""Demo register (order 30): positions with 限售 shares, and the 833819 → 920819 code switch applied so
its history shows both sides. The demo's freeze and pledges are records of csdp.restrictions, seeded
through its services by ``csdp.restrictions.demo`` (a bare freeze or pledge event here would be shares
no record holds: nobody could release them)."""

from __future__ import annotations

import datetime as dt

from csdp.accounts.demo import register_seeder
from csdp.register.services import register_apply, security_code_switch
from csdp.securities.models import SecuritiesAccount, Security

BEFORE_SWITCH = dt.date(2025, 9, 30)
LISTING = dt.date(2026, 3, 30)  # 920188 listing day (rules.md §2)
LOCKUP_6M = dt.date(2026, 9, 30)  # strategic placement: ≥ 6 months from listing (rules.md §4)

# (key, account, code, event type, quantity, share nature, lock-up end, day)
EVENTS = [
    ("zm-833819", "0180000001", "833819", "initial", 20_000, "00", None, BEFORE_SWITCH),
    ("lh-833819", "0180000002", "833819", "initial", 6_000, "00", None, BEFORE_SWITCH),
    ("zm-920188-ipo", "0180000001", "920188", "ipo_allocation", 500, "00", None, LISTING),
    ("zm-920188-restricted", "0180000001", "920188", "initial", 8_000, "05", dt.date(2027, 3, 30), LISTING),
    ("lh-920188-ipo", "0180000002", "920188", "ipo_allocation", 600, "00", None, LISTING),
    ("yw-920188-strategic", "0880000003", "920188", "strategic", 500_000, "06", LOCKUP_6M, LISTING),
    ("gx-920188-initial", "0880000004", "920188", "initial", 30_000_000, "06", dt.date(2027, 3, 30), LISTING),
    ("gx-920188-free", "0880000004", "920188", "initial", 10_000_000, "00", None, LISTING),
    ("zm-600519", "A180000001", "600519", "initial", 300, "00", None, BEFORE_SWITCH),
    ("zm-161005", "0180000001", "161005", "initial", 50_000, "00", None, BEFORE_SWITCH),
]


@register_seeder(order=30)
def seed_register() -> None:
    accounts = {a.number: a.pk for a in SecuritiesAccount.objects.all()}
    securities = {s.code: s.pk for s in Security.objects.all()}
    register_apply(
        events=[
            {
                "key": f"demo:{key}",
                "account_id": accounts[number],
                "security_id": securities[code],
                "event_type": kind,
                "quantity_delta": q,
                "share_nature": nature,
                "lockup_end": lockup,
                "business_date": day,
            }
            for key, number, code, kind, q, nature, lockup, day in EVENTS
        ]
    )
    security_code_switch(old_code="833819", new_code="920819", effective_date=dt.date(2025, 10, 9), actor=None)
