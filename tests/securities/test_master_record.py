"""逐条录入 (issue 18 §1): an operator creates one master-data record from a page, checked by the same
rule as a row of the bulk import (csdp/securities/imports.py) and written with its audit event."""

from __future__ import annotations

import pytest

from csdp.audit.models import AuditEvent
from csdp.lib.ids import make_resident_id
from csdp.securities.imports import SPECS
from csdp.securities.models import Investor, Security

pytestmark = pytest.mark.django_db
URL = "/securities/records/new/"


def _post(client, kind: str, values: dict[str, str]):
    columns = [c.header for c in SPECS[kind].columns]
    return client.post(f"{URL}?kind={kind}", {f"c{i}": values.get(h, "") for i, h in enumerate(columns)})


def test_an_operator_enters_one_security_and_the_audit_trail_says_who(cast, client_for):
    client = client_for(cast.operator)
    assert "逐条录入：证券" in client.get(URL).content.decode()
    response = _post(
        client, "securities", {"证券代码": "920777", "证券简称": "测试科技", "证券类别": "股票", "市场": "BSE"}
    )
    assert response.status_code == 302
    assert Security.objects.get(code="920777").name == "测试科技"
    event = AuditEvent.objects.get(action="master_record_create", object_id="920777")
    assert event.actor == cast.operator and event.data["kind"] == "securities"


def test_a_wrong_check_digit_is_refused_next_to_its_field_as_the_import_refuses_it(cast, client_for):
    good = make_resident_id("11010519900307123")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    values = {
        "一码通账户号码": "180000000123",
        "投资者名称": "张三",
        "证件类型": "居民身份证",
        "证件号码": bad,
        "股东性质": "境内自然人",
    }
    response = _post(client_for(cast.operator), "investors", values)
    page = response.content.decode()
    assert response.status_code == 200 and "校验位" in page
    assert not Investor.objects.filter(name="张三").exists()
    assert not AuditEvent.objects.filter(action="master_record_create").exists()


def test_a_duplicate_code_is_refused_as_in_the_bulk_import(cast, client_for):
    client = client_for(cast.admin)
    values = {"证券代码": "920778", "证券简称": "重复科技", "证券类别": "股票", "市场": "BSE"}
    assert _post(client, "securities", values).status_code == 302
    again = _post(client, "securities", values)
    assert again.status_code == 200 and "已存在" in again.content.decode()


def test_members_and_reviewers_may_not_enter_master_data(cast, client_for):
    assert client_for(cast.participant).get(URL).status_code == 403
    assert client_for(cast.reviewer).get(URL).status_code == 403
