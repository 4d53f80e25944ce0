"""Master data from Excel/CSV: every problem listed with row and column, nothing half-imported, later rows
may refer to earlier ones, an audit event per import."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from csdp.accounts.models import Institution
from csdp.audit.models import AuditEvent
from csdp.ledger.models import LedgerAccount
from csdp.lib.ids import make_resident_id, make_uscc
from csdp.securities.imports import ImportRefused, master_import
from csdp.securities.models import CustodyUnit, Investor, ParticipantProfile, SecuritiesAccount, Security

pytestmark = pytest.mark.django_db


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def _xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_participants_units_investors_and_accounts_import_in_order(cast):
    uscc = make_uscc("91110000MA0000001")
    master_import(
        kind="participants",
        content=_csv("结算参与人代码,机构全称,统一社会信用代码", f"P100,甲证券,{uscc}"),
        name="p.csv",
        actor=cast.operator,
    )
    master_import(
        kind="custody_units",
        content=_csv("托管单元代码,结算参与人代码,名称", "T10001,P100,甲一"),
        name="u.csv",
        actor=cast.operator,
    )
    ident = make_resident_id("11010519900101123")
    master_import(
        kind="investors",
        content=_xlsx(
            [
                ["一码通账户号码", "投资者名称", "证件类型", "证件号码", "股东性质"],
                ["180000000101", "王五", "居民身份证", ident, "境内自然人"],
            ]
        ),
        name="i.xlsx",
        actor=cast.operator,
    )
    master_import(
        kind="accounts",
        content=_csv("证券账户号码,一码通账户号码,市场,托管单元代码", "0180000101,180000000101,BSE,T10001"),
        name="a.csv",
        actor=cast.operator,
    )
    account = SecuritiesAccount.objects.get(number="0180000101")
    assert account.investor.name == "王五" and account.custody_unit.participant.code == "P100"
    assert Institution.objects.get(code="P100").kind == "participant"
    assert AuditEvent.objects.filter(action="master_import").count() == 4


def test_every_problem_is_listed_and_nothing_is_written(cast):
    bad_id = make_resident_id("11010519900101123")[:-1] + (
        "0" if make_resident_id("11010519900101123")[-1] != "0" else "1"
    )
    content = _csv(
        "一码通账户号码,投资者名称,证件类型,证件号码,股东性质",
        f"180000000201,甲,居民身份证,{make_resident_id('11010519800101555')},03",
        f"18000000020,乙,居民身份证,{bad_id},03",
        "180000000201,丙,护照,E1234567,境外火星人",
        ",丁,护照,E7654321,05",
    )
    with pytest.raises(ImportRefused) as refused:
        master_import(kind="investors", content=content, name="i.csv", actor=cast.operator)
    where = {(p.row, p.field) for p in refused.value.problems}
    assert (3, "一码通账户号码") in where and (3, "证件号码") in where  # 11 digits; bad check digit
    assert (4, "一码通账户号码") in where and (4, "股东性质") in where  # duplicate of row 2; unknown nature
    assert (5, "一码通账户号码") in where  # missing
    assert not Investor.objects.exists()  # row 2 was fine, but nothing is half-imported
    assert "未导入任何数据" in refused.value.message


def test_a_reference_to_something_missing_is_a_problem_of_that_row(cast):
    with pytest.raises(ImportRefused) as refused:
        master_import(
            kind="accounts",
            content=_csv("证券账户号码,一码通账户号码,市场", "0180000301,180000009999,BSE"),
            name="a.csv",
            actor=cast.operator,
        )
    assert refused.value.problems[0].row == 2 and "不存在" in refused.value.problems[0].message
    assert not SecuritiesAccount.objects.exists()


def test_securities_and_ledger_accounts_import(cast):
    master_import(
        kind="securities",
        content=_csv("证券代码,证券简称,证券类别,市场,发行人代码", "920777,测试科技,股票,BSE,920001"),
        name="s.csv",
        actor=cast.admin,
    )
    assert Security.objects.get(code="920777").issuer == cast.issuer_a.institution
    master_import(
        kind="ledger_accounts",
        content=_csv("账号,户名,账户类型,所属机构代码", "UW01-RES,丙证券自营备付金,自营结算备付金账户,UW01"),
        name="l.csv",
        actor=cast.admin,
    )
    assert LedgerAccount.objects.get(number="UW01-RES").owner == cast.underwriter.institution
    with pytest.raises(ImportRefused):
        master_import(
            kind="ledger_accounts",
            content=_csv("账号,户名,账户类型,所属机构代码", "X,x,费用户,UW01"),
            name="l.csv",
            actor=cast.admin,
        )


def test_a_wrong_header_names_the_missing_columns(cast):
    with pytest.raises(ImportRefused, match="表头缺少列：托管单元代码"):
        master_import(
            kind="custody_units", content=_csv("代码,结算参与人代码", "T1,P1"), name="u.csv", actor=cast.admin
        )


def test_the_row_limit_stops_reading(cast, monkeypatch):
    from csdp.securities import imports

    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    lines = ["托管单元代码,结算参与人代码"] + [f"T{i},P1" for i in range(10)]
    with pytest.raises(ImportRefused) as refused:
        master_import(kind="custody_units", content=_csv(*lines), name="u.csv", actor=cast.admin)
    assert refused.value.code == "master_import.too_many_rows"
    assert not CustodyUnit.objects.exists() and not ParticipantProfile.objects.exists()


def test_the_page_lists_the_problems_and_imports_a_good_file(cast, client_for):
    client = client_for(cast.operator)
    bad = client.post(
        "/securities/import/",
        {
            "kind": "securities",
            "file": SimpleUploadedFile("s.csv", _csv("证券代码,证券简称,证券类别,市场", "92077,x,股票,BSE")),
        },
    )
    assert bad.status_code == 200 and "应为 6 位数字" in bad.content.decode()
    good = client.post(
        "/securities/import/",
        {
            "kind": "securities",
            "file": SimpleUploadedFile("s.csv", _csv("证券代码,证券简称,证券类别,市场", "920778,好,股票,BSE")),
        },
        follow=True,
    )
    assert "已导入证券 1 条" in good.content.decode() and Security.objects.filter(code="920778").exists()
    template = client.get("/securities/import/template/?kind=investors")
    assert template.content.decode("utf-8-sig").startswith("一码通账户号码,投资者名称")
    assert client_for(cast.reviewer).get("/securities/import/").status_code == 403


def test_the_participants_page_shows_imported_participants_units_and_reserve(cast, client_for):
    master_import(
        kind="participants", content=_csv("结算参与人代码,机构全称", "P300,辛证券"), name="p.csv", actor=cast.operator
    )
    master_import(
        kind="custody_units",
        content=_csv("托管单元代码,结算参与人代码,名称", "T30001,P300,辛一"),
        name="u.csv",
        actor=cast.operator,
    )
    master_import(
        kind="ledger_accounts",
        content=_csv("账号,户名,账户类型,所属机构代码", "P300-RES,辛证券备付金,综合结算备付金账户,P300"),
        name="l.csv",
        actor=cast.operator,
    )
    page = client_for(cast.reviewer).get("/securities/participants/").content.decode()
    assert "P300" in page and "T30001（辛一）" in page and "P300-RES" in page


def test_an_accounts_mobile_on_file_is_imported_and_checked(cast):
    ident = make_resident_id("11010519900101124")
    master_import(
        kind="investors",
        content=_csv(
            "一码通账户号码,投资者名称,证件类型,证件号码,股东性质", f"180000000102,赵六,居民身份证,{ident},境内自然人"
        ),
        name="i.csv",
        actor=cast.operator,
    )
    header = "证券账户号码,一码通账户号码,市场,预留手机号码"
    with pytest.raises(ImportRefused) as refused:
        master_import(
            kind="accounts",
            content=_csv(header, "0180000102,180000000102,BSE,2380000000"),
            name="a.csv",
            actor=cast.operator,
        )
    assert any("预留手机号码" in p.message for p in refused.value.problems)
    assert not SecuritiesAccount.objects.filter(number="0180000102").exists()
    master_import(
        kind="accounts",
        content=_csv(header, "0180000102,180000000102,BSE,13800000102"),
        name="a.csv",
        actor=cast.operator,
    )
    assert SecuritiesAccount.objects.get(number="0180000102").mobile == "13800000102"
