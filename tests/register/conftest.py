import datetime as dt

import pytest

from csdp.lib.ids import make_resident_id
from csdp.securities.services import account_open, investor_create, security_code_change_register, security_create

DAY = dt.date(2026, 3, 30)


@pytest.fixture
def world(db):
    investor = investor_create(
        ymt_number="180000000001",
        name="张明",
        id_type="resident_id",
        id_number=make_resident_id("11010519800101123"),
        holder_type="03",
    )
    other = investor_create(
        ymt_number="180000000002",
        name="李华",
        id_type="resident_id",
        id_number=make_resident_id("11010519850202234"),
        holder_type="03",
    )
    return {
        "stock": security_create(code="920188", name="悦龙科技", kind="stock", market="BSE"),
        "neeq": security_create(code="833819", name="颖泰生物", kind="stock", market="NEEQ"),
        "change": security_code_change_register(
            old_code="833819", new_code="920819", effective_date=dt.date(2025, 10, 9), reason="北交所代码切换"
        ),
        "account": account_open(number="0180000001", investor=investor, market="BSE"),
        "other": account_open(number="0180000002", investor=other, market="BSE"),
    }


def event(
    world,
    key,
    event_type="initial",
    quantity=0,
    frozen=0,
    pledged=0,
    day=DAY,
    security="stock",
    account="account",
    nature="00",
    lockup_end=None,
):
    return {
        "security": world[security],
        "account": world[account],
        "event_type": event_type,
        "business_date": day,
        "key": key,
        "quantity_delta": quantity,
        "frozen_delta": frozen,
        "pledged_delta": pledged,
        "share_nature": nature,
        "lockup_end": lockup_end,
    }
