"""主数据维护 (issue 18 §1): an operator finds a master-data record on its list page and corrects it on a
pre-filled form, checked by the bulk import's own row rule; the key and whatever decides whose holdings or
money these are cannot be changed there, and every change is audited with its values before and after."""

from __future__ import annotations

import pytest

from csdp.audit.models import AuditEvent
from csdp.ledger.models import AccountKind
from csdp.ledger.services import ledger_account_open
from csdp.lib.ids import make_resident_id, make_uscc
from csdp.securities.imports import SPECS
from csdp.securities.models import CustodyUnit, Investor, SecuritiesAccount, Security
from csdp.securities.records import master_record_create

pytestmark = pytest.mark.django_db
LIST = "/securities/records/"
EDIT = "/securities/records/edit/"


def _form(kind: str, values: dict[str, str]) -> dict[str, str]:
    return {f"c{i}": values.get(c.header, "") for i, c in enumerate(SPECS[kind].columns)}


def _edit(client, kind: str, key: str, values: dict[str, str]):
    return client.post(f"{EDIT}?kind={kind}&key={key}", _form(kind, values))


def _security(actor, code="920555", name="原名科技"):
    return master_record_create(
        kind="securities", values={"证券代码": code, "证券简称": name, "证券类别": "股票", "市场": "BSE"}, actor=actor
    )


def _investor(actor, ymt="180000000555", seed="11010519900307555"):
    values = {
        "一码通账户号码": ymt,
        "投资者名称": "李四",
        "证件类型": "居民身份证",
        "证件号码": make_resident_id(seed),
        "股东性质": "境内自然人",
    }
    return master_record_create(kind="investors", values=values, actor=actor)


def test_the_list_page_finds_a_security_and_links_to_its_edit_form(cast, client_for):
    _security(cast.operator)
    page = client_for(cast.operator).get(f"{LIST}?kind=securities&q=原名").content.decode()
    assert "原名科技" in page and f"{EDIT}?kind=securities&amp;key=920555" in page
    assert "涉及持有或资金的信息不在此修改" in page


def test_accounts_are_found_by_the_start_of_their_number(cast, client_for):
    _investor(cast.operator)
    for number in ("0180000555", "0190000556"):
        master_record_create(
            kind="accounts",
            values={"证券账户号码": number, "一码通账户号码": "180000000555", "市场": "BSE"},
            actor=cast.operator,
        )
    page = client_for(cast.operator).get(f"{LIST}?kind=accounts&q=018").content.decode()
    assert "0180000555" in page and "0190000556" not in page


def test_the_edit_form_is_pre_filled_and_the_key_is_not_editable(cast, client_for):
    _security(cast.operator)
    page = client_for(cast.operator).get(f"{EDIT}?kind=securities&key=920555").content.decode()
    assert 'value="原名科技"' in page
    assert "证券代码（不可修改）" in page and "状态（不可修改）" in page


def test_an_operator_renames_a_security_and_the_audit_keeps_before_and_after(cast, client_for):
    _security(cast.operator)
    values = {"证券代码": "999999", "证券简称": "新名科技", "证券类别": "股票", "市场": "BSE", "状态": "停牌"}
    response = _edit(client_for(cast.operator), "securities", "920555", values)
    assert response.status_code == 302
    security = Security.objects.get(code="920555")  # the posted code is ignored: the key stays
    assert security.name == "新名科技" and security.status == "listed"  # status only through its machine
    assert not Security.objects.filter(code="999999").exists()
    event = AuditEvent.objects.get(action="master_record_update", object_id="920555")
    assert event.actor == cast.operator
    assert event.data["before"] == {"证券简称": "原名科技"} and event.data["after"] == {"证券简称": "新名科技"}


def test_an_investor_keeps_its_own_id_number_but_may_not_take_another_investors(cast, client_for):
    _investor(cast.operator)
    _investor(cast.operator, ymt="180000000556", seed="11010519900307556")
    other = Investor.objects.get(ymt_number="180000000556").id_number
    mine = Investor.objects.get(ymt_number="180000000555")
    client = client_for(cast.admin)
    base = {
        "投资者名称": "李四（更正）",
        "证件类型": "居民身份证",
        "证件号码": mine.id_number,
        "股东性质": "境内自然人",
    }
    assert _edit(client, "investors", "180000000555", base).status_code == 302
    taken = _edit(client, "investors", "180000000555", {**base, "证件号码": other})
    assert taken.status_code == 200 and "已登记为其他投资者" in taken.content.decode()
    assert Investor.objects.get(pk=mine.pk).id_number == mine.id_number


def test_a_wrong_check_digit_is_refused_on_edit_as_on_import(cast, client_for):
    investor = _investor(cast.operator)
    good = investor.id_number
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    values = {"投资者名称": "李四", "证件类型": "居民身份证", "证件号码": bad, "股东性质": "境内自然人"}
    response = _edit(client_for(cast.operator), "investors", "180000000555", values)
    assert response.status_code == 200 and "校验位" in response.content.decode()
    assert Investor.objects.get(pk=investor.pk).id_number == good
    assert not AuditEvent.objects.filter(action="master_record_update").exists()


