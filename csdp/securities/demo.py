"""Demo securities master and parties (order 20: after the demo users, before the ledger and register).

张明 (demo user "pledger") is investor 180000000001 with resident id DEMO_ZHANG_MING_ID; the pledge
board links its user to that investor through its own model.
"""

from __future__ import annotations

import datetime as dt

from csdp.accounts.models import Institution
from csdp.lib.ids import make_resident_id, make_uscc
from csdp.accounts.demo import ISSUER_A, ISSUER_B, PARTICIPANT, register_seeder
from csdp.securities.models import (
    CustodyUnit,
    Investor,
    ParticipantProfile,
    SecuritiesAccount,
    Security,
    SecurityCodeChange,
)

DEMO_ZHANG_MING_ID = make_resident_id("11010519850315123")  # born 1985-03-15, Beijing 朝阳区
DEMO_ZHANG_MING_YMT = "180000000001"

SECURITIES = [
    # (code, name, kind, market, issuer spec)
    ("920188", "悦龙科技", "stock", "BSE", ISSUER_A),  # rules.md §2 worked example, listed 2026-03-30
    ("920219", "星河精机", "stock", "BSE", ISSUER_B),
    ("833819", "颖泰生物", "stock", "NEEQ", None),  # switched to 920819 on 2025-10-09 by the register seeder
    ("600519", "贵州茅台", "stock", "SSE", None),
    ("601398", "工商银行", "stock", "SSE", None),
    ("000001", "平安银行", "stock", "SZSE", None),
    ("300750", "宁德时代", "stock", "SZSE", None),
    ("019741", "24国债10", "bond", "SSE", None),
    ("161005", "富国天惠LOF", "fund", "SZSE", None),  # an open-ended (listed) fund
]
CODE_CHANGES = [("833819", "920819", dt.date(2025, 10, 9), "北交所存量上市公司证券代码切换（对照表）")]
CUSTODY_UNITS = [("710001", "东方财通证券北京金融街营业部"), ("710002", "东方财通证券上海陆家嘴营业部")]

# (一码通, name, id_type, id_number, holder nature, [(account number, market, custody unit)])
INVESTORS = [
    (
        DEMO_ZHANG_MING_YMT,
        "张明",
        "resident_id",
        DEMO_ZHANG_MING_ID,
        "03",
        [("0180000001", "BSE", "710001"), ("A180000001", "SSE", "710001")],
    ),
    (
        "180000000002",
        "李华",
        "resident_id",
        make_resident_id("31010419900607224"),
        "03",
        [("0180000002", "BSE", "710002")],
    ),
    (
        "180000000003",
        "北京远望投资管理有限公司",
        "uscc",
        make_uscc("91110105MA01YW001"),
        "02",
        [("0880000003", "BSE", "710001")],
    ),
    (
        "180000000004",
        "国新投资有限公司",
        "uscc",
        make_uscc("91110000MA01GX002"),
        "01",
        [("0880000004", "BSE", "710002")],
    ),
]


def _institution(spec) -> Institution | None:
    if spec is None:
        return None
    return Institution.objects.filter(kind=spec[0], code=spec[2]).first()


@register_seeder(order=20)
def seed_securities() -> None:
    for code, name, kind, market, issuer in SECURITIES:
        Security.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "market": market, "issuer": _institution(issuer)}
        )
    for old, new, day, reason in CODE_CHANGES:
        SecurityCodeChange.objects.get_or_create(
            old_code=old, new_code=new, defaults={"effective_date": day, "reason": reason}
        )
    participant = _institution(PARTICIPANT)
    profile, _ = ParticipantProfile.objects.get_or_create(institution=participant, defaults={"code": PARTICIPANT[2]})
    units = {}
    for code, name in CUSTODY_UNITS:
        units[code], _ = CustodyUnit.objects.get_or_create(code=code, defaults={"participant": profile, "name": name})
    for ymt, name, id_type, id_number, nature, accounts in INVESTORS:
        investor, _ = Investor.objects.get_or_create(
            ymt_number=ymt, defaults={"name": name, "id_type": id_type, "id_number": id_number, "holder_type": nature}
        )
        investor.full_clean()  # the demo ids must pass the same check digits as real input
        for number, market, unit in accounts:
            SecuritiesAccount.objects.get_or_create(
                number=number, defaults={"investor": investor, "market": market, "custody_unit": units[unit]}
            )