def test_an_accounts_mobile_is_editable_but_not_its_holder_or_custody_unit(cast, client_for):
    _investor(cast.operator)
    _investor(cast.operator, ymt="180000000556", seed="11010519900307556")
    master_record_create(
        kind="accounts",
        values={"证券账户号码": "0180000555", "一码通账户号码": "180000000555", "市场": "BSE"},
        actor=cast.operator,
    )
    values = {"一码通账户号码": "180000000556", "市场": "SSE", "预留手机号码": "13800000555"}
    assert _edit(client_for(cast.operator), "accounts", "0180000555", values).status_code == 302
    account = SecuritiesAccount.objects.get(number="0180000555")
    assert account.mobile == "13800000555"
    assert account.investor.ymt_number == "180000000555" and account.market == "BSE"
    bad = _edit(client_for(cast.operator), "accounts", "0180000555", {"预留手机号码": "2380000"})
    assert bad.status_code == 200 and "11 位数字" in bad.content.decode()


def test_a_participants_uscc_is_checked_and_the_name_corrected(cast, client_for):
    uscc = make_uscc("91110000MA0000055")
    wrong = uscc[:-1] + ("0" if uscc[-1] != "0" else "1")
    master_record_create(
        kind="participants",
        values={"结算参与人代码": "P555", "机构全称": "戊证券", "统一社会信用代码": uscc},
        actor=cast.operator,
    )
    client = client_for(cast.operator)
    bad = _edit(client, "participants", "P555", {"机构全称": "戊证券", "统一社会信用代码": wrong})
    assert bad.status_code == 200 and "校验" in bad.content.decode()
    assert (
        _edit(client, "participants", "P555", {"机构全称": "戊证券股份有限公司", "统一社会信用代码": uscc}).status_code
        == 302
    )
    master_record_create(
        kind="custody_units", values={"托管单元代码": "U555", "结算参与人代码": "P555"}, actor=cast.operator
    )
    assert _edit(client, "custody_units", "U555", {"结算参与人代码": "OTHER", "名称": "一号单元"}).status_code == 302
    unit = CustodyUnit.objects.get(code="U555")
    assert unit.name == "一号单元" and unit.participant.code == "P555"
    assert unit.participant.institution.name == "戊证券股份有限公司"


def test_a_reserve_accounts_name_is_editable_but_not_its_owner_or_kind(cast, client_for):
    account = ledger_account_open(
        number="P555-RES", name="旧户名", kind=AccountKind.PARTICIPANT_RESERVE, owner=cast.participant.institution
    )
    values = {"户名": "新户名", "账户类型": "自营结算备付金账户", "所属机构代码": "X"}
    assert _edit(client_for(cast.operator), "ledger_accounts", "P555-RES", values).status_code == 302
    account.refresh_from_db()
    assert account.name == "新户名" and account.kind == AccountKind.PARTICIPANT_RESERVE
    assert account.owner == cast.participant.institution


def test_saving_without_a_change_writes_no_audit_event(cast, client_for):
    _security(cast.operator)
    values = {"证券简称": "原名科技", "证券类别": "股票", "市场": "BSE"}
    assert _edit(client_for(cast.operator), "securities", "920555", values).status_code == 302
    assert not AuditEvent.objects.filter(action="master_record_update").exists()


def test_an_unknown_record_is_not_found(cast, client_for):
    assert client_for(cast.operator).get(f"{EDIT}?kind=securities&key=000000").status_code == 404


def test_members_and_reviewers_may_not_list_or_edit_master_data(cast, client_for):
    _security(cast.operator)
    for user in (cast.participant, cast.reviewer, cast.issuer_a):
        client = client_for(user)
        assert client.get(f"{LIST}?kind=securities").status_code == 403
        assert _edit(client, "securities", "920555", {"证券简称": "改名"}).status_code == 403
    assert Security.objects.get(code="920555").name == "原名科技"


def test_a_table_of_millions_is_counted_by_its_estimate_only_while_nothing_is_searched(cast, client_for):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the planner's estimate is PostgreSQL's")
    _investor(cast.operator)
    master_record_create(
        kind="accounts",
        values={"证券账户号码": "0180000555", "一码通账户号码": "180000000555", "市场": "BSE"},
        actor=cast.operator,
    )
    with connection.cursor() as cursor:  # the planner believes the table holds two million accounts
        cursor.execute("UPDATE pg_class SET reltuples = 2000000 WHERE oid = 'securities_securitiesaccount'::regclass")
    client = client_for(cast.operator)
    page = client.get(f"{LIST}?kind=accounts").content.decode()
    assert "共约 2000000 条" in page
    searched = client.get(f"{LIST}?kind=accounts&q=0180").content.decode()
    assert "共 1 条" in searched and "0180000555" in searched


def test_an_id_number_typed_in_lower_case_is_the_same_number_and_no_change(cast, client_for):
    investor = _investor(cast.operator, seed="11010519900307005")  # its check digit is X
    assert investor.id_number.endswith("X")
    values = {
        "投资者名称": "李四",
        "证件类型": "居民身份证",
        "证件号码": investor.id_number.lower(),
        "股东性质": "境内自然人",
    }
    assert _edit(client_for(cast.operator), "investors", "180000000555", values).status_code == 302
    assert not AuditEvent.objects.filter(action="master_record_update").exists()
